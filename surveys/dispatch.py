"""Survey dispatch: the minute scan that invites people whose moment has come, reminds those
who saved nothing, and closes surveys whose time is up.

The database says what is due; the scan is safe to run twice, in two workers at once, or again
after a worker died:

1. *Who*: for each open survey's active schedules, the participants (and, for a per-mentorship
   survey, the mentorships) whose trigger has passed get an invitation row, inserted with
   ON CONFLICT DO NOTHING on the invitation's unique constraints. A second scan inserts nothing.
2. *Send*: unsent invitations are claimed in batches with SELECT … FOR UPDATE SKIP LOCKED, so
   two scanners split the work instead of both taking it. Each gets a fresh random token whose
   sha256 is stored in the same transaction that emails it (the token itself is never stored:
   nobody can send the same link again, so a batch rolled back after a crash is sent again
   with NEW tokens), plus an in-app notice, and is marked sent in that transaction. The
   notifications' idempotency key (`survey-invitation:<id>`) is the record of what was sent.
3. *Remind*: once, `reminder_after_days` after the invitation, to people who saved nothing,
   claimed the same way; the reminder's link is a second token (`reminder_token_hash`).
4. *Close*: an open survey past `closes_at` is closed; its links stop working (the answer page
   checks the survey's state and the invitation's `expires_at`).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.texts import in_language
from mentorships.models import (
    CheckIn,
    CheckInStatus,
    Mentorship,
    MentorshipMentee,
    MentorshipStatus,
)
from notifications.models import EmailKind
from notifications.services import Outgoing, notices_send
from organizations.models import Organization
from participants.models import Participant, ParticipantRole, ParticipantStatus
from surveys.models import (
    Audience,
    ScheduleTrigger,
    Survey,
    SurveyInvitation,
    SurveySchedule,
    SurveyStatus,
)
from surveys.result_counts import invitations_sent_count
from surveys.services import survey_close, survey_results_changed, token_hash

logger = logging.getLogger(__name__)

# Invitations per claim transaction. Their rows stay locked until the batch's emails are out; an
# email server failing mid-batch rolls the batch back (tokens, claims, send records), so a retry
# resends at most this many, with new links. 1,000 invitations are a few hundred milliseconds of
# rendering and sending with the locmem backend.
DISPATCH_BATCH = 1000
# Invitations created per INSERT: 1,000 rows of seven columns stay far below PostgreSQL's bind
# parameter limit (65,535).
CREATE_BATCH = 1000

# Mentorships that still meet: a closed one is not asked about.
LIVE_MENTORSHIP = (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED)


@dataclass
class DispatchResult:
    """What one scan did, for logs and tests."""

    invited: int = 0
    sent: int = 0
    reminded: int = 0
    closed: int = 0


def new_token() -> tuple[str, str]:
    """A fresh link token and its sha256, the only form in which it is stored: 256 random
    bits, URL-safe."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def answer_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("survey_answer", kwargs={"token": token})


# --- The scan ---------------------------------------------------------------------------------


def surveys_dispatch(
    *, organization: Organization, now: dt.datetime | None = None
) -> DispatchResult:
    """One organization's share of the minute scan: close, invite, send, remind."""
    now = now or timezone.now()
    result = DispatchResult()
    result.closed = surveys_close_due(organization=organization, now=now)
    for survey in _open_surveys(organization, now):
        for schedule in survey.schedules.all():
            result.invited += invitations_create_due(
                organization=organization, survey=survey, schedule=schedule, now=now
            )
    result.sent = invitations_send(organization=organization, now=now)
    result.reminded = reminders_send(organization=organization, now=now)
    return result


def surveys_close_due(*, organization: Organization, now: dt.datetime) -> int:
    """Open surveys whose closing time has passed are closed (`surveys.services.survey_close`:
    no more answers, links dead). Returns how many."""
    due = list(
        Survey.objects.for_org(organization)
        .filter(status=SurveyStatus.OPEN, closes_at__lte=now)
        .order_by("pk")
    )
    for survey in due:
        survey_close(organization=organization, survey=survey, now=now)
    return len(due)


def _open_surveys(organization: Organization, now: dt.datetime) -> list[Survey]:
    from django.db.models import Prefetch

    return list(
        Survey.objects.for_org(organization)
        .filter(status=SurveyStatus.OPEN, closes_at__gt=now)
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now))
        .prefetch_related(
            Prefetch(
                "schedules",
                queryset=SurveySchedule.objects.for_org(organization)
                .filter(is_active=True)
                .order_by("pk"),
            )
        )
        .order_by("pk")
    )


