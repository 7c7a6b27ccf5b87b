"""A mentorship's life after the match: pause, resume, close with a reason, and a member's
request for a new match."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from core.permissions import Capability
from mentorships import selectors
from mentorships.models import CloseReason, Mentorship, MentorshipStatus
from notifications.services import notify
from organizations.models import Membership, Organization
from organizations.permissions import ROLE_CAPABILITIES
from participants.models import Participant
from webhooks.services import EventType, event_emit

# Reasons that mean the mentorship ran its course, as opposed to ending early.
COMPLETING_REASONS = frozenset({CloseReason.GOALS_MET, CloseReason.PROGRAM_ENDED})


def _locked(organization: Organization, mentorship: Mentorship) -> Mentorship:
    locked = (
        Mentorship.objects.for_org(organization)
        .select_for_update()
        .filter(pk=mentorship.pk)
        .select_related("cohort__program")
        .first()
    )
    if locked is None:
        raise DomainError(_("No such mentorship."), code="not_found")
    return locked


def _member_or_none(
    organization: Organization, mentorship: Mentorship, user: User
) -> Participant | None:
    members = selectors.mentorship_members(organization=organization, mentorship=mentorship)
    return next((p for p in members if p.user_id == user.pk), None)


def _acting_member(organization: Organization, mentorship: Mentorship, user: User) -> Participant:
    return selectors.mentorship_member(organization=organization, mentorship=mentorship, user=user)


def _can_manage(organization: Organization, user: User) -> bool:
    membership = Membership.objects.for_org(organization).filter(user=user).first()
    return membership is not None and Capability.MANAGE_PROGRAMS in ROLE_CAPABILITIES.get(
        membership.role, frozenset()
    )


@transaction.atomic
def mentorship_pause(
    *, organization: Organization, mentorship: Mentorship, actor: User
) -> Mentorship:
    """A break: no bookings, reminders or nudges until a member resumes."""
    mentorship = _locked(organization, mentorship)
    _acting_member(organization, mentorship, actor)
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise DomainError(_("Only an active mentorship can be paused."), code="conflict")
    mentorship.status = MentorshipStatus.PAUSED
    mentorship.paused_at = timezone.now()
    mentorship.save(update_fields=["status", "paused_at"])
    event_emit(
        organization_id=organization.pk,
        event_type=EventType.MENTORSHIP_PAUSED,
        payload={
            "mentorship_id": mentorship.pk,
            "cohort_id": mentorship.cohort_id,
            "status": mentorship.status,
            "paused_at": mentorship.paused_at,
        },
    )
    return mentorship


@transaction.atomic
def mentorship_resume(
    *, organization: Organization, mentorship: Mentorship, actor: User
) -> Mentorship:
    mentorship = _locked(organization, mentorship)
    _acting_member(organization, mentorship, actor)
    if mentorship.status != MentorshipStatus.PAUSED:
        raise DomainError(_("Only a paused mentorship can be resumed."), code="conflict")
    mentorship.status = MentorshipStatus.ACTIVE
    mentorship.paused_at = None
    mentorship.save(update_fields=["status", "paused_at"])
    event_emit(
        organization_id=organization.pk,
        event_type=EventType.MENTORSHIP_RESUMED,
        payload={
            "mentorship_id": mentorship.pk,
            "cohort_id": mentorship.cohort_id,
            "status": mentorship.status,
        },
    )
    return mentorship


@transaction.atomic
def mentorship_close(
    *,
    organization: Organization,
    mentorship: Mentorship,
    actor: User,
    reason: str,
    comment: str = "",
) -> Mentorship:
    """Members close their mentorship, and so can the program team. Goals met or the program's
    end make it completed; any other reason, ended early. Scheduled check-ins stay as they are:
    the members cancel them, which tells their calendars."""
    mentorship = _locked(organization, mentorship)
    member = _member_or_none(organization, mentorship, actor)
    if member is None and not _can_manage(organization, actor):
        raise DomainError(
            _("Only the mentorship's members or the program team can close it."),
            code="permission_denied",
        )
    if mentorship.status in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED):
        raise DomainError(_("This mentorship is already closed."), code="conflict")
    if reason not in CloseReason.values:
        raise DomainError(_("Choose a reason."), field="reason")
    if reason == CloseReason.OTHER and not comment.strip():
        raise DomainError(_("Say a few words about why."), field="comment")
    mentorship.status = (
        MentorshipStatus.COMPLETED if reason in COMPLETING_REASONS else MentorshipStatus.ENDED
    )
    mentorship.close_reason = reason
    mentorship.close_comment = comment.strip()[:2000]
    mentorship.closed_by = member
    mentorship.ended_on = timezone.localdate()
    mentorship.paused_at = None
    mentorship.save(
        update_fields=[
            "status",
            "close_reason",
            "close_comment",
            "closed_by",
            "ended_on",
            "paused_at",
        ]
    )
    event_emit(
        organization_id=organization.pk,
        event_type=EventType.MENTORSHIP_CLOSED,
        payload={
            "mentorship_id": mentorship.pk,
            "cohort_id": mentorship.cohort_id,
            "status": mentorship.status,
            "close_reason": reason,
            "ended_on": mentorship.ended_on,
        },
    )
    return mentorship


@transaction.atomic
def mentorship_request_rematch(
    *, organization: Organization, mentorship: Mentorship, actor: User, reason: str
) -> Mentorship:
    """A member asks the program team for a new match; the team hears about it once."""
    mentorship = _locked(organization, mentorship)
    member = _acting_member(organization, mentorship, actor)
    if mentorship.status in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED):
        raise DomainError(_("This mentorship is already closed."), code="conflict")
    if not reason.strip():
        raise DomainError(_("Tell the program team what is not working."), field="reason")
    if mentorship.rematch_requested_at is not None:
        raise DomainError(_("A new match was already requested."), code="conflict")
    mentorship.rematch_requested_at = timezone.now()
    mentorship.rematch_reason = reason.strip()[:2000]
    mentorship.save(update_fields=["rematch_requested_at", "rematch_reason"])
    program = mentorship.cohort.program
    url = reverse("matching:cohort_matching", args=[organization.slug, mentorship.cohort_id])
    managers = (
        Membership.objects.for_org(organization)
        .filter(
            role__in=[
                role
                for role, caps in ROLE_CAPABILITIES.items()
                if Capability.MANAGE_PROGRAMS in caps
            ]
        )
        .select_related("user")
    )

    def send() -> None:
        for membership in managers:
            with translation.override(membership.user.language or translation.get_language()):
                text = _("%(name)s asked for a new match in %(program)s.") % {
                    "name": member.full_name,
                    "program": program.name,
                }
            notify(
                organization=organization,
                email=membership.user.email,
                user=membership.user,
                template="rematch_requested",
                context={
                    "program": program.name,
                    "member": member.full_name,
                    "reason": mentorship.rematch_reason,
                    "url": url,
                    "site_url": settings.SITE_URL,
                },
                text=text,
                url=url,
                idempotency_key=f"rematch:{mentorship.pk}:{membership.user_id}",
            )

    transaction.on_commit(send)
    return mentorship
