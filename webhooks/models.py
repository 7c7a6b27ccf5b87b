"""Webhooks: endpoints an organization registers, the events it emits, and each delivery of an
event to an endpoint as a row with a state (docs/webhooks.md).

The tenant is named by its label (core.models), so this app imports no domain app.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TenantManager, TenantOwnedModel


class EventType(models.TextChoices):
    """What an endpoint may subscribe to; the value is the `type` the receiver reads."""

    PARTICIPANT_ENROLLED = "participant.enrolled", _("Participant enrolled")
    MATCH_PUBLISHED = "match.published", _("Match round published")
    MENTORSHIP_STARTED = "mentorship.started", _("Mentorship started")
    MENTORSHIP_PAUSED = "mentorship.paused", _("Mentorship paused")
    MENTORSHIP_RESUMED = "mentorship.resumed", _("Mentorship resumed")
    MENTORSHIP_CLOSED = "mentorship.closed", _("Mentorship closed")
    CHECK_IN_HELD = "check_in.held", _("Check-in held")
    SURVEY_RESPONSE_RECEIVED = "survey_response.received", _("Survey response received")


# Sent only by the "Send a test event" button, to the one endpoint it was pressed for.
TEST_EVENT_TYPE = "webhook.test"


class WebhookEndpoint(TenantOwnedModel):
    """An HTTPS address that receives the organization's events, signed with its own secret."""

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("events"), default=list)
    # The Standard Webhooks secret (`whsec_` + base64) as the library takes it: signing needs
    # the secret itself, so it cannot be hashed the way API keys are.
    secret = models.CharField(max_length=100)
    # After a rotation both secrets sign each delivery until this passes, so receivers can
    # switch to the new secret without refusing a single delivery.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Why the endpoint stopped: empty when someone turned it off, or never did.
    disabled_reason = models.CharField(max_length=200, blank=True)
    # The first failed attempt since the last success; None while the endpoint answers.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = TenantManager()

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.url

    def signing_secrets(self, now: dt.datetime) -> list[str]:
        """The secrets each delivery is signed with at `now`: the current one, and the previous
        one during its grace period."""
        secrets = [self.secret]
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and expires > now:
            secrets.append(self.previous_secret)
        return secrets


class WebhookMessage(TenantOwnedModel):
    """One event, sent alike to every endpoint subscribed to its type."""

    # The `webhook-id` header: the same on every attempt, so receivers can drop repeats.
    msg_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=50)
    payload = models.JSONField(default=dict)

    objects = TenantManager()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "msg_id"], name="webhook_msg_id_once")
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.msg_id}"


class DeliveryState(models.TextChoices):
    DUE = "due", _("Waiting")
    IN_FLIGHT = "in_flight", _("Sending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class FailureReason(models.TextChoices):
    """Why an attempt failed, in words an owner can act on; the raw error is kept beside it."""

    REFUSED = "refused", _("Connection refused")
    DNS = "dns", _("Host name not found (DNS)")
    TLS = "tls", _("TLS failed (certificate or handshake)")
    TIMEOUT = "timeout", _("No answer in time")
    HTTP_STATUS = "http_status", _("Error status")
    ADDRESS = "address", _("Address not allowed")
    CONNECTION = "connection", _("Connection lost")
    BAD_ANSWER = "bad_answer", _("Malformed answer")


class WebhookDelivery(TenantOwnedModel):
    """A message on its way to one endpoint: the work the sweep and the workers do."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(
        max_length=20, choices=DeliveryState.choices, default=DeliveryState.DUE
    )
    # Attempts in the current retry schedule; a replay starts a new schedule.
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # While in flight: a worker that has not finished by then is taken to be lost.
    lease_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_response_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_failure = models.CharField(max_length=20, choices=FailureReason.choices, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "endpoint", "message"], name="webhook_delivery_once"
            )
        ]
        indexes = [
            # The sweep's and the claim's search: due now, or in flight with a lapsed lease.
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["organization", "endpoint", "created_at"], name="webhook_log"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.endpoint_id} ({self.state})"


class DeliveryAttempt(TenantOwnedModel):
    """One POST of a delivery and how the receiver answered: the log owners read."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField()
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    failure = models.CharField(max_length=20, choices=FailureReason.choices, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["organization", "delivery"], name="webhook_attempt_log")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error}"