# --- Who is due -------------------------------------------------------------------------------


def _roles_for(audience: str) -> list[str]:
    if audience == Audience.MENTEES:
        return [ParticipantRole.MENTEE, ParticipantRole.BOTH]
    if audience == Audience.MENTORS:
        return [ParticipantRole.MENTOR, ParticipantRole.BOTH]
    return list(ParticipantRole.values)


def _answering_role(audience: str, participant_role: str) -> str:
    """The side a person answers from: the audience's, or their own when both sides are asked."""
    if audience == Audience.MENTEES:
        return ParticipantRole.MENTEE
    if audience == Audience.MENTORS:
        return ParticipantRole.MENTOR
    return participant_role


def _held_check_ins(organization: Organization, now: dt.datetime) -> QuerySet[CheckIn]:
    """Check-ins that took place: still scheduled (not cancelled) and over."""
    return CheckIn.objects.for_org(organization).filter(
        status=CheckInStatus.SCHEDULED, ends_at__lte=now
    )


def _due_mentorships(
    organization: Organization, survey: Survey, schedule: SurveySchedule, now: dt.datetime
) -> QuerySet[Mentorship] | None:
    """The mentorships whose moment has passed, for the mentorship triggers; None for the
    cohort and date triggers, which do not depend on a mentorship."""
    if (
        schedule.trigger
        not in (
            ScheduleTrigger.AFTER_MENTORSHIP_PUBLISHED,
            ScheduleTrigger.AFTER_CHECK_IN,
        )
        and not survey.per_mentorship
    ):
        return None
    mentorships = Mentorship.objects.for_org(organization).filter(
        cohort__program_id=survey.program_id, status__in=LIVE_MENTORSHIP
    )
    if schedule.cohort_id is not None:
        mentorships = mentorships.filter(cohort_id=schedule.cohort_id)
    if schedule.trigger == ScheduleTrigger.AFTER_MENTORSHIP_PUBLISHED:
        mentorships = mentorships.filter(
            created_at__lte=now - dt.timedelta(days=schedule.days or 0)
        )
    elif schedule.trigger == ScheduleTrigger.AFTER_CHECK_IN:
        held = (
            _held_check_ins(organization, now)
            .values("mentorship_id")
            .annotate(n=Count("pk"))
            .filter(n__gte=schedule.check_in_number or 1)
            .values("mentorship_id")
        )
        mentorships = mentorships.filter(pk__in=held)
    return mentorships


def _due_participants(
    organization: Organization, survey: Survey, schedule: SurveySchedule, now: dt.datetime
) -> QuerySet[Participant]:
    """Active participants of the survey's program (or the schedule's cohort) in the audience,
    whose cohort or date trigger has passed."""
    today = now.astimezone(dt.UTC).date()
    people = Participant.objects.for_org(organization).filter(
        cohort__program_id=survey.program_id,
        status=ParticipantStatus.ACTIVE,
        withdrawn_at__isnull=True,
        role__in=_roles_for(schedule.audience),
    )
    if schedule.cohort_id is not None:
        people = people.filter(cohort_id=schedule.cohort_id)
    trigger, days = schedule.trigger, dt.timedelta(days=schedule.days or 0)
    if trigger == ScheduleTrigger.AFTER_COHORT_START:
        people = people.filter(cohort__starts_on__lte=today - days)
    elif trigger == ScheduleTrigger.BEFORE_COHORT_END:
        people = people.filter(cohort__ends_on__lte=today + days)
    elif trigger == ScheduleTrigger.ON_DATE and (
        schedule.send_at is None or schedule.send_at > now
    ):
        return people.none()
    return people


# A due row: (participant id, mentorship id or None, answering role, email, language).
_DueRow = tuple[int, int | None, str, str, str]


def _invited(
    organization: Organization, survey: Survey, participant: str, mentorship: str | None = None
) -> Exists:
    """An invitation exists for the outer row's participant (and mentorship, when named). Its
    negation is the scan's anti-join: a scan after the first reads only the people still due."""
    invitations = SurveyInvitation.objects.for_org(organization).filter(
        survey_id=survey.pk, participant_id=OuterRef(participant)
    )
    if mentorship is None:
        invitations = invitations.filter(mentorship__isnull=True)
    else:
        invitations = invitations.filter(mentorship_id=OuterRef(mentorship))
    return Exists(invitations)


