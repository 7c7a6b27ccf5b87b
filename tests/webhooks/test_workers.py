"""Webhooks through real Celery workers on Redis: one delivered by a worker as in production,
and one whose worker is killed mid-POST, delivered again once its lease lapses, never lost."""

import datetime as dt
import threading

import pytest
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled
from standardwebhooks import Webhook

from tests.celery_helpers import RedisServer, WorkerProcess, app_on_broker, wait_for
from tests.webhooks.factories import endpoint_for
from webhooks import services
from webhooks.models import DeliveryState, EventType, WebhookDelivery

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _state(endpoint):
    with scopes_disabled():
        return WebhookDelivery.objects.get(endpoint=endpoint)


def test_a_real_worker_on_redis_delivers_an_event_signed(org, redis_worker, receiver):
    endpoint = endpoint_for(org, receiver.url)

    # The commit triggers the worker through the broker.
    with transaction.atomic():
        services.event_emit(
            organization_id=org.pk, event_type=EventType.MENTORSHIP_STARTED, payload={"id": 5}
        )

    wait_for(lambda: receiver.requests)
    [request] = receiver.requests
    assert Webhook(endpoint.secret).verify(request.body, request.headers)["data"] == {"id": 5}
    delivered = wait_for(
        lambda: (d := _state(endpoint)).state == DeliveryState.SUCCEEDED and d, seconds=30
    )
    assert delivered.attempts == 1


def test_a_worker_killed_mid_delivery_loses_nothing(org, receiver, tmp_path):
    endpoint = endpoint_for(org, receiver.url)
    receiver.hold = threading.Event()
    redis_server = RedisServer(tmp_path).start()
    worker = WorkerProcess(redis_server.url, tmp_path, "webhooks-doomed").start()
    try:
        with app_on_broker(redis_server.url), transaction.atomic():
            services.event_emit(
                organization_id=org.pk, event_type=EventType.MENTORSHIP_STARTED, payload={"id": 6}
            )
        assert receiver.arrived.wait(120), worker.output()
        # The receiver holds the POST; the worker dies waiting for the answer.
        worker.kill()
    finally:
        worker.stop()
        redis_server.stop()
    receiver.hold.set()
    receiver.hold = None
    claimed = _state(endpoint)
    assert (claimed.state, claimed.attempts) == (DeliveryState.IN_FLIGHT, 1)

    # Before the lease lapses the row stays the dead worker's; after, the sweep takes it back.
    assert services.deliveries_send_due(organization=org) == 0
    later = timezone.now() + services.LEASE + dt.timedelta(seconds=1)
    assert services.deliveries_send_due(organization=org, now=later) == 1

    first, again = receiver.requests
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    done = _state(endpoint)
    assert (done.state, done.attempts) == (DeliveryState.SUCCEEDED, 2)
