"""Endpoints made through the service, as owners make them."""

from __future__ import annotations

from django_scopes import scope

from webhooks import services
from webhooks.models import EventType, WebhookEndpoint


def endpoint_for(organization, url: str, events=(EventType.MENTORSHIP_STARTED,)) -> WebhookEndpoint:
    with scope(organization=organization.pk):
        return services.webhook_endpoint_create(
            organization=organization, actor=None, url=url, event_types=list(events)
        )
