"""Thin tasks: the database says what is due; a task only triggers the scan."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from core.tenancy import for_each_organization
from mentorships import services
from mentorships.models import CheckInReminder


# Safe to repeat: each person's reminder is claimed by its key before it is sent, so a
# message redelivered after a lost worker, or beat firing twice, sends nothing twice.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_check_in_reminders_task() -> None:
    """Every minute: the reminders that are due, one organization at a time."""
    now = timezone.now()
    organization_ids = set(
        CheckInReminder.objects.with_scopes_disabled()
        .filter(sent_at__isnull=True, due_at__lte=now)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    for_each_organization(
        organization_ids,
        lambda organization: services.check_in_reminders_send(organization=organization, now=now),
    )


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_nudges_task() -> None:
    """Every hour: nudges that are due, one organization at a time (each is sent once)."""
    from mentorships.models import Mentorship, MentorshipStatus
    from mentorships.services import nudges

    organization_ids = set(
        Mentorship.objects.with_scopes_disabled()
        .filter(status=MentorshipStatus.ACTIVE)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    for_each_organization(
        organization_ids, lambda organization: nudges.nudges_send(organization=organization)
    )


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_message_digests_task() -> None:
    """Every hour: each person's daily digest of unread messages, once their local morning has
    come (each is claimed once per person and day)."""
    from mentorships.models import Message
    from mentorships.services import digest

    now = timezone.now()
    organization_ids = set(
        Message.objects.with_scopes_disabled()
        .filter(created_at__gt=now - digest.LOOKBACK, created_at__lte=now - digest.GRACE)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    for_each_organization(
        organization_ids,
        lambda organization: digest.message_digests_send(organization=organization, now=now),
    )
