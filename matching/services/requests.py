"""Self-match: mentees request mentors, ranked; requests cascade down the ranks."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings as django_settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from matching import selectors
from matching.config import (
    config_from_json,
)
from matching.models import (
    MentorRequest,
    RequestStatus,
)
from matching.services.publish import enqueue_match_notifications
from mentorships.models import Mentorship
from mentorships.services import mentorship_create_from_match
from notifications.services import notify
from organizations.models import Organization
from organizations.services import audit_log_record
from participants.models import Participant, ParticipantStatus

logger = logging.getLogger(__name__)


OPEN_REQUEST_STATUSES = (
    RequestStatus.QUEUED,
    RequestStatus.PENDING,
    RequestStatus.AWAITING_APPROVAL,
)


def _notify_person(
    organization: Organization, person: Participant, text: str, key: str, url: str
) -> None:
    notify(
        organization=organization,
        email=person.email,
        user=person.user,
        template="notice",
        context={"person": person, "text": text, "url": django_settings.SITE_URL.rstrip("/") + url},
        text=text,
        url=url,
        idempotency_key=key,
    )


def _send_to_mentor(organization: Organization, request: MentorRequest, days: int) -> None:
    now = timezone.now()
    MentorRequest.objects.for_org(organization).filter(pk=request.pk).update(
        status=RequestStatus.PENDING, sent_at=now, expires_at=now + dt.timedelta(days=days)
    )
    mentor = request.mentor
    with translation.override((mentor.user.language if mentor.user else "") or None):
        text = _("%(name)s asks you to be their mentor in %(program)s.") % {
            "name": request.mentee.full_name,
            "program": request.cohort.program.name,
        }
    _notify_person(
        organization,
        mentor,
        text,
        f"mentor-request:{request.pk}:sent",
        reverse("matching:mentor_request_inbox", kwargs={"org_slug": organization.slug}),
    )


@transaction.atomic
def mentor_requests_create(
    *,
    organization: Organization,
    mentee: Participant,
    mentor_ids: list[int],
    message: str = "",
) -> list[MentorRequest]:
    """Rank up to N mentors. The first gets the request now; the others wait their turn."""
    cohort = mentee.cohort
    config = config_from_json(cohort.matching_settings)
    if mentee.organization_id != organization.pk:
        raise DomainError(_("No such participant."), code="not_found")
    if not config.self_match.enabled:
        raise DomainError(_("This cohort does not let mentees choose their mentors."))
    if not mentor_ids:
        raise DomainError(_("Choose at least one mentor."), field="mentors")
    if len(mentor_ids) > config.self_match.max_choices or len(set(mentor_ids)) != len(mentor_ids):
        raise DomainError(
            _("Choose up to %(n)d different mentors.") % {"n": config.self_match.max_choices},
            field="mentors",
        )
    if (
        MentorRequest.objects.for_org(organization)
        .filter(mentee=mentee, status__in=OPEN_REQUEST_STATUSES)
        .exists()
    ):
        raise DomainError(_("You already have requests waiting for an answer."))
    allowed = {
        r.person.pk: r.person
        for r in selectors.recommendation_list(
            organization=organization, participant=mentee, side="mentee", limit=10_000
        )
    }
    if any(mentor_id not in allowed for mentor_id in mentor_ids):
        raise DomainError(_("One of those mentors is not available to you."), field="mentors")
    # Earlier, closed requests to the same mentors are replaced by the new ranking.
    MentorRequest.objects.for_org(organization).filter(
        mentee=mentee, mentor_id__in=mentor_ids
    ).delete()
    requests = [
        MentorRequest.objects.create(
            organization=organization,
            cohort=cohort,
            mentee=mentee,
            mentor=allowed[mentor_id],
            rank=rank,
            status=RequestStatus.QUEUED,
            message=message[:2000],
        )
        for rank, mentor_id in enumerate(mentor_ids, start=1)
    ]
    _send_to_mentor(organization, requests[0], config.self_match.response_days)
    audit_log_record(
        organization=organization,
        actor=mentee.user,
        action="mentor_request.create",
        target=mentee.email,
    )
    return requests


def _mentee_active(organization: Organization, mentee_id: int) -> bool:
    # Read now, not from the request's copy: the mentee may have withdrawn since it was sent.
    return (
        Participant.objects.for_org(organization)
        .filter(pk=mentee_id, status=ParticipantStatus.ACTIVE)
        .exists()
    )


def _advance(organization: Organization, mentee: Participant) -> MentorRequest | None:
    """Send the next queued request, if any; tell the mentee when none are left. A mentee
    who has withdrawn from the cohort asks no one else: their queued requests are withdrawn."""
    if not _mentee_active(organization, mentee.pk):
        MentorRequest.objects.for_org(organization).filter(
            mentee=mentee, status=RequestStatus.QUEUED
        ).update(status=RequestStatus.WITHDRAWN)
        return None
    following = (
        MentorRequest.objects.for_org(organization)
        .filter(mentee=mentee, status=RequestStatus.QUEUED)
        .select_related("mentor", "mentor__user", "mentee", "cohort", "cohort__program")
        .order_by("rank")
        .first()
    )
    if following is not None:
        config = config_from_json(following.cohort.matching_settings)
        _send_to_mentor(organization, following, config.self_match.response_days)
        return following
    with translation.override((mentee.user.language if mentee.user else "") or None):
        text = _("None of the mentors you chose could take you on. Choose again.")
    _notify_person(
        organization,
        mentee,
        text,
        f"mentor-request:{mentee.pk}:exhausted:{timezone.now():%Y%m%d%H%M%S}",
        reverse(
            "matching:find_mentor",
            kwargs={"org_slug": organization.slug, "cohort_id": mentee.cohort_id},
        ),
    )
    return None


def _refuse_withdrawn_mentee(organization: Organization, request: MentorRequest) -> None:
    if not _mentee_active(organization, request.mentee_id):
        raise DomainError(_("This mentee has withdrawn from the cohort."))


def _finalize_accept(organization: Organization, request: MentorRequest) -> Mentorship:
    _refuse_withdrawn_mentee(organization, request)
    seats = selectors.mentor_seats_left(organization=organization, cohort=request.cohort)
    if seats.get(request.mentor_id, 0) <= 0 and request.status != RequestStatus.AWAITING_APPROVAL:
        raise DomainError(_("This mentor has no seat left."))
    MentorRequest.objects.for_org(organization).filter(pk=request.pk).update(
        status=RequestStatus.ACCEPTED, answered_at=timezone.now()
    )
    MentorRequest.objects.for_org(organization).filter(
        mentee=request.mentee, status__in=OPEN_REQUEST_STATUSES
    ).exclude(pk=request.pk).update(status=RequestStatus.WITHDRAWN)
    mentorship = mentorship_create_from_match(
        organization=organization,
        cohort=request.cohort,
        mentor=request.mentor,
        mentees=[request.mentee],
    )
    enqueue_match_notifications(organization, [mentorship.pk])
    return mentorship


def _claim(organization: Organization, request: MentorRequest, status: str) -> None:
    claimed = (
        MentorRequest.objects.for_org(organization)
        .filter(pk=request.pk, status=status)
        .update(answered_at=timezone.now())
    )
    if claimed != 1:
        raise DomainError(_("This request was already answered or has expired."))


@transaction.atomic
def mentor_request_respond(
    *, organization: Organization, request: MentorRequest, user: User, accept: bool
) -> MentorRequest:
    if request.mentor.user_id != user.pk:
        raise DomainError(_("Only the requested mentor can answer."), code="permission_denied")
    # Lock the mentor's row so two acceptances cannot take the same last seat.
    Participant.objects.for_org(organization).select_for_update().filter(
        pk=request.mentor_id
    ).first()
    _claim(organization, request, RequestStatus.PENDING)
    if not accept:
        MentorRequest.objects.for_org(organization).filter(pk=request.pk).update(
            status=RequestStatus.DECLINED
        )
        _advance(organization, request.mentee)
    elif config_from_json(request.cohort.matching_settings).self_match.require_approval:
        _refuse_withdrawn_mentee(organization, request)
        if (
            selectors.mentor_seats_left(organization=organization, cohort=request.cohort).get(
                request.mentor_id, 0
            )
            <= 0
        ):
            raise DomainError(_("You have no seat left in this cohort."))
        MentorRequest.objects.for_org(organization).filter(pk=request.pk).update(
            status=RequestStatus.AWAITING_APPROVAL
        )
    else:
        _finalize_accept(organization, request)
    request.refresh_from_db()
    return request


@transaction.atomic
def mentor_request_approve(
    *, organization: Organization, request: MentorRequest, actor: User | None, approve: bool
) -> MentorRequest:
    _claim(organization, request, RequestStatus.AWAITING_APPROVAL)
    if approve:
        _finalize_accept(organization, request)
    else:
        MentorRequest.objects.for_org(organization).filter(pk=request.pk).update(
            status=RequestStatus.DECLINED
        )
        _advance(organization, request.mentee)
    audit_log_record(
        organization=organization,
        actor=actor,
        action="mentor_request.approve" if approve else "mentor_request.refuse",
        target=f"{request.mentee.email} → {request.mentor.email}",
    )
    request.refresh_from_db()
    return request


def mentor_requests_release_withdrawn(*, organization: Organization) -> int:
    """Open requests of people who have left their cohort end: a withdrawn mentee's are
    withdrawn, and a mentee whose chosen mentor left passes on to their next choice.
    Participants cannot reach matching when they withdraw (matching sits above them), so the
    hourly request pass does it; until then the mentor's inbox hides withdrawn mentees."""
    released = 0
    open_requests = (
        MentorRequest.objects.for_org(organization)
        .filter(status__in=OPEN_REQUEST_STATUSES)
        .exclude(mentee__status=ParticipantStatus.ACTIVE, mentor__status=ParticipantStatus.ACTIVE)
        .select_related("mentee", "mentee__user")
    )
    for request in open_requests:
        with transaction.atomic():
            claimed = (
                MentorRequest.objects.for_org(organization)
                .filter(pk=request.pk, status__in=OPEN_REQUEST_STATUSES)
                .update(status=RequestStatus.WITHDRAWN, answered_at=timezone.now())
            )
            if claimed == 1:
                released += 1
                if request.status != RequestStatus.QUEUED:
                    # The request in the mentor's hands ended: the mentee's next choice is asked.
                    _advance(organization, request.mentee)
    return released


def mentor_requests_expire(*, organization: Organization) -> int:
    """Pending requests past their answer-by time expire and pass to the next choice."""
    expired = 0
    due = (
        MentorRequest.objects.for_org(organization)
        .filter(status=RequestStatus.PENDING, expires_at__lte=timezone.now())
        .select_related("mentee", "mentee__user")
    )
    for request in due:
        with transaction.atomic():
            # The state guard makes a concurrent or repeated run skip rows already handled.
            claimed = (
                MentorRequest.objects.for_org(organization)
                .filter(pk=request.pk, status=RequestStatus.PENDING)
                .update(status=RequestStatus.EXPIRED, answered_at=timezone.now())
            )
            if claimed == 1:
                _advance(organization, request.mentee)
                expired += 1
    return expired