def _due_rows(
    organization: Organization, survey: Survey, schedule: SurveySchedule, now: dt.datetime
) -> Iterable[_DueRow]:
    """Everyone due and not yet invited, streamed from one query per side."""
    people = _due_participants(organization, survey, schedule, now)
    mentorships = _due_mentorships(organization, survey, schedule, now)
    if mentorships is not None and not survey.per_mentorship:
        # A survey asked once per person, on a mentorship trigger: people in at least one due
        # mentorship.
        people = people.filter(
            Q(
                pk__in=MentorshipMentee.objects.for_org(organization)
                .filter(mentorship__in=mentorships)
                .values("mentee_id")
            )
            | Q(pk__in=mentorships.values("mentor_id"))
        )
    if mentorships is None or not survey.per_mentorship:
        rows = (
            people.filter(~_invited(organization, survey, "pk"))
            .order_by("pk")
            .values_list("pk", "role", "email", "user__language")
        )
        for pk, role, email, language in rows.iterator(chunk_size=CREATE_BATCH):
            yield pk, None, _answering_role(schedule.audience, role), email, language or ""
        return
    # Per mentorship: one invitation per person and mentorship, from the side they sit on.
    eligible = people.values("pk")
    if schedule.audience in (Audience.MENTEES, Audience.BOTH):
        mentee_rows = (
            MentorshipMentee.objects.for_org(organization)
            .filter(mentorship__in=mentorships, mentee_id__in=eligible)
            .filter(~_invited(organization, survey, "mentee_id", "mentorship_id"))
            .order_by("pk")
            .values_list("mentee_id", "mentorship_id", "mentee__email", "mentee__user__language")
        )
        for pk, mentorship_id, email, language in mentee_rows.iterator(chunk_size=CREATE_BATCH):
            yield pk, mentorship_id, ParticipantRole.MENTEE, email, language or ""
    if schedule.audience in (Audience.MENTORS, Audience.BOTH):
        mentor_rows = (
            mentorships.filter(mentor_id__in=eligible)
            .filter(~_invited(organization, survey, "mentor_id", "pk"))
            .order_by("pk")
            .values_list("mentor_id", "pk", "mentor__email", "mentor__user__language")
        )
        for pk, mentorship_id, email, language in mentor_rows.iterator(chunk_size=CREATE_BATCH):
            yield pk, mentorship_id, ParticipantRole.MENTOR, email, language or ""


def invitations_create_due(
    *,
    organization: Organization,
    survey: Survey,
    schedule: SurveySchedule,
    now: dt.datetime | None = None,
) -> int:
    """Invitation rows for everyone the schedule makes due and nobody invited yet. Returns how
    many rows were offered to the database; conflicts (another scanner got there first) are
    skipped by the unique constraints, so the count may exceed what was actually inserted."""
    now = now or timezone.now()
    if survey.status != SurveyStatus.OPEN or not schedule.is_active:
        return 0
    offered = 0
    batch: list[_DueRow] = []
    for row in _due_rows(organization, survey, schedule, now):
        batch.append(row)
        if len(batch) >= CREATE_BATCH:
            offered += _insert(organization, survey, schedule, now, batch)
            batch = []
    if batch:
        offered += _insert(organization, survey, schedule, now, batch)
    return offered


def _insert(
    organization: Organization,
    survey: Survey,
    schedule: SurveySchedule,
    now: dt.datetime,
    batch: list[_DueRow],
) -> int:
    """The batch's invitations, skipping any another scanner inserted first. On PostgreSQL one
    INSERT … SELECT FROM unnest(arrays): bulk_create spent more CPU building its VALUES (a
    prepared value per row and column) than the database spent inserting them."""
    if connection.vendor != "postgresql":
        SurveyInvitation.objects.bulk_create(
            [
                SurveyInvitation(
                    organization=organization,
                    survey_id=survey.pk,
                    schedule_id=schedule.pk,
                    participant_id=participant_id,
                    mentorship_id=mentorship_id,
                    role=role,
                    email=email,
                    language=language,
                    created_at=now,
                )
                for participant_id, mentorship_id, role, email, language in batch
            ],
            ignore_conflicts=True,
        )
        return len(batch)
    participants, mentorships, roles, emails, languages = (
        list(c) for c in zip(*batch, strict=True)
    )
    table = connection.ops.quote_name(SurveyInvitation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organization_id, created_at, survey_id, schedule_id, "  # noqa: S608 — names from the model
            "participant_id, mentorship_id, role, email, language) "
            "SELECT %s, %s, %s, %s, p, m, r, e, l FROM unnest("
            "%s::bigint[], %s::bigint[], %s::varchar[], %s::varchar[], %s::varchar[]"
            ") AS v(p, m, r, e, l) ON CONFLICT DO NOTHING",
            [
                organization.pk, now, survey.pk, schedule.pk,
                participants, mentorships, roles, emails, languages,
            ],
        )  # fmt: skip
    return len(batch)


