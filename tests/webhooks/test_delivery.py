"""Events reach a receiver the test runs on 127.0.0.1, signed as the Standard Webhooks spec says
(checked with the `standardwebhooks` package itself), retried on the back-off schedule,
recorded in the log, and never sent twice by workers that overlap."""

import datetime as dt
import json

import pytest
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled
from standardwebhooks import Webhook, WebhookVerificationError

from tests.webhooks.factories import endpoint_for
from webhooks import services
from webhooks.models import (
    DeliveryAttempt,
    DeliveryState,
    EventType,
    WebhookDelivery,
    WebhookMessage,
)
from webhooks.signals import endpoint_turned_off

pytestmark = pytest.mark.django_db


def _emit(org, payload=None, event_type=EventType.MENTORSHIP_STARTED) -> int:
    return services.events_record(
        organization_id=org.pk, event_type=event_type, payloads=[payload or {"mentorship_id": 7}]
    )


def _send(org, now=None) -> int:
    return services.deliveries_send_due(organization=org, now=now)


def _delivery(endpoint) -> WebhookDelivery:
    with scopes_disabled():
        return WebhookDelivery.objects.get(endpoint=endpoint)


def test_an_event_reaches_the_receiver_with_a_signature_the_library_verifies(org, receiver):
    endpoint = endpoint_for(org, receiver.url)
    _emit(org, {"mentorship_id": 7, "cohort_id": 3})

    assert _send(org) == 1

    [request] = receiver.requests
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "mentorship.started"
    assert payload["data"] == {"mentorship_id": 7, "cohort_id": 3}
    with scopes_disabled():
        message = WebhookMessage.objects.get()
    assert request.headers["webhook-id"] == message.msg_id
    assert request.headers["content-type"] == "application/json"
    delivery = _delivery(endpoint)
    assert delivery.state == DeliveryState.SUCCEEDED
    assert delivery.last_status_code == 200
    assert delivery.last_response_ms is not None
    with scopes_disabled():
        [attempt] = DeliveryAttempt.objects.filter(delivery=delivery)
    assert (attempt.number, attempt.status_code) == (1, 200)
    assert attempt.response_excerpt == '{"ok": true}'


def test_a_signature_made_with_another_secret_is_refused(org, receiver):
    endpoint_for(org, receiver.url)
    _emit(org)
    _send(org)

    [request] = receiver.requests
    with pytest.raises(WebhookVerificationError):
        Webhook(services.secret_generate()).verify(request.body, request.headers)


def test_only_active_endpoints_subscribed_to_the_event_get_it(org, other_org, receiver):
    subscribed = endpoint_for(org, receiver.url)
    endpoint_for(org, receiver.url + "/checkins", events=[EventType.CHECK_IN_HELD])
    switched_off = endpoint_for(org, receiver.url + "/off")
    switched_off.is_active = False
    switched_off.save()
    endpoint_for(other_org, receiver.url + "/globex")

    assert _emit(org) == 1
    _send(org)
    _send(other_org)

    assert [r.path for r in receiver.requests] == ["/hooks"]
    assert _delivery(subscribed).state == DeliveryState.SUCCEEDED


def test_events_are_written_with_the_change_and_the_worker_is_triggered_after_commit(
    org, receiver, django_capture_on_commit_callbacks
):
    endpoint_for(org, receiver.url)

    class Undo(Exception):
        pass

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(Undo),
        transaction.atomic(),
    ):
        services.event_emit(
            organization_id=org.pk, event_type=EventType.MENTORSHIP_STARTED, payload={"a": 1}
        )
        raise Undo
    with scopes_disabled():
        assert not WebhookMessage.objects.exists()
    assert callbacks == []

    with django_capture_on_commit_callbacks() as callbacks:
        services.event_emit(
            organization_id=org.pk,
            event_type=EventType.MENTORSHIP_STARTED,
            payload={"started_on": dt.date(2026, 3, 1)},
        )
    with scopes_disabled():
        assert WebhookMessage.objects.get().payload == {"started_on": "2026-03-01"}
    assert len(callbacks) == 1


def test_with_no_endpoint_listening_an_event_leaves_nothing_behind(
    org, receiver, django_capture_on_commit_callbacks, django_assert_num_queries
):
    endpoint_for(org, receiver.url, events=[EventType.CHECK_IN_HELD])

    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(3):
        # The endpoints' query, inside a savepoint and its release.
        services.event_emit(
            organization_id=org.pk, event_type=EventType.MENTORSHIP_STARTED, payload={"a": 1}
        )

    assert callbacks == []
    with scopes_disabled():
        assert not WebhookMessage.objects.exists()


