from django.conf import settings
from django.db import models

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
