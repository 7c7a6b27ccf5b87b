from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TenantManager, TenantOwnedModel


class SentEmail(TenantOwnedModel):
    """One row per email sent under an idempotency key: a retried task sends nothing twice."""

    idempotency_key = models.CharField(max_length=200)
    recipient = models.EmailField()
    subject = models.CharField(max_length=300)

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"], name="sentemail_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} → {self.recipient}"


class Notification(TenantOwnedModel):
    """An in-app notice for one person in one organization."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    idempotency_key = models.CharField(max_length=200)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "idempotency_key"], name="notification_unique_key"
            )
        ]

    def __str__(self) -> str:
        return self.text


class EmailKind(models.TextChoices):
    """What people may choose not to get by email (in-app notices always come)."""

    CHECK_INS = "check_ins", _("Check-in invitations and changes")
    REMINDERS = "reminders", _("Reminders before check-ins")
    MESSAGES = "messages", _("Daily digest of unread messages")
    NUDGES = "nudges", _("Nudges to book or hold a check-in")
    SURVEYS = "surveys", _("Survey invitations")
    COMMUNITY = "community", _("Replies in the program community")


class EmailPreference(TenantOwnedModel):
    """A person turned one kind of email off (or back on) in one organization. No row means
    the kind is on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(max_length=30, choices=EmailKind.choices)
    enabled = models.BooleanField(default=True)

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "kind"], name="email_preference_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {'on' if self.enabled else 'off'}"