def test_a_failing_receiver_is_retried_on_the_back_off_schedule_until_it_answers(org, receiver):
    endpoint = endpoint_for(org, receiver.url)
    receiver.answers = [500, 503]
    _emit(org)
    start = timezone.now()

    assert _send(org, start) == 1
    first = _delivery(endpoint)
    assert (first.state, first.attempts, first.last_status_code) == (DeliveryState.DUE, 1, 500)
    assert first.next_attempt_at == start + dt.timedelta(seconds=30)

    # Not before its time.
    assert _send(org, start + dt.timedelta(seconds=29)) == 0
    assert _send(org, start + dt.timedelta(seconds=30)) == 1
    second = _delivery(endpoint)
    assert second.next_attempt_at == start + dt.timedelta(seconds=30, minutes=2)

    assert _send(org, second.next_attempt_at) == 1
    done = _delivery(endpoint)
    assert (done.state, done.attempts, done.last_status_code) == (DeliveryState.SUCCEEDED, 3, 200)
    assert len(receiver.requests) == 3
    # The same message each time: receivers drop repeats by its id.
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    with scopes_disabled():
        log = list(DeliveryAttempt.objects.filter(delivery=done).order_by("number"))
    assert [(a.number, a.status_code) for a in log] == [(1, 500), (2, 503), (3, 200)]
    assert "500" in log[0].error and log[0].response_excerpt == "receiver says no"


def test_an_endpoint_failing_a_whole_schedule_is_turned_off_and_announced(org, receiver):
    endpoint = endpoint_for(org, receiver.url)
    receiver.answers = [500] * services.MAX_ATTEMPTS
    heard = []
    endpoint_turned_off.connect(lambda **kwargs: heard.append(kwargs["endpoint"].pk), weak=False)
    _emit(org)
    now = timezone.now()

    for wait in (dt.timedelta(), *services.BACKOFF):
        now += wait
        assert _send(org, now) == 1

    delivery = _delivery(endpoint)
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, services.MAX_ATTEMPTS)
    assert _send(org, now + dt.timedelta(days=3)) == 0
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert "failing" in endpoint.disabled_reason
    assert heard == [endpoint.pk]


def test_a_success_in_between_keeps_a_flaky_endpoint_on(org, receiver):
    endpoint = endpoint_for(org, receiver.url)
    receiver.answers = [500] * services.MAX_ATTEMPTS
    _emit(org)
    now = timezone.now()
    for wait in (dt.timedelta(), *services.BACKOFF[:-1]):
        now += wait
        _send(org, now)
    # Another event gets through just before the first one's last try.
    receiver.answers = [200, 500]
    _emit(org, {"mentorship_id": 8})
    assert _send(org, now) == 1

    assert _send(org, now + services.BACKOFF[-1]) == 1

    endpoint.refresh_from_db()
    assert endpoint.is_active is True
    assert endpoint.failing_since == now + services.BACKOFF[-1]


def test_sending_twice_sends_each_delivery_once(org, receiver):
    endpoint_for(org, receiver.url)
    endpoint_for(org, receiver.url + "/second")
    _emit(org)
    _emit(org, {"mentorship_id": 8})

    assert _send(org) == 4
    assert _send(org) == 0

    assert sorted((r.path, r.headers["webhook-id"]) for r in receiver.requests) == sorted(
        {(r.path, r.headers["webhook-id"]) for r in receiver.requests}
    )
    assert len(receiver.requests) == 4
    with scopes_disabled():
        assert WebhookDelivery.objects.count() == 4


def test_a_lost_workers_delivery_is_sent_once_its_lease_lapses(org, receiver):
    endpoint = endpoint_for(org, receiver.url)
    _emit(org)
    now = timezone.now()
    # A worker claims the delivery and dies before it records anything.
    assert services._claim(org, now) is not None

    assert _send(org, now + services.LEASE - dt.timedelta(seconds=1)) == 0
    assert receiver.requests == []

    assert _send(org, now + services.LEASE + dt.timedelta(seconds=1)) == 1
    assert len(receiver.requests) == 1
    delivery = _delivery(endpoint)
    assert (delivery.state, delivery.attempts) == (DeliveryState.SUCCEEDED, 2)


def test_a_late_answer_from_a_worker_whose_row_was_taken_back_changes_no_state(org, receiver):
    endpoint = endpoint_for(org, receiver.url)
    _emit(org)
    now = timezone.now()
    slow = services._claim(org, now)
    later = now + services.LEASE + dt.timedelta(seconds=1)
    assert _send(org, later) == 1

    services._record(org, slow, services.Answer(None, 10_000, error="timed out"), later)

    delivery = _delivery(endpoint)
    assert delivery.state == DeliveryState.SUCCEEDED
    with scopes_disabled():
        assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 2


def test_the_body_is_the_same_json_on_every_attempt(org, receiver):
    endpoint_for(org, receiver.url)
    receiver.answers = [500]
    _emit(org, {"b": 2, "a": 1})
    now = timezone.now()
    _send(org, now)
    _send(org, now + services.BACKOFF[0])

    first, second = receiver.requests
    assert first.body == second.body
    body = json.loads(first.body)
    assert set(body) == {"type", "timestamp", "data"}
