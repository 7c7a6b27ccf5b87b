from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import User, known_time_zones
from accounts.services import user_set_time_zone
from core.errors import DomainError
from core.rls import across_organizations
from core.tenancy import in_organization
from organizations.models import Membership, Organization
from organizations.services import AuditActor, audit_log_record
from participants.models import PROFILE_FIELDS, Participant, ParticipantRole, ParticipantStatus
from participants.parsing import validate_languages
from programs.models import Cohort, EnrollmentQuestion, QuestionAudience, QuestionKind
from programs.services import cohort_lock, cohort_seats_store
from webhooks.services import EventType, event_emit


@functools.cache
def country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in countries)


SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000


def _asked_of(question: EnrollmentQuestion, role: str) -> bool:
    if question.audience == QuestionAudience.EVERYONE:
        return True
    if question.audience == QuestionAudience.MENTORS:
        return role in (ParticipantRole.MENTOR, ParticipantRole.BOTH)
    return role in (ParticipantRole.MENTEE, ParticipantRole.BOTH)


def clean_answers(
    *, questions: Iterable[EnrollmentQuestion], role: str, answers: dict[str, Any]
) -> dict[str, Any]:
    """Validate answers to a cohort's own questions. Errors are keyed by the question's key."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for question in questions:
        key = question.answer_key
        value = answers.get(key)
        if value in (None, "", []):
            if question.required and _asked_of(question, role):
                errors[key] = [_("This question needs an answer.")]
            continue
        if question.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
            limit = SHORT_TEXT_MAX if question.kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
            text = str(value).strip()
            if len(text) > limit:
                errors[key] = [_("Keep it under %(limit)d characters.") % {"limit": limit}]
            cleaned[key] = text
        elif question.kind == QuestionKind.SINGLE_CHOICE:
            if value not in question.choices:
                errors[key] = [_("Choose one of the listed options.")]
            cleaned[key] = value
        elif question.kind == QuestionKind.MULTIPLE_CHOICE:
            values = (
                value if isinstance(value, list) else [v.strip() for v in str(value).split(";")]
            )
            if any(v not in question.choices for v in values):
                errors[key] = [_("Choose only from the listed options.")]
            cleaned[key] = values
        elif question.kind == QuestionKind.SCALE:
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = 0
            if not 1 <= number <= 5:
                errors[key] = [_("Choose a number from 1 to 5.")]
            cleaned[key] = number
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_profile(participant: Participant) -> None:
    errors: dict[str, list[str]] = {}
    try:
        participant.languages = validate_languages(participant.languages)
    except ValidationError as error:
        errors["languages"] = error.messages
    try:
        participant.full_clean(
            # Country is checked below against a set: the field's own check walks all ~250
            # choices per row, which dominated large CSV imports.
            exclude=["organization", "cohort", "user", "languages", "country"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    country = str(participant.country or "")
    if not country:
        errors.setdefault("country", []).append(
            str(Participant._meta.get_field("country").error_messages["blank"])
        )
    elif country not in country_codes():
        errors.setdefault("country", []).append(
            _("“%(code)s” is not a two-letter country code.") % {"code": country}
        )
    if not participant.languages and "languages" not in errors:
        errors["languages"] = [_("Name at least one language you can work in.")]
    start, end = participant.working_hours_start, participant.working_hours_end
    if start and end and start == end:
        errors["working_hours_end"] = [_("Working hours must not start and end at the same time.")]
    if participant.is_mentor and participant.mentor_capacity < 1:
        errors["mentor_capacity"] = [_("A mentor takes at least one mentee.")]
    if errors:
        raise ValidationError(errors)


def seats_taken(
    organization: Organization, cohort: Cohort, exclude_id: int | None = None
) -> tuple[int, int]:
    """(mentor seats, mentee seats) held by active participants; "both" holds one of each."""
    active = Participant.objects.for_org(organization).filter(
        cohort=cohort, status=ParticipantStatus.ACTIVE
    )
    if exclude_id:
        active = active.exclude(pk=exclude_id)
    counts = active.aggregate(
        mentors=Count("id", filter=Q(role__in=["mentor", "both"])),
        mentees=Count("id", filter=Q(role__in=["mentee", "both"])),
    )
    return counts["mentors"], counts["mentees"]


def store_seats(
    organization: Organization,
    cohort: Cohort,
    *,
    taken: tuple[int, int],
    participant: Participant | None = None,
) -> None:
    """Store the cohort's seats: those `taken` by others (counted under the cohort's row lock)
    plus the ones `participant`, just saved, holds if active."""
    mentors, mentees = taken
    if participant is not None and participant.status == ParticipantStatus.ACTIVE:
        mentors += participant.is_mentor
        mentees += participant.is_mentee
    cohort_seats_store(organization=organization, cohort=cohort, mentors=mentors, mentees=mentees)


@transaction.atomic
def cohort_seats_recount(*, organization: Organization, cohort: Cohort) -> None:
    """Count the cohort's seats afresh, for participants written around the services in bulk
    (demo data, benchmarks' seeds)."""
    cohort_lock(organization=organization, cohort=cohort)
    store_seats(organization, cohort, taken=seats_taken(organization, cohort))


def check_seats(cohort: Cohort, participant: Participant, *, taken: tuple[int, int]) -> None:
    mentors, mentees = taken
    if participant.is_mentor and mentors >= cohort.mentor_capacity:
        raise ValidationError({"role": [_("All mentor seats in this cohort are taken.")]})
    if participant.is_mentee and mentees >= cohort.mentee_capacity:
        raise ValidationError({"role": [_("All mentee seats in this cohort are taken.")]})


def build_participant(
    *,
    organization: Organization,
    cohort: Cohort,
    email: str,
    data: dict[str, Any],
    questions: Iterable[EnrollmentQuestion],
    user: User | None = None,
    instance: Participant | None = None,
) -> Participant:
    """Validate and assemble a participant without saving it; used by every entry point."""
    participant = instance or Participant(organization=organization, cohort=cohort)
    participant.email = (email or "").strip().lower()
    participant.user = user if user is not None else participant.user
    for key in PROFILE_FIELDS:
        if key in data:
            setattr(participant, key, data[key])
    user = participant.user
    if user is not None and user.time_zone and participant.time_zone in known_time_zones():
        # One zone per person, the account's (docs/i18n.md): whatever zone an admin, the API or
        # a CSV file gives someone with an account, their own choice stands (a zone that is no
        # zone is still reported, as any bad input).
        participant.time_zone = user.time_zone
    errors: dict[str, list[str]] = {}
    try:
        _check_profile(participant)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        participant.answers = clean_answers(
            questions=questions, role=participant.role, answers=data.get("answers", {}) or {}
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return participant


def _save(participant: Participant) -> Participant:
    try:
        with transaction.atomic():
            participant.save()
    except IntegrityError as error:
        raise ValidationError(
            {
                "email": [
                    _("%(email)s is already enrolled in this cohort.")
                    % {"email": participant.email}
                ]
            }
        ) from error
    user_time_zone_fill([participant])
    return participant


def user_time_zone_fill(participants: Iterable[Participant]) -> None:
    """An account that names no zone takes its first profile's: the person then sees on every
    page the zone their check-ins, reminders and matching already use."""
    for participant in participants:
        user = participant.user
        if user is not None and not user.time_zone and participant.time_zone:
            user_set_time_zone(user=user, time_zone=participant.time_zone)


def participant_time_zones_follow(*, user: User) -> int:
    """Every participant profile of the person, in every organization, takes their account's
    time zone (on `accounts.signals.time_zone_changed`). Returns how many changed."""
    if not user.time_zone:
        return 0
    with across_organizations():
        organization_ids = set(
            Participant.objects.with_scopes_disabled()
            .filter(user=user)
            .exclude(time_zone=user.time_zone)
            .values_list("organization_id", flat=True)
        )
    changed = 0
    for organization_id in sorted(organization_ids):
        with in_organization(organization_id):
            changed += (
                Participant.objects.for_org(organization_id)
                .filter(user=user)
                .exclude(time_zone=user.time_zone)
                .update(time_zone=user.time_zone, updated_at=timezone.now())
            )
    return changed


def _questions(organization: Organization, cohort: Cohort) -> list[EnrollmentQuestion]:
    return list(EnrollmentQuestion.objects.for_org(organization).filter(cohort=cohort))


@transaction.atomic
def participant_enroll(
    *, organization: Organization, cohort: Cohort, user: User, data: dict[str, Any]
) -> Participant:
    """A member enrolls themself while the cohort's enrollment window is open."""
    if cohort.organization_id != organization.pk:
        raise DomainError(_("No such cohort."), code="not_found")
    if not cohort.is_enrollment_open:
        raise DomainError(_("Enrollment for this cohort is closed."))
    cohort_lock(organization=organization, cohort=cohort)
    existing = (
        Participant.objects.for_org(organization)
        .filter(cohort=cohort, email=user.email.lower())
        .first()
    )
    if existing is not None and existing.status == ParticipantStatus.ACTIVE:
        raise DomainError(_("You are already enrolled in this cohort."))
    # The zone the person gives on enrolling is their zone from now on, everywhere.
    if user.time_zone and data.get("time_zone") and data["time_zone"] in known_time_zones():
        user_set_time_zone(user=user, time_zone=data["time_zone"])
    participant = build_participant(
        organization=organization,
        cohort=cohort,
        email=user.email,
        data={"full_name": user.full_name or user.email, **data},
        questions=_questions(organization, cohort),
        user=user,
        instance=existing,
    )
    participant.status = ParticipantStatus.ACTIVE
    participant.withdrawn_at = None
    taken = seats_taken(organization, cohort, participant.pk)
    check_seats(cohort, participant, taken=taken)
    _save(participant)
    store_seats(organization, cohort, taken=taken, participant=participant)
    audit_log_record(
        organization=organization, actor=user, action="participant.enroll", target=participant.email
    )
    event_emit(
        organization_id=organization.pk,
        event_type=EventType.PARTICIPANT_ENROLLED,
        payload={
            "participant_id": participant.pk,
            "cohort_id": cohort.pk,
            "program_id": cohort.program_id,
            "role": participant.role,
            "email": participant.email,
        },
    )
    return participant


@transaction.atomic
def participant_create(
    *,
    organization: Organization,
    cohort: Cohort,
    actor: AuditActor,
    email: str,
    data: dict[str, Any],
) -> Participant:
    """An admin (or the API) adds someone, inside or outside the enrollment window."""
    if cohort.organization_id != organization.pk:
        raise DomainError(_("No such cohort."), field="cohort", code="not_found")
    cohort_lock(organization=organization, cohort=cohort)
    participant = build_participant(
        organization=organization,
        cohort=cohort,
        email=email,
        data=data,
        questions=_questions(organization, cohort),
        user=_member_user(organization, email),
    )
    taken = seats_taken(organization, cohort, participant.pk)
    check_seats(cohort, participant, taken=taken)
    _save(participant)
    store_seats(organization, cohort, taken=taken, participant=participant)
    audit_log_record(
        organization=organization,
        actor=actor,
        action="participant.create",
        target=participant.email,
    )
    return participant


def _member_user(organization: Organization, email: str) -> User | None:
    membership = (
        Membership.objects.for_org(organization)
        .select_related("user")
        .filter(user__email__iexact=(email or "").strip())
        .first()
    )
    return membership.user if membership else None


@transaction.atomic
def participant_update(
    *,
    organization: Organization,
    participant: Participant,
    actor: AuditActor,
    data: dict[str, Any],
) -> Participant:
    if participant.organization_id != organization.pk:
        raise DomainError(_("No such participant."), code="not_found")
    cohort = participant.cohort
    cohort_lock(organization=organization, cohort=cohort)
    # Role and status as they are now, under the lock, not as the caller read them: saving
    # the caller's copy must not undo a withdrawal made since, nor miscount a role change.
    participant.refresh_from_db(fields=["role", "status", "withdrawn_at"])
    previous_role = participant.role
    merged_answers = {**participant.answers, **(data.get("answers") or {})}
    participant = build_participant(
        organization=organization,
        cohort=cohort,
        email=data.get("email", participant.email),
        data={**data, "answers": merged_answers},
        questions=_questions(organization, cohort),
        instance=participant,
    )
    moves_seat = (
        participant.role != previous_role and participant.status == ParticipantStatus.ACTIVE
    )
    taken = seats_taken(organization, cohort, participant.pk) if moves_seat else None
    if taken is not None:
        check_seats(cohort, participant, taken=taken)
    _save(participant)
    if taken is not None:
        store_seats(organization, cohort, taken=taken, participant=participant)
    audit_log_record(
        organization=organization,
        actor=actor,
        action="participant.update",
        target=participant.email,
    )
    return participant


@transaction.atomic
def participant_withdraw(
    *, organization: Organization, participant: Participant, actor: AuditActor
) -> Participant:
    """Idempotent: withdrawing twice keeps the first withdrawal time."""
    if participant.organization_id != organization.pk:
        raise DomainError(_("No such participant."), code="not_found")
    cohort = participant.cohort
    cohort_lock(organization=organization, cohort=cohort)
    updated = (
        Participant.objects.for_org(organization)
        .filter(pk=participant.pk, status=ParticipantStatus.ACTIVE)
        .update(
            status=ParticipantStatus.WITHDRAWN,
            withdrawn_at=timezone.now(),
            updated_at=timezone.now(),
        )
    )
    participant.refresh_from_db()
    if updated:
        store_seats(organization, cohort, taken=seats_taken(organization, cohort))
        audit_log_record(
            organization=organization,
            actor=actor,
            action="participant.withdraw",
            target=participant.email,
        )
    return participant


@transaction.atomic
def participant_reinstate(
    *, organization: Organization, participant: Participant, actor: AuditActor
) -> Participant:
    """Undo a withdrawal while the cohort still has a seat for the participant's role.
    Idempotent: reinstating an active participant changes nothing."""
    if participant.organization_id != organization.pk:
        raise DomainError(_("No such participant."), code="not_found")
    cohort = participant.cohort
    cohort_lock(organization=organization, cohort=cohort)
    participant.refresh_from_db()
    if participant.status == ParticipantStatus.ACTIVE:
        return participant
    taken = seats_taken(organization, cohort, participant.pk)
    try:
        check_seats(cohort, participant, taken=taken)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="no_seat") from error
    participant.status = ParticipantStatus.ACTIVE
    participant.withdrawn_at = None
    participant.save(update_fields=["status", "withdrawn_at", "updated_at"])
    store_seats(organization, cohort, taken=taken, participant=participant)
    audit_log_record(
        organization=organization,
        actor=actor,
        action="participant.reinstate",
        target=participant.email,
    )
    return participant
