"""Settings → Webhooks for owners and admins: add an endpoint (refusals beside the URL field),
edit its events, rotate its secret (shown once; the old one still verifies for a day), send a
test event, read the delivery log and replay a delivery. Others get 403; another organization's
endpoints and deliveries are 404."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from standardwebhooks import Webhook, WebhookVerificationError

from tests.conftest import login
from tests.webhooks.factories import endpoint_for
from webhooks import services
from webhooks.models import (
    TEST_EVENT_TYPE,
    DeliveryState,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
)

pytestmark = pytest.mark.django_db


def _list_url(org):
    return reverse("webhooks:endpoint_list", args=[org.slug])


def _detail_url(org, endpoint):
    return reverse("webhooks:endpoint_detail", args=[org.slug, endpoint.pk])


def _deliver_one(org, endpoint):
    services.events_record(
        organization_id=org.pk, event_type=EventType.MENTORSHIP_STARTED, payloads=[{"id": 1}]
    )
    services.deliveries_send_due(organization=org)
    with scopes_disabled():
        return WebhookDelivery.objects.filter(endpoint=endpoint).latest("pk")


@pytest.mark.parametrize("role", ["owner", "org_admin"])
def test_owners_and_admins_add_an_endpoint_and_see_its_secret_once(
    client, org, role, request, receiver
):
    login(client, request.getfixturevalue(role))

    response = client.post(
        _list_url(org),
        {"url": receiver.url, "description": "Warehouse", "event_types": ["check_in.held"]},
    )

    with scopes_disabled():
        endpoint = WebhookEndpoint.objects.get(organization=org)
    assert response.status_code == 302
    assert response["Location"] == _detail_url(org, endpoint)
    assert endpoint.secret not in response.content.decode()
    assert endpoint.event_types == ["check_in.held"]
    shown = client.get(response["Location"]).content.decode()
    assert endpoint.secret in shown
    assert 'data-copy="#new-webhook-secret"' in shown
    reloaded = client.get(response["Location"]).content.decode()
    assert endpoint.secret not in reloaded
    assert "Warehouse" in client.get(_list_url(org)).content.decode()
    with scopes_disabled():
        assert WebhookEndpoint.objects.filter(organization=org).count() == 1


def test_a_new_secret_waits_for_its_own_endpoints_page(client, org, owner, receiver):
    other = endpoint_for(org, receiver.url + "/other")
    login(client, owner)

    client.post(_list_url(org), {"url": receiver.url, "event_types": ["check_in.held"]})
    with scopes_disabled():
        endpoint = WebhookEndpoint.objects.exclude(pk=other.pk).get(organization=org)

    assert endpoint.secret not in client.get(_detail_url(org, other)).content.decode()
    assert endpoint.secret in client.get(_detail_url(org, endpoint)).content.decode()


def test_a_refused_address_shows_beside_the_url_field(client, org, owner, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    login(client, owner)

    response = client.post(
        _list_url(org),
        {"url": "https://169.254.169.254/latest", "event_types": ["match.published"]},
    )

    assert response.status_code == 200
    assert "public addresses only" in response.context["form"].errors["url"][0]
    with scopes_disabled():
        assert not WebhookEndpoint.objects.exists()


def test_the_empty_page_says_what_webhooks_are_for(client, org, owner):
    login(client, owner)

    page = client.get(_list_url(org)).content.decode()

    assert "No endpoints yet" in page
    assert 'href="#add-endpoint"' in page


def test_editing_changes_the_events_and_turning_it_off_stops_new_deliveries(
    client, org, owner, receiver
):
    endpoint = endpoint_for(org, receiver.url)
    login(client, owner)

    response = client.post(
        _detail_url(org, endpoint),
        {"url": receiver.url, "event_types": ["mentorship.closed", "check_in.held"]},
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.event_types == ["mentorship.closed", "check_in.held"]
    assert endpoint.is_active is False
    assert (
        services.events_record(
            organization_id=org.pk, event_type=EventType.MENTORSHIP_CLOSED, payloads=[{}]
        )
        == 0
    )


def test_rotating_shows_the_new_secret_once_and_both_sign_during_the_grace_period(
    client, org, owner, receiver
):
    endpoint = endpoint_for(org, receiver.url)
    old_secret = endpoint.secret
    login(client, owner)

    response = client.post(reverse("webhooks:endpoint_rotate_secret", args=[org.slug, endpoint.pk]))

    endpoint.refresh_from_db()
    new_secret = endpoint.secret
    assert new_secret != old_secret
    assert response.status_code == 302
    assert response["Location"] == _detail_url(org, endpoint)
    shown = client.get(response["Location"]).content.decode()
    assert new_secret in shown
    assert old_secret not in shown
    # A reload neither shows the secret again nor rotates it a second time.
    assert new_secret not in client.get(response["Location"]).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret == new_secret
    _deliver_one(org, endpoint)
    request = receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    # A receiver still on the old secret and one already on the new both accept it.
    Webhook(old_secret).verify(request.body, request.headers)
    Webhook(new_secret).verify(request.body, request.headers)


def test_after_the_grace_period_only_the_new_secret_signs(org, receiver):
    endpoint = endpoint_for(org, receiver.url)
    old_secret = endpoint.secret
    long_ago = timezone.now() - services.ROTATION_GRACE - dt.timedelta(minutes=1)
    new_secret = services.webhook_endpoint_rotate_secret(
        organization=org, endpoint=endpoint, now=long_ago
    )

    _deliver_one(org, endpoint)

    request = receiver.requests[-1]
    Webhook(new_secret).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(request.body, request.headers)


def test_a_test_event_goes_to_that_endpoint_only(client, org, owner, receiver):
    endpoint = endpoint_for(org, receiver.url)
    endpoint_for(org, receiver.url + "/other")
    login(client, owner)

    response = client.post(reverse("webhooks:endpoint_send_test", args=[org.slug, endpoint.pk]))
    services.deliveries_send_due(organization=org)

    assert response.status_code == 302
    [request] = receiver.requests
    assert request.path == "/hooks"
    assert Webhook(endpoint.secret).verify(request.body, request.headers)["type"] == TEST_EVENT_TYPE


def test_the_log_shows_status_time_attempts_and_next_attempt(client, org, owner, receiver):
    endpoint = endpoint_for(org, receiver.url)
    receiver.answers = [502]
    delivery = _deliver_one(org, endpoint)
    login(client, owner)

    page = client.get(_detail_url(org, endpoint)).content.decode()

    assert "mentorship.started" in page
    assert "502" in page
    assert f"{delivery.last_response_ms} ms" in page
    assert delivery.next_attempt_at.isoformat()[:16] in page
    detail = client.get(reverse("webhooks:delivery_detail", args=[org.slug, delivery.pk]))
    assert "receiver says no" in detail.content.decode()


def test_replay_from_the_page_delivers_the_same_message_again(client, org, owner, receiver):
    endpoint = endpoint_for(org, receiver.url)
    delivery = _deliver_one(org, endpoint)
    assert delivery.state == DeliveryState.SUCCEEDED
    login(client, owner)

    response = client.post(reverse("webhooks:delivery_replay", args=[org.slug, delivery.pk]))
    services.deliveries_send_due(organization=org)

    assert response.status_code == 302
    first, again = receiver.requests
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    Webhook(endpoint.secret).verify(again.body, again.headers)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SUCCEEDED, 1)


def test_replay_of_a_failed_delivery_starts_a_fresh_schedule(org, receiver):
    endpoint = endpoint_for(org, receiver.url)
    delivery = _deliver_one(org, endpoint)
    with scopes_disabled():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED, attempts=services.MAX_ATTEMPTS
        )
    delivery.refresh_from_db()
    receiver.answers = [500]

    services.webhook_delivery_replay(organization=org, delivery=delivery)
    services.deliveries_send_due(organization=org)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.DUE, 1)


@pytest.mark.parametrize("role", ["member", "program_manager", "hr_analyst"])
def test_members_without_the_capability_get_403(client, org, role, request, receiver):
    endpoint = endpoint_for(org, receiver.url)
    delivery = _deliver_one(org, endpoint)
    login(client, request.getfixturevalue(role))

    assert client.get(_list_url(org)).status_code == 403
    assert client.get(_detail_url(org, endpoint)).status_code == 403
    replay = reverse("webhooks:delivery_replay", args=[org.slug, delivery.pk])
    assert client.post(replay).status_code == 403
    assert len(receiver.requests) == 1


def test_an_admin_of_another_organization_gets_404_and_changes_nothing(
    client, org, outsider, receiver
):
    endpoint = endpoint_for(org, receiver.url)
    delivery = _deliver_one(org, endpoint)
    login(client, outsider)
    other = "globex"

    for url in (
        reverse("webhooks:endpoint_detail", args=[other, endpoint.pk]),
        reverse("webhooks:delivery_detail", args=[other, delivery.pk]),
    ):
        assert client.get(url).status_code == 404
    for url in (
        reverse("webhooks:delivery_replay", args=[other, delivery.pk]),
        reverse("webhooks:endpoint_rotate_secret", args=[other, endpoint.pk]),
        reverse("webhooks:endpoint_send_test", args=[other, endpoint.pk]),
        reverse("webhooks:endpoint_delete", args=[other, endpoint.pk]),
    ):
        assert client.post(url).status_code == 404
    own_list = client.get(reverse("webhooks:endpoint_list", args=[other])).content.decode()
    assert receiver.url not in own_list

    services.deliveries_send_due(organization=org)
    assert len(receiver.requests) == 1
    secret = endpoint.secret
    endpoint.refresh_from_db()
    assert endpoint.secret == secret


def test_deleting_an_endpoint_asks_first_and_removes_it(client, org, owner, receiver):
    endpoint = endpoint_for(org, receiver.url)
    login(client, owner)
    page = client.get(_detail_url(org, endpoint)).content.decode()
    assert "data-confirm" in page

    client.post(reverse("webhooks:endpoint_delete", args=[org.slug, endpoint.pk]))

    with scopes_disabled():
        assert not WebhookEndpoint.objects.exists()
