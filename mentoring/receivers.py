"""Receivers of lower layers' signals that need an app those layers may not import."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.dispatch import receiver
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.services import notify
from organizations.models import Organization, Role
from organizations.selectors import membership_list
from webhooks.models import WebhookEndpoint
from webhooks.signals import endpoint_turned_off


@receiver(endpoint_turned_off, dispatch_uid="mentoring.tell_webhook_endpoint_turned_off")
def tell_webhook_endpoint_turned_off(
    sender: Any, *, organization: Organization, endpoint: WebhookEndpoint, **kwargs: Any
) -> None:
    """Owners and admins hear, once per turn-off, that failures turned an endpoint off:
    nothing reaches it until one of them turns it back on."""
    url = reverse(
        "webhooks:endpoint_detail",
        kwargs={"org_slug": organization.slug, "webhook_endpoint_id": endpoint.pk},
    )
    stamp = f"{endpoint.failing_since:%Y%m%d%H%M%S}" if endpoint.failing_since else "off"
    for membership in membership_list(organization=organization).filter(
        role__in=(Role.OWNER, Role.ADMIN)
    ):
        person = membership.user
        with translation.override(person.language or None):
            text = _("Webhook endpoint %(url)s was turned off after repeated failures.") % {
                "url": endpoint.url
            }
        notify(
            organization=organization,
            email=person.email,
            user=person,
            template="notice",
            context={
                "person": person,
                "text": text,
                "url": settings.SITE_URL.rstrip("/") + url,
            },
            text=text,
            url=url,
            idempotency_key=f"webhook-endpoint-off:{endpoint.pk}:{stamp}:{person.pk}",
        )