# --- Sending ----------------------------------------------------------------------------------

# The invitation's fields a message needs, read for each claimed batch in one query.
_MESSAGE_FIELDS = (
    "pk",
    "survey_id",
    "email",
    "language",
    "participant__user_id",
    "participant__email",
    "participant__time_zone",
    "participant__user__language",
    "survey__name",
    "survey__anonymous",
    "survey__closes_at",
    "survey__program__name",
)


def invitations_send(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """Send every unsent invitation of an open survey, each once. Returns the invitations sent
    (people who turned survey emails off still get the in-app notice, and count)."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            claimed = list(
                SurveyInvitation.objects.for_org(organization)
                .select_for_update(skip_locked=True, of=("self",))
                .filter(sent_at__isnull=True, survey__status=SurveyStatus.OPEN)
                .filter(survey__closes_at__gt=now)
                .order_by("pk")
                .values_list("pk", flat=True)[:DISPATCH_BATCH]
            )
            if not claimed:
                return sent
            _send(organization, claimed, now, reminder=False)
            sent += len(claimed)


def reminders_send(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """The one reminder to people who saved nothing, `reminder_after_days` after their
    invitation, while the survey is open. Returns the reminders sent."""
    now = now or timezone.now()
    sent = 0
    surveys = (
        Survey.objects.for_org(organization)
        .filter(status=SurveyStatus.OPEN, closes_at__gt=now, reminder_after_days__isnull=False)
        .order_by("pk")
        .values_list("pk", "reminder_after_days")
    )
    for survey_id, after_days in surveys:
        cutoff = now - dt.timedelta(days=after_days or 0)
        while True:
            with transaction.atomic():
                claimed = list(
                    SurveyInvitation.objects.for_org(organization)
                    .select_for_update(skip_locked=True, of=("self",))
                    .filter(
                        survey_id=survey_id,
                        sent_at__isnull=False,
                        sent_at__lte=cutoff,
                        reminded_at__isnull=True,
                        started_at__isnull=True,
                        answered_at__isnull=True,
                    )
                    .order_by("pk")
                    .values_list("pk", flat=True)[:DISPATCH_BATCH]
                )
                if not claimed:
                    break
                _send(organization, claimed, now, reminder=True)
                sent += len(claimed)
    return sent


def _send(
    organization: Organization, claimed: list[int], now: dt.datetime, *, reminder: bool
) -> None:
    """Inside the claim's transaction: new tokens stored as hashes, the rows marked, then the
    emails and notices sent. A failure anywhere rolls all of it back, tokens included."""
    rows = list(
        SurveyInvitation.objects.for_org(organization)
        .filter(pk__in=claimed)
        .order_by("pk")
        .values(*_MESSAGE_FIELDS)
    )
    tokens: dict[int, str] = {}
    stored: list[tuple[int, str, dt.datetime | None, str, str]] = []
    for row in rows:
        token, hashed = new_token()
        tokens[row["pk"]] = token
        # The address and language the email goes to, kept with the invitation.
        email = row["email"] or row["participant__email"]
        language = row["language"] or row["participant__user__language"] or ""
        stored.append((row["pk"], hashed, row["survey__closes_at"], email, language))
    _store_tokens(organization, stored, now, reminder=reminder)
    if not reminder:
        # After the commit: inside the claim, the survey row would be locked after the
        # invitations, the reverse of a survey edit's order (a deadlock with it).
        survey_ids = {row["survey_id"] for row in rows}
        transaction.on_commit(
            lambda: survey_results_changed(organization=organization, survey_ids=survey_ids)
        )
    notices_send(
        organization=organization,
        template="survey_invitation",
        outgoing=_messages(organization, rows, tokens, reminder=reminder),
        kind=EmailKind.SURVEYS,
    )
    if not reminder:
        # Last, so the count row another dispatcher of the same survey adds to stays locked
        # only for the commit, not while this batch's emails go out.
        invitations_sent_count(
            organization=organization, survey_ids=[row["survey_id"] for row in rows], sent_at=now
        )


def _store_tokens(
    organization: Organization,
    stored: list[tuple[int, str, dt.datetime | None, str, str]],
    now: dt.datetime,
    *,
    reminder: bool,
) -> None:
    """Each claimed invitation's new hash (the first email's, or the reminder's) and its
    mark as sent, in one UPDATE … FROM (VALUES …) on PostgreSQL: bulk_update's CASE per row
    and field cost ~10 ms per invitation in query building alone at 1,000 a batch."""
    if connection.vendor != "postgresql":
        _store_tokens_portable(organization, stored, now, reminder=reminder)
        return
    table = connection.ops.quote_name(SurveyInvitation._meta.db_table)
    row_sql = "(%s::bigint, %s::varchar, %s::timestamptz, %s::varchar, %s::varchar)"
    values = ", ".join([row_sql] * len(stored))
    if reminder:
        assignments = "reminder_token_hash = v.hash, reminded_at = %s"
    else:
        assignments = (
            "token_hash = v.hash, sent_at = %s, expires_at = v.expires, "
            "email = v.email, language = v.language"
        )
    params: list[Any] = [now]
    for row in stored:
        params.extend(row)
    params.append(organization.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS i SET {assignments} "  # noqa: S608 — names from the model
            f"FROM (VALUES {values}) AS v(id, hash, expires, email, language) "
            "WHERE i.id = v.id AND i.organization_id = %s",
            params,
        )


def _store_tokens_portable(
    organization: Organization,
    stored: list[tuple[int, str, dt.datetime | None, str, str]],
    now: dt.datetime,
    *,
    reminder: bool,
) -> None:
    updated = []
    for pk, hashed, expires_at, email, language in stored:
        if reminder:
            updated.append(SurveyInvitation(pk=pk, reminder_token_hash=hashed, reminded_at=now))
        else:
            updated.append(
                SurveyInvitation(
                    pk=pk,
                    token_hash=hashed,
                    sent_at=now,
                    expires_at=expires_at,
                    email=email,
                    language=language,
                )
            )
    fields = (
        ["reminder_token_hash", "reminded_at"]
        if reminder
        else ["token_hash", "sent_at", "expires_at", "email", "language"]
    )
    SurveyInvitation.objects.for_org(organization).bulk_update(updated, fields)


_PER_PERSON = frozenset({"answer_url", "closes", "time_zone"})


def _messages(
    organization: Organization,
    rows: list[dict[str, Any]],
    tokens: dict[int, str],
    *,
    reminder: bool,
) -> Iterable[Outgoing]:
    """One message per invitation. What depends only on the survey, the language and the time
    zone (the name, the notice's text, the closing time as written) is worked out once."""
    in_app_url = reverse("surveys:mine", args=[organization.slug])
    # The link with a placeholder token, reversed once: per invitation it was 1 of 8 parts of
    # the batch's CPU. A token is URL-safe base64, so the placeholder splits it exactly.
    link_start, link_end = answer_url("TOKEN").split("TOKEN")
    default_language = translation.get_language() or settings.LANGUAGE_CODE
    key_prefix = "survey-reminder" if reminder else "survey-invitation"
    texts: dict[tuple[int, str], tuple[str, str]] = {}
    closes: dict[tuple[str, str, dt.datetime], str] = {}
    for row in rows:
        language = row["language"] or row["participant__user__language"] or ""
        shown = language or default_language
        time_zone = row["participant__time_zone"] or "UTC"
        closes_at = row["survey__closes_at"]
        if (row["survey_id"], shown) not in texts:
            name = in_language(row["survey__name"], shown)
            with translation.override(shown):
                notice = (
                    _("Reminder: your feedback on “%(name)s”")
                    if reminder
                    else _("Your feedback, please: “%(name)s”")
                ) % {"name": name}
            texts[row["survey_id"], shown] = (name, notice)
        if (shown, time_zone, closes_at) not in closes:
            with translation.override(shown):
                closes[shown, time_zone, closes_at] = date_format(
                    closes_at.astimezone(zoneinfo.ZoneInfo(time_zone)), "DATETIME_FORMAT"
                )
        name, notice = texts[row["survey_id"], shown]
        yield Outgoing(
            idempotency_key=f"{key_prefix}:{row['pk']}",
            email=row["email"] or row["participant__email"],
            user_id=row["participant__user_id"],
            language=language,
            context={
                "reminder": reminder,
                "survey_name": name,
                "program": row["survey__program__name"],
                "anonymous": row["survey__anonymous"],
                "answer_url": link_start + tokens[row["pk"]] + link_end,
                "closes": closes[shown, time_zone, closes_at],
                "time_zone": time_zone,
            },
            text=notice,
            url=in_app_url,
            subject_key=(row["survey_id"], reminder),
            # Only printed: one render per language and survey, each person's link filled in.
            fill_in=_PER_PERSON,
        )
