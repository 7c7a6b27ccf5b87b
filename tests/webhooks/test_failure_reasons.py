"""A failed delivery says why, in words an owner can act on (connection refused, host not
found, TLS, timeout, the receiver's status), and when it is tried next, in the viewer's time
zone and the page's one date format."""

import datetime as dt
import http.client
import socket
import ssl
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import formats
from django_scopes import scopes_disabled

from tests.conftest import login
from tests.webhooks.factories import endpoint_for
from webhooks import services
from webhooks.models import DeliveryState, EventType, FailureReason, WebhookDelivery

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _deliver(org, endpoint):
    services.events_record(
        organization_id=org.pk, event_type=EventType.MENTORSHIP_STARTED, payloads=[{"id": 1}]
    )
    services.deliveries_send_due(organization=org)
    with scopes_disabled():
        return WebhookDelivery.objects.filter(endpoint=endpoint).latest("pk")


def _in_tokyo(moment: dt.datetime) -> str:
    return formats.date_format(moment.astimezone(TOKYO), "DATETIME_FORMAT")


def test_a_refused_connection_is_named_with_the_next_retry_in_the_viewers_zone(client, org, owner):
    endpoint = endpoint_for(org, f"http://127.0.0.1:{_closed_port()}/hooks")
    delivery = _deliver(org, endpoint)
    owner.time_zone = "Asia/Tokyo"
    owner.save(update_fields=["time_zone"])
    login(client, owner)

    page = client.get(reverse("webhooks:endpoint_detail", args=[org.slug, endpoint.pk]))

    assert delivery.state == DeliveryState.DUE
    assert delivery.last_failure == FailureReason.REFUSED
    text = page.content.decode()
    assert "Connection refused" in text
    assert "Failed, will retry" in text
    assert ">none<" not in text
    assert _in_tokyo(delivery.next_attempt_at) in text
    assert _in_tokyo(delivery.created_at) in text
    detail = client.get(reverse("webhooks:delivery_detail", args=[org.slug, delivery.pk]))
    detail_text = detail.content.decode()
    assert "Connection refused" in detail_text
    assert "ConnectionRefusedError" in detail_text
    assert _in_tokyo(delivery.next_attempt_at) in detail_text
    with scopes_disabled():
        (attempt,) = delivery.attempt_log.all()
    assert attempt.failure == FailureReason.REFUSED
    assert _in_tokyo(attempt.created_at) in detail_text


def test_an_error_status_is_recorded_as_such(client, org, owner, receiver):
    endpoint = endpoint_for(org, receiver.url)
    receiver.answers = [503]

    delivery = _deliver(org, endpoint)

    assert (delivery.last_status_code, delivery.last_failure) == (503, FailureReason.HTTP_STATUS)
    login(client, owner)
    detail = client.get(reverse("webhooks:delivery_detail", args=[org.slug, delivery.pk]))
    assert "Error status" in detail.content.decode()


def test_a_delivered_event_records_no_failure(org, receiver):
    endpoint = endpoint_for(org, receiver.url)

    delivery = _deliver(org, endpoint)

    assert delivery.state == DeliveryState.SUCCEEDED
    assert delivery.last_failure == ""


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ConnectionRefusedError(111, "Connection refused"), FailureReason.REFUSED),
        (socket.gaierror(-2, "Name or service not known"), FailureReason.DNS),
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), FailureReason.TLS),
        (ssl.SSLError(1, "wrong version number"), FailureReason.TLS),
        (TimeoutError("timed out"), FailureReason.TIMEOUT),
        (http.client.BadStatusLine("HTTP/9"), FailureReason.BAD_ANSWER),
        (ConnectionResetError(104, "reset by peer"), FailureReason.CONNECTION),
    ],
)
def test_each_network_error_has_its_reason(error, reason):
    assert services.failure_reason(error) == reason


def test_a_host_that_no_longer_resolves_is_a_dns_failure(org, monkeypatch, receiver):
    endpoint = endpoint_for(org, receiver.url)

    def no_such_host(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    delivery = _deliver(org, endpoint)

    assert delivery.last_failure == FailureReason.DNS
