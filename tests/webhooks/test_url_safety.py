"""Webhooks go to public addresses only (unless the test settings allow the local receiver):
refused when an endpoint is saved, and again before every POST, against the address the name
resolves to at that moment (DNS rebinding)."""

import socket

import pytest
from django_scopes import scopes_disabled

from core.errors import DomainError
from tests.webhooks.factories import endpoint_for
from webhooks import services
from webhooks.models import DeliveryState, EventType, WebhookDelivery

pytestmark = pytest.mark.django_db

REAL_GETADDRINFO = socket.getaddrinfo


@pytest.fixture
def dns(monkeypatch):
    """Names the test decides the addresses of; anything else resolves as usual."""
    table: dict[str, str] = {"hooks.partner.example": "93.184.216.34"}

    def resolve(host, port, *args, **kwargs):
        if host in table:
            family = socket.AF_INET6 if ":" in table[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (table[host], port))]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return table


@pytest.fixture
def production_rules(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False


def _create(org, url):
    return services.webhook_endpoint_create(
        organization=org, actor=None, url=url, event_types=[EventType.MENTORSHIP_STARTED]
    )


@pytest.mark.usefixtures("production_rules")
@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "10.1.2.3",  # private
        "192.168.0.10",
        "172.16.5.4",
        "169.254.169.254",  # link-local: cloud metadata services
        "100.64.0.1",  # shared address space
        "0.0.0.0",  # noqa: S104 (unspecified: this host)
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",  # IPv4 loopback written as IPv6
    ],
)
def test_a_host_leading_to_this_network_is_refused_at_registration(org, dns, address):
    dns["hooks.partner.example"] = address

    with pytest.raises(DomainError) as refusal:
        _create(org, "https://hooks.partner.example/in")

    assert refusal.value.field == "url"
    assert address in refusal.value.message


@pytest.mark.usefixtures("production_rules")
@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1/x", "https://[::1]/x", "https://169.254.169.254/latest/meta-data"],
)
def test_address_literals_of_this_network_are_refused_at_registration(org, url):
    with pytest.raises(DomainError, match="public addresses only"):
        _create(org, url)


@pytest.mark.usefixtures("production_rules")
def test_plain_http_and_credentials_are_refused_and_a_public_https_host_is_accepted(org, dns):
    with pytest.raises(DomainError, match="https"):
        _create(org, "http://hooks.partner.example/in")
    with pytest.raises(DomainError, match="credentials"):
        _create(org, "https://user:secret@hooks.partner.example/in")
    with pytest.raises(DomainError, match="cannot be found"):
        _create(org, "https://no-such-host.invalid/in")

    endpoint = _create(org, "https://hooks.partner.example/in")

    assert endpoint.url == "https://hooks.partner.example/in"
    assert endpoint.secret.startswith("whsec_")


def test_a_name_that_moves_to_a_private_address_after_registration_gets_nothing(
    org, dns, settings, receiver
):
    """The receiver on 127.0.0.1 stands for an internal service the name is pointed at."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    port = receiver.url.split(":")[2].split("/")[0]
    endpoint = _create(org, f"https://hooks.partner.example:{port}/hooks")
    services.events_record(
        organization_id=org.pk, event_type=EventType.MENTORSHIP_STARTED, payloads=[{"a": 1}]
    )
    dns["hooks.partner.example"] = "127.0.0.1"

    assert services.deliveries_send_due(organization=org) == 1

    assert receiver.requests == []
    with scopes_disabled():
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.state == DeliveryState.DUE
    assert delivery.last_status_code is None
    assert "127.0.0.1" in delivery.last_error


def test_the_test_settings_allow_the_local_receiver(org, receiver):
    endpoint = endpoint_for(org, receiver.url)

    assert endpoint.url.startswith("http://127.0.0.1:")


def test_the_connection_goes_to_the_address_that_was_checked(org, dns, receiver):
    """A name resolved once for the check is not resolved again by the HTTP client."""
    port = receiver.url.split(":")[2].split("/")[0]
    dns["hooks.partner.example"] = "127.0.0.1"
    endpoint_for(org, f"http://hooks.partner.example:{port}/hooks")
    services.events_record(
        organization_id=org.pk, event_type=EventType.MENTORSHIP_STARTED, payloads=[{"a": 1}]
    )

    services.deliveries_send_due(organization=org)

    [request] = receiver.requests
    # The Host header names the endpoint's host, as virtual hosting and TLS need.
    assert request.headers["Host"] == f"hooks.partner.example:{port}"
