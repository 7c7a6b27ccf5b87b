"""Webhooks: registering endpoints, emitting events, and delivering them (docs/webhooks.md).

Every delivery is a row with a state (DESIGN.md §5). An event makes one row per subscribed
endpoint; a worker claims a due row (FOR UPDATE SKIP LOCKED, then a lease), POSTs it signed
the Standard Webhooks way, and records the answer: delivered, or due again after a back-off,
or failed once the schedule is spent. A worker lost mid-POST leaves its lease to lapse and the
sweep (every minute) hands the row to another, so a delivery is never lost, and at worst sent
once more with the same `webhook-id` (receivers drop repeats by it).
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from accounts.models import User
from core.broker import task_send_once
from core.errors import DomainError
from webhooks.models import (
    TEST_EVENT_TYPE,
    DeliveryAttempt,
    DeliveryState,
    EventType,
    FailureReason,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from webhooks.signals import endpoint_turned_off

if TYPE_CHECKING:
    from organizations.models import Organization

logger = logging.getLogger(__name__)

# Waits after the 1st … 6th failed attempt; the 7th failure ends the delivery as failed,
# 31 h 12 min 30 s after the first attempt.
BACKOFF = (
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
    dt.timedelta(hours=1),
    dt.timedelta(hours=6),
    dt.timedelta(hours=24),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# An endpoint that answered nothing but failures for a whole retry schedule is turned off (its
# page says so, and `signals.endpoint_turned_off` is sent): a receiver gone for good would
# otherwise be called seven times for every event, forever.
FAILING_DISABLES_AFTER = sum(BACKOFF, dt.timedelta())
# Connect and read, each. Short: a slow receiver holds a worker for this long.
REQUEST_TIMEOUT_SECONDS = 10.0
# Longer than a POST can take (DNS, connect, send, read), so a live worker never loses its
# row; a lost worker's row is taken back by the first sweep after this.
LEASE = dt.timedelta(seconds=60)
# How long the previous secret still signs after a rotation.
ROTATION_GRACE = dt.timedelta(hours=24)
# Deliveries one task sends before it stops; the next trigger or sweep takes the rest.
SEND_LIMIT = 500
# What the log keeps of a receiver's answer.
EXCERPT_CHARS = 500
SECRET_BYTES = 32
USER_AGENT = "Meridian-Webhooks/1.0"


def _now() -> dt.datetime:
    return timezone.now()


def secret_generate() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


# --- Where deliveries may go ------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A webhook URL resolved and checked: the address to connect to and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _allows_private_targets() -> bool:
    # Development and the test suite's receiver on 127.0.0.1; never production.
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def webhook_url_check(url: str) -> Target:
    """Resolve `url` and refuse what must not receive webhooks: anything but https, and hosts
    that lead to loopback, private, link-local, reserved or multicast addresses (this server's
    own network). Checked when an endpoint is saved and again before every POST, which then
    connects to the address checked, so a name that later resolves elsewhere (DNS rebinding)
    reaches nothing it should not."""
    allow_private = _allows_private_targets()
    parts = urlsplit(url.strip())
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise DomainError(_("Use an https:// address."), field="url")
    if not parts.hostname:
        raise DomainError(_("Enter the address with its host name."), field="url")
    if parts.username or parts.password:
        raise DomainError(
            _("Leave credentials out of the address: receivers check the signature instead."),
            field="url",
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise DomainError(_("The port is not a number from 1 to 65535."), field="url") from None
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise DomainError(
            _("The host %(host)s cannot be found.") % {"host": parts.hostname},
            field="url",
            code=FailureReason.DNS,
        ) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise DomainError(
            _("The host %(host)s cannot be found.") % {"host": parts.hostname},
            field="url",
            code=FailureReason.DNS,
        )
    if not allow_private:
        for address in addresses:
            if not _is_public(address):
                raise DomainError(
                    _(
                        "%(host)s leads to %(address)s, a private, loopback or link-local "
                        "address. Webhooks go to public addresses only."
                    )
                    % {"host": parts.hostname, "address": address},
                    field="url",
                    code=FailureReason.ADDRESS,
                )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


def _event_types_check(event_types: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(event_types))
    unknown = set(chosen) - set(EventType.values)
    if unknown:
        raise DomainError(_("Unknown event: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if not chosen:
        raise DomainError(_("Choose at least one event."), field="event_types")
    return chosen


# --- Endpoints --------------------------------------------------------------------------------


@transaction.atomic
def webhook_endpoint_create(
    *,
    organization: Organization,
    actor: User | None,
    url: str,
    event_types: Sequence[str],
    description: str = "",
) -> WebhookEndpoint:
    webhook_url_check(url)
    return WebhookEndpoint.objects.create(
        organization=organization,
        url=url.strip(),
        description=description,
        event_types=_event_types_check(event_types),
        secret=secret_generate(),
        created_by=actor,
    )


@transaction.atomic
def webhook_endpoint_update(
    *,
    organization: Organization,
    endpoint: WebhookEndpoint,
    url: str,
    event_types: Sequence[str],
    description: str,
    is_active: bool,
) -> WebhookEndpoint:
    """Change what an endpoint receives. Turning it back on clears a failure stop; the
    deliveries that waited while it was off go out at once."""
    if endpoint.organization_id != organization.pk:
        raise DomainError(_("No such webhook endpoint."), code="not_found")
    if url.strip() != endpoint.url:
        webhook_url_check(url)
    endpoint.url = url.strip()
    endpoint.description = description
    endpoint.event_types = _event_types_check(event_types)
    if is_active and not endpoint.is_active:
        endpoint.disabled_reason = ""
        endpoint.failing_since = None
    endpoint.is_active = is_active
    endpoint.save()
    if is_active:
        _enqueue_on_commit(organization.pk)
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, organization: Organization, endpoint: WebhookEndpoint) -> None:
    """The endpoint and its delivery log; events already sent elsewhere stay."""
    WebhookEndpoint.objects.for_org(organization).filter(pk=endpoint.pk).delete()


@transaction.atomic
def webhook_endpoint_rotate_secret(
    *, organization: Organization, endpoint: WebhookEndpoint, now: dt.datetime | None = None
) -> str:
    """A new secret, returned to be shown once. The old one keeps signing beside it for
    `ROTATION_GRACE`, so receivers can switch without refusing a delivery."""
    now = now or _now()
    locked = WebhookEndpoint.objects.for_org(organization).select_for_update().get(pk=endpoint.pk)
    locked.previous_secret = locked.secret
    locked.previous_secret_expires_at = now + ROTATION_GRACE
    locked.secret = secret_generate()
    locked.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    endpoint.secret = locked.secret
    endpoint.previous_secret = locked.previous_secret
    endpoint.previous_secret_expires_at = locked.previous_secret_expires_at
    return locked.secret


@transaction.atomic
def webhook_endpoint_send_test(
    *, organization: Organization, endpoint: WebhookEndpoint
) -> WebhookDelivery:
    """A `webhook.test` event to this endpoint alone, sent at once (once it is active)."""
    message = WebhookMessage.objects.create(
        organization=organization,
        msg_id=_msg_id(),
        event_type=TEST_EVENT_TYPE,
        payload=_jsonable({"endpoint_id": endpoint.pk, "organization": organization.slug}),
    )
    delivery = WebhookDelivery.objects.create(
        organization=organization, endpoint=endpoint, message=message
    )
    _enqueue_on_commit(organization.pk)
    return delivery


# --- Events -----------------------------------------------------------------------------------


def _msg_id() -> str:
    return f"msg_{secrets.token_hex(16)}"


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    return result


def event_emit(*, organization_id: int, event_type: EventType, payload: dict[str, Any]) -> None:
    """Send `event_type` to every active endpoint subscribed to it. Payloads carry ids and the
    essential fields, never private notes or message bodies."""
    events_emit(organization_id=organization_id, event_type=event_type, payloads=[payload])


def events_emit(
    *, organization_id: int, event_type: EventType, payloads: Sequence[dict[str, Any]]
) -> None:
    """`event_emit` for many events of one type (a published round's mentorships).

    The rows are written in the caller's transaction (an outbox): they exist exactly when the
    change that caused them commits, and a worker is triggered only after that commit. With no
    endpoint listening it costs one query and leaves nothing behind."""
    if events_record(organization_id=organization_id, event_type=event_type, payloads=payloads):
        _enqueue_on_commit(organization_id)


@transaction.atomic
def events_record(
    *, organization_id: int, event_type: str, payloads: Sequence[dict[str, Any]]
) -> int:
    """The messages and one due delivery per subscribed active endpoint. Returns the
    deliveries made."""
    if not payloads:
        return 0
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.for_org(organization_id)
        .filter(is_active=True)
        .only("pk", "event_types")
        # JSON containment differs between PostgreSQL and SQLite; the list is short.
        if event_type in endpoint.event_types
    ]
    if not endpoints:
        return 0
    now = _now()
    messages = WebhookMessage.objects.bulk_create(
        [
            WebhookMessage(
                organization_id=organization_id,
                msg_id=_msg_id(),
                event_type=str(event_type),
                # Dates, decimals and UUIDs as the JSON the receiver gets.
                payload=_jsonable(payload),
                created_at=now,
            )
            for payload in payloads
        ]
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                organization_id=organization_id,
                endpoint=endpoint,
                message=message,
                next_attempt_at=now,
                created_at=now,
            )
            for message in messages
            for endpoint in endpoints
        ]
    )
    return len(deliveries)


def _enqueue_on_commit(organization_id: int) -> None:
    transaction.on_commit(lambda: _enqueue(organization_id))


def _enqueue(organization_id: int) -> bool:
    """Trigger a worker now, best effort: the rows are due either way, and the sweep (every
    minute) sends them when the broker was unreachable."""
    from webhooks.tasks import send_due_webhooks_task

    return task_send_once(
        send_due_webhooks_task,
        (organization_id,),
        what=f"webhooks of organization {organization_id}",
    )


# --- Delivering -------------------------------------------------------------------------------


def _due(now: dt.datetime) -> Q:
    return Q(state=DeliveryState.DUE, next_attempt_at__lte=now) | Q(
        state=DeliveryState.IN_FLIGHT, lease_until__lt=now
    )


def organizations_with_due_deliveries(*, now: dt.datetime | None = None) -> set[int]:
    """The sweep's scan across organizations: who has deliveries due or abandoned."""
    now = now or _now()
    return set(
        WebhookDelivery.objects.with_scopes_disabled()
        .filter(_due(now), endpoint__is_active=True)
        .values_list("organization_id", flat=True)
        .distinct()
    )


def _claim(organization: Organization, now: dt.datetime) -> WebhookDelivery | None:
    """Take one due (or abandoned) delivery for this worker: locked rows are skipped, so
    workers never wait on each other, and the lease marks it taken once the lock is gone."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.for_org(organization)
            .select_for_update(skip_locked=True, of=("self",))
            .filter(_due(now), endpoint__is_active=True)
            .select_related("endpoint", "message")
            .order_by("next_attempt_at", "pk")
            .first()
        )
        if delivery is None:
            return None
        delivery.state = DeliveryState.IN_FLIGHT
        delivery.attempts += 1
        delivery.lease_until = now + LEASE
        delivery.last_attempt_at = now
        delivery.save(update_fields=["state", "attempts", "lease_until", "last_attempt_at"])
        return delivery


def deliveries_send_due(
    *, organization: Organization, now: dt.datetime | None = None, limit: int = SEND_LIMIT
) -> int:
    """Send the organization's due deliveries, one claim at a time, until none is due or
    `limit` were tried. Safe to run in many workers at once. Returns the attempts made.

    `now` fixes the clock (tests); otherwise each claim reads the time afresh."""
    tried = 0
    while tried < limit:
        moment = now or _now()
        delivery = _claim(organization, moment)
        if delivery is None:
            break
        answer = _post(delivery, moment)
        _record(organization, delivery, answer, now or _now())
        tried += 1
    return tried


@dataclass(frozen=True)
class Answer:
    """How the receiver answered one POST, or why there was no answer."""

    status_code: int | None
    response_ms: int
    excerpt: str = ""
    error: str = ""
    failure: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def message_body(message: WebhookMessage) -> str:
    """The JSON the receiver gets, as the Standard Webhooks spec suggests: type, timestamp,
    data. The same text on every attempt."""
    return json.dumps(
        {
            "type": message.event_type,
            "timestamp": message.created_at.astimezone(dt.UTC).isoformat(),
            "data": message.payload,
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def signed_headers(
    endpoint: WebhookEndpoint, message: WebhookMessage, body: str, now: dt.datetime
) -> dict[str, str]:
    """The spec's three headers. During a rotation's grace period the signature header holds
    one signature per secret, space-separated; a receiver accepts any that verifies."""
    moment = now.astimezone(dt.UTC)
    signatures = [
        Webhook(secret).sign(message.msg_id, moment, body)
        for secret in endpoint.signing_secrets(now)
    ]
    return {
        "webhook-id": message.msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, while asking for the host by name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above, over TLS: the certificate is checked against the host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address
        self._tls = ssl.create_default_context()

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def _post(delivery: WebhookDelivery, now: dt.datetime) -> Answer:
    endpoint, message = delivery.endpoint, delivery.message
    body = message_body(message)
    started = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        target = webhook_url_check(endpoint.url)
        connection: http.client.HTTPConnection = (
            _PinnedHTTPSConnection(target, REQUEST_TIMEOUT_SECONDS)
            if target.scheme == "https"
            else _PinnedHTTPConnection(target, REQUEST_TIMEOUT_SECONDS)
        )
        try:
            connection.request(
                "POST",
                target.path,
                body=body.encode(),
                headers=signed_headers(endpoint, message, body, now),
            )
            # Redirects are not followed: one could lead where a webhook may not go.
            response = connection.getresponse()
            excerpt = response.read(EXCERPT_CHARS * 4).decode("utf-8", "replace")
            return Answer(response.status, elapsed(), excerpt[:EXCERPT_CHARS])
        finally:
            connection.close()
    except DomainError as refusal:
        failure = refusal.code if refusal.code in FailureReason.values else FailureReason.ADDRESS
        return Answer(None, elapsed(), error=refusal.message[:EXCERPT_CHARS], failure=failure)
    except (OSError, http.client.HTTPException) as error:
        return Answer(
            None,
            elapsed(),
            error=f"{error.__class__.__name__}: {error}"[:EXCERPT_CHARS],
            failure=failure_reason(error),
        )


def failure_reason(error: BaseException) -> FailureReason:
    """What an exception of a POST means to the owner of the endpoint."""
    # Order matters: a certificate error is an OSError, a timeout a TimeoutError (an OSError)
    # and a refused connection a ConnectionError too.
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return FailureReason.TLS
    if isinstance(error, TimeoutError):
        return FailureReason.TIMEOUT
    if isinstance(error, ConnectionRefusedError):
        return FailureReason.REFUSED
    if isinstance(error, socket.gaierror):
        return FailureReason.DNS
    if isinstance(error, http.client.HTTPException):
        return FailureReason.BAD_ANSWER
    return FailureReason.CONNECTION


def _record(
    organization: Organization, delivery: WebhookDelivery, answer: Answer, now: dt.datetime
) -> None:
    """The attempt in the log, and the delivery's next state. A worker whose lease lapsed and
    whose row another worker took (the attempt count moved on) logs its attempt only."""
    error = answer.error or (
        "" if answer.ok else _("The receiver answered %(status)s.") % {"status": answer.status_code}
    )
    failure = answer.failure or ("" if answer.ok else FailureReason.HTTP_STATUS)
    finished = delivery.attempts >= MAX_ATTEMPTS
    if answer.ok:
        fields: dict[str, Any] = {"state": DeliveryState.SUCCEEDED, "next_attempt_at": None}
    elif finished:
        fields = {"state": DeliveryState.FAILED, "next_attempt_at": None}
    else:
        fields = {
            "state": DeliveryState.DUE,
            "next_attempt_at": now + BACKOFF[delivery.attempts - 1],
        }
    disabled = None
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            organization=organization,
            delivery=delivery,
            number=delivery.attempts,
            status_code=answer.status_code,
            response_ms=answer.response_ms,
            response_excerpt=answer.excerpt,
            error=error,
            failure=failure,
            created_at=now,
        )
        updated = (
            WebhookDelivery.objects.for_org(organization)
            .filter(pk=delivery.pk, state=DeliveryState.IN_FLIGHT, attempts=delivery.attempts)
            .update(
                lease_until=None,
                last_status_code=answer.status_code,
                last_response_ms=answer.response_ms,
                last_error=error,
                last_failure=failure,
                **fields,
            )
        )
        if not updated:
            return
        endpoints = WebhookEndpoint.objects.for_org(organization).filter(pk=delivery.endpoint_id)
        if answer.ok:
            endpoints.filter(failing_since__isnull=False).update(failing_since=None)
            return
        endpoints.filter(failing_since__isnull=True).update(failing_since=now)
        if finished:
            disabled = (
                endpoints.select_for_update()
                .filter(is_active=True, failing_since__lte=now - FAILING_DISABLES_AFTER)
                .first()
            )
            if disabled is not None:
                disabled.is_active = False
                disabled.disabled_reason = _(
                    "Turned off after failing every delivery for %(hours)s hours."
                ) % {"hours": round(FAILING_DISABLES_AFTER.total_seconds() / 3600)}
                disabled.save(update_fields=["is_active", "disabled_reason"])
    if disabled is not None:
        _tell_endpoint_disabled(organization, disabled)


def _tell_endpoint_disabled(organization: Organization, endpoint: WebhookEndpoint) -> None:
    """The page shows it; listeners in the layers above may tell people too."""
    logger.warning(
        "webhook endpoint %s of organization %s turned off after failing since %s",
        endpoint.pk,
        organization.pk,
        endpoint.failing_since,
    )
    endpoint_turned_off.send(sender=WebhookEndpoint, organization=organization, endpoint=endpoint)


@transaction.atomic
def webhook_delivery_replay(
    *, organization: Organization, delivery: WebhookDelivery, now: dt.datetime | None = None
) -> WebhookDelivery:
    """Send a delivery again now (a finished one, or one waiting for its next try), with a
    fresh retry schedule and the same `webhook-id`."""
    now = now or _now()
    if not delivery.endpoint.is_active:
        raise DomainError(_("Turn the endpoint on before sending deliveries to it again."))
    replayed = (
        WebhookDelivery.objects.for_org(organization)
        .filter(pk=delivery.pk)
        .exclude(state=DeliveryState.IN_FLIGHT)
        .update(state=DeliveryState.DUE, attempts=0, next_attempt_at=now, lease_until=None)
    )
    if not replayed:
        raise DomainError(_("This delivery is still on its way; it cannot be sent again yet."))
    delivery.refresh_from_db()
    _enqueue_on_commit(organization.pk)
    return delivery
