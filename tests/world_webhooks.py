"""One row of every webhooks model for tests/world.py (the isolation sweeps attack them)."""

from webhooks.models import (
    DeliveryAttempt,
    DeliveryState,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)


def world_rows(context: dict) -> list:
    """Rows in context["organization"]; context holds its program, cohort, mentee, mentor,
    mentorship, membership, user and match_round."""
    organization = context["organization"]
    org = {"organization": organization}
    endpoint = WebhookEndpoint.objects.create(
        **org,
        url="https://foreign-receiver.example/hooks",
        description="Foreign receiver",
        event_types=[EventType.MENTORSHIP_STARTED],
        secret="whsec_Zm9yZWlnbi1zZWNyZXQtZm9yLXRoZS13b3JsZA==",
        created_by=context["user"],
    )
    message = WebhookMessage.objects.create(
        **org,
        msg_id=f"msg_world{organization.pk}",
        event_type=EventType.MENTORSHIP_STARTED,
        payload={"mentorship_id": context["mentorship"].pk},
    )
    delivery = WebhookDelivery.objects.create(
        **org,
        endpoint=endpoint,
        message=message,
        state=DeliveryState.FAILED,
        attempts=7,
        next_attempt_at=None,
        last_status_code=500,
    )
    attempt = DeliveryAttempt.objects.create(
        **org, delivery=delivery, number=7, status_code=500, response_ms=12
    )
    return [endpoint, message, delivery, attempt]
