"""The one place that sends email."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from notifications.models import Notification, SentEmail

if TYPE_CHECKING:
    from organizations.models import Organization


def email_send(
    *,
    organization: Organization,
    to: str,
    template: str,
    context: dict[str, Any],
    idempotency_key: str,
    language: str | None = None,
) -> bool:
    """Render `notifications/email/<template>_{subject,body}.txt` and send it once per key.

    Returns False when an email with this key was already sent for the organization.
    """
    with translation.override(language or translation.get_language()):
        subject = render_to_string(f"notifications/email/{template}_subject.txt", context)
        body = render_to_string(f"notifications/email/{template}_body.txt", context)
    subject = " ".join(subject.split())
    try:
        with transaction.atomic():
            SentEmail.objects.create(
                organization=organization,
                idempotency_key=idempotency_key,
                recipient=to,
                subject=subject[:300],
            )
    except IntegrityError:
        return False
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    # Sent after the claim row commits with the caller's transaction; a failure to send rolls
    # the claim back with it, so a retry sends again.
    message.send()
    return True


def notify(
    *,
    organization: Organization,
    email: str,
    user: User | None,
    template: str,
    context: dict[str, Any],
    text: str,
    url: str,
    idempotency_key: str,
) -> None:
    """In-app notice (for people with an account) and email, each at most once per key."""
    language = (user.language if user else "") or None
    if user is not None:
        Notification.objects.for_org(organization).get_or_create(
            organization=organization,
            user=user,
            idempotency_key=idempotency_key,
            defaults={"text": text[:300], "url": url},
        )
    email_send(
        organization=organization,
        to=email,
        template=template,
        context=context,
        idempotency_key=idempotency_key,
        language=language,
    )


def notifications_mark_read(*, organization: Organization, user: User) -> int:
    return (
        Notification.objects.for_org(organization)
        .filter(user=user, read_at__isnull=True)
        .update(read_at=timezone.now())
    )
