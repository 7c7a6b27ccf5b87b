"""The webhook services' guards, each by itself, where the delivery, URL-safety and event tests
let a small change through (docs/testing.md, fourth round)."""

import base64
import datetime as dt

import pytest
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from tests.webhooks.factories import endpoint_for
from webhooks import services
from webhooks.models import DeliveryState, EventType, WebhookDelivery, WebhookEndpoint
from webhooks.signals import endpoint_turned_off

pytestmark = pytest.mark.django_db


def _update(org, endpoint, **changes):
    fields = {
        "url": endpoint.url,
        "event_types": list(endpoint.event_types),
        "description": endpoint.description,
        "is_active": endpoint.is_active,
        **changes,
    }
    with scope(organization=org.pk):
        return services.webhook_endpoint_update(organization=org, endpoint=endpoint, **fields)


def test_a_secret_is_32_random_bytes_in_base64_after_whsec():
    first, second = services.secret_generate(), services.secret_generate()

    assert first.startswith("whsec_") and first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"), validate=True)) == 32


@pytest.mark.parametrize("url", ["https://hooks.example:99999/in", "https://hooks.example:x/in"])
def test_a_port_that_is_not_a_port_is_refused_on_the_url(url):
    with pytest.raises(DomainError) as refused:
        services.webhook_url_check(url)
    assert refused.value.field == "url"
    assert "port" in str(refused.value)


def test_an_endpoint_needs_at_least_one_event(org, receiver):
    with scope(organization=org.pk), pytest.raises(DomainError) as refused:
        services.webhook_endpoint_create(
            organization=org, actor=None, url=receiver.url, event_types=[]
        )
    assert refused.value.field == "event_types"
    with scopes_disabled():
        assert not WebhookEndpoint.objects.exists()


def test_a_changed_address_is_checked_again(org, receiver, settings):
    endpoint = endpoint_for(org, receiver.url)
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

    with pytest.raises(DomainError) as refused:
        _update(org, endpoint, url="https://127.0.0.1/in")

    assert refused.value.field == "url"
    with scopes_disabled():
        assert WebhookEndpoint.objects.get(pk=endpoint.pk).url == receiver.url


def test_turning_an_endpoint_back_on_sends_what_waited_at_once(
    org, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(org, receiver.url)
    _update(org, endpoint, is_active=False)
    triggered = []
    monkeypatch.setattr(services, "_enqueue", triggered.append)

    with django_capture_on_commit_callbacks(execute=True):
        _update(org, endpoint, is_active=False, description="still off")
    assert triggered == []
    with django_capture_on_commit_callbacks(execute=True):
        _update(org, endpoint, is_active=True)

    assert triggered == [org.pk]


def test_another_organizations_secret_is_not_rotated_with_no_scope_and_no_rls(
    org, other_org, receiver, settings
):
    theirs = endpoint_for(other_org, receiver.url)
    settings.MERIDIAN_ROW_LEVEL_SECURITY = False

    with scopes_disabled(), pytest.raises(WebhookEndpoint.DoesNotExist):
        services.webhook_endpoint_rotate_secret(organization=org, endpoint=theirs)

    with scopes_disabled():
        saved = WebhookEndpoint.objects.get(pk=theirs.pk)
    assert (saved.secret, saved.previous_secret) == (theirs.secret, "")


def test_a_redirect_or_any_3xx_answer_is_a_failure(org, receiver):
    endpoint = endpoint_for(org, receiver.url)
    receiver.answers = [300]
    services.events_record(
        organization_id=org.pk,
        event_type=EventType.MENTORSHIP_STARTED,
        payloads=[{"mentorship_id": 7}],
    )

    assert services.deliveries_send_due(organization=org) == 1

    with scopes_disabled():
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.state, delivery.last_status_code) == (DeliveryState.DUE, 300)


def test_seven_attempts_over_31_hours_then_the_delivery_has_failed():
    # docs/webhooks.md promises receivers this schedule.
    waits = [dt.timedelta(seconds=30), dt.timedelta(minutes=2), dt.timedelta(minutes=10)]
    waits += [dt.timedelta(hours=1), dt.timedelta(hours=6), dt.timedelta(hours=24)]
    assert list(services.BACKOFF) == waits
    attempts, turned_off_after = services.MAX_ATTEMPTS, services.FAILING_DISABLES_AFTER
    assert (attempts, turned_off_after) == (7, sum(waits, dt.timedelta()))
    assert sum(waits, dt.timedelta()) == dt.timedelta(hours=31, minutes=12, seconds=30)


def _emit(org):
    services.events_record(
        organization_id=org.pk,
        event_type=EventType.MENTORSHIP_STARTED,
        payloads=[{"mentorship_id": 7}],
    )


def _endpoint(endpoint):
    with scopes_disabled():
        return WebhookEndpoint.objects.get(pk=endpoint.pk)


def test_a_failing_endpoint_marks_itself_failing_and_no_other(org, receiver):
    failing = endpoint_for(org, receiver.url)
    _emit(org)
    healthy = endpoint_for(org, receiver.url)  # created after the event: nothing for it
    receiver.answers = [500]

    services.deliveries_send_due(organization=org)

    assert _endpoint(failing).failing_since is not None
    assert _endpoint(healthy).failing_since is None


def test_an_endpoint_its_owner_turned_off_is_not_turned_off_again_by_a_last_failure(org, receiver):
    endpoint = endpoint_for(org, receiver.url)
    _emit(org)
    now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    with scopes_disabled():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            is_active=False, failing_since=now - dt.timedelta(days=3)
        )
        WebhookDelivery.objects.filter(endpoint=endpoint).update(
            state=DeliveryState.IN_FLIGHT, attempts=services.MAX_ATTEMPTS
        )
        delivery = WebhookDelivery.objects.select_related("endpoint", "message").get()
    announced = []

    def listen(sender, **kwargs):
        announced.append(kwargs["endpoint"].pk)

    endpoint_turned_off.connect(listen)
    try:
        services._record(org, delivery, services.Answer(500, 5, "no"), now)
    finally:
        endpoint_turned_off.disconnect(listen)

    assert announced == []
    assert _endpoint(endpoint).disabled_reason == ""
    with scopes_disabled():
        assert WebhookDelivery.objects.get().state == DeliveryState.FAILED


def test_a_replayed_delivery_goes_out_with_the_next_send(org, receiver):
    endpoint = endpoint_for(org, receiver.url)
    _emit(org)
    services.deliveries_send_due(organization=org)
    with scopes_disabled():
        delivery = WebhookDelivery.objects.select_related("endpoint").get(endpoint=endpoint)

    with scope(organization=org.pk):
        services.webhook_delivery_replay(organization=org, delivery=delivery)

    assert services.deliveries_send_due(organization=org) == 1
    assert len(receiver.requests) == 2


def test_a_delivery_on_its_way_is_not_replayed(org, receiver):
    endpoint = endpoint_for(org, receiver.url)
    _emit(org)
    with scopes_disabled():
        WebhookDelivery.objects.filter(endpoint=endpoint).update(
            state=DeliveryState.IN_FLIGHT, attempts=1
        )
        delivery = WebhookDelivery.objects.select_related("endpoint").get(endpoint=endpoint)

    with scope(organization=org.pk), pytest.raises(DomainError):
        services.webhook_delivery_replay(organization=org, delivery=delivery)

    with scopes_disabled():
        saved = WebhookDelivery.objects.get(pk=delivery.pk)
    assert (saved.state, saved.attempts) == (DeliveryState.IN_FLIGHT, 1)
