"""Reading webhook endpoints and their delivery log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import DomainError
from webhooks.models import DeliveryAttempt, DeliveryState, WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:
    from organizations.models import Organization

# Rows of the delivery log shown per page: the newest first.
DELIVERY_LOG_SIZE = 50


def webhook_endpoint_list(*, organization: Organization) -> QuerySet[WebhookEndpoint]:
    """The organization's endpoints, each with its deliveries waiting and failed."""
    return WebhookEndpoint.objects.for_org(organization).annotate(
        waiting_count=Count(
            "deliveries",
            filter=Q(deliveries__state__in=[DeliveryState.DUE, DeliveryState.IN_FLIGHT]),
        ),
        failed_count=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
    )


def webhook_endpoint_get(
    *, organization: Organization, webhook_endpoint_id: int
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.for_org(organization).filter(pk=webhook_endpoint_id).first()
    if endpoint is None:
        raise DomainError(_("No such webhook endpoint."), code="not_found")
    return endpoint


def webhook_delivery_get(
    *, organization: Organization, webhook_delivery_id: int
) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.for_org(organization)
        .filter(pk=webhook_delivery_id)
        .select_related("endpoint", "message")
        .first()
    )
    if delivery is None:
        raise DomainError(_("No such webhook delivery."), code="not_found")
    return delivery


def webhook_delivery_list(
    *, organization: Organization, endpoint: WebhookEndpoint, limit: int = DELIVERY_LOG_SIZE
) -> list[WebhookDelivery]:
    """An endpoint's latest deliveries, newest first, with their messages."""
    return list(
        WebhookDelivery.objects.for_org(organization)
        .filter(endpoint=endpoint)
        .select_related("message")
        .order_by("-created_at", "-id")[:limit]
    )


def delivery_attempt_list(
    *, organization: Organization, delivery: WebhookDelivery
) -> QuerySet[DeliveryAttempt]:
    return DeliveryAttempt.objects.for_org(organization).filter(delivery=delivery)
