"""Reads for the organization's home page, for both of its audiences.

The program team sees the organization's figures and what waits for their decision; a
participant sees their mentorships, enrollments and the catalog. The home is the top layer, so
it reads every app; each function is a fixed number of queries whatever the organization's size
(tests/test_home.py counts them).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language_info

from analytics.metrics import matched_as_mentee
from matching.config import config_from_json
from matching.models import MatchRound, MentorRequest, ProposalStatus, RequestStatus, RoundStatus
from mentorships.models import Mentorship, MentorshipStatus
from mentorships.selectors import mentorship_list_for_user
from mentorships.selectors.home import (
    LocalTime,
    card_count_annotations,
    check_in_annotations,
    local_times,
)
from participants.languages import ISO_639_1
from participants.models import Participant, ParticipantRole, ParticipantStatus
from participants.selectors import participant_list_for_user
from programs.models import Cohort, CohortStatus, Program
from programs.selectors import cohort_list, cohort_list_open

if TYPE_CHECKING:
    from datetime import datetime

    from django_stubs_ext import WithAnnotations

    from accounts.models import User
    from organizations.models import Organization

    class _LiveCohortCounts(TypedDict):
        mentor_count: int  # annotated by programs.selectors.cohort_list
        mentee_count: int
        both_count: int  # annotated by live_cohort_list
        matched_count: int

    class _ParticipationShown(TypedDict):
        round_published: bool  # annotated by participant_home
        next_step: str | None  # set by set_next_steps

    class _MentorshipShown(TypedDict):  # set by set_partners and participant_home's query
        partners: list[Partner]
        viewer_is_mentor: bool
        next_check_in_at: datetime | None  # annotated by check_in_annotations
        has_met: bool
        open_goals: int  # annotated by card_count_annotations
        unread_messages: int
        next_check_in: LocalTime | None  # set by set_partners, in the viewer's zone

    # The models as this page reads them: with the counts and words added to each.
    LiveCohort = WithAnnotations[Cohort, _LiveCohortCounts]
    Participation = WithAnnotations[Participant, _ParticipationShown]
    MentorshipShown = WithAnnotations[Mentorship, _MentorshipShown]

# Cohorts that count on the home: enrolling, being matched or running. Drafts have nobody in
# them yet and closed cohorts are history.
LIVE_STATUSES = (CohortStatus.ENROLLING, CohortStatus.MATCHING, CohortStatus.ACTIVE)
# A cohort's stage, most urgent first: the program row shows the first one any cohort is at.
STAGE_ORDER = (CohortStatus.MATCHING, CohortStatus.ENROLLING, CohortStatus.ACTIVE)
MENTEE_ROLES = ("mentee", "both")
# The home lists this many programs, open cohorts and decisions; the full lists are a link away.
HOME_PROGRAMS = 8
HOME_OPEN_COHORTS = 6


# ---------------------------------------------------------------------------------------------
# The program team's home
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineFigures:
    enrolled: int  # active participants in live cohorts
    mentees: int  # of those, the ones who take part as mentees
    matched: int  # of those mentees, the ones in an active mentorship
    awaiting_review: int  # proposed pairs nobody has approved or rejected yet
    requests_awaiting_approval: int  # self-match requests a mentor accepted, for an admin


@dataclass(frozen=True)
class RoundDecision:
    """A finished round that waits for the team: pairs to review, or a reviewed round to
    publish."""

    round_id: int
    status: str
    cohort_name: str
    program_name: str
    undecided: int
    proposed: int


@dataclass(frozen=True)
class ApprovalDecision:
    cohort_id: int
    cohort_name: str
    program_name: str
    requests: int


@dataclass
class ProgramHealth:
    program: Program
    live_cohorts: int = 0
    stage: str = ""  # a CohortStatus value, "" when no cohort is live
    seats_taken: int = 0
    seats: int = 0
    mentees: int = 0
    matched: int = 0
    stage_label: str = field(default="", repr=False)


@dataclass(frozen=True)
class AdminHome:
    figures: HeadlineFigures
    rounds: list[RoundDecision]
    approvals: list[ApprovalDecision]
    programs: list[ProgramHealth]  # the first HOME_PROGRAMS with a live cohort
    program_total: int  # programs with a live cohort

    @property
    def decisions(self) -> int:
        return len(self.rounds) + len(self.approvals)


def _count_per_cohort(organization: Organization, *conditions: Any) -> Coalesce:
    """Active participants of the outer cohort that meet `conditions`, as a subquery."""
    counted = (
        Participant.objects.for_org(organization)
        .filter(*conditions, cohort=OuterRef("pk"), status=ParticipantStatus.ACTIVE)
        .order_by()
        .values("cohort")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def live_cohort_list(*, organization: Organization) -> list[LiveCohort]:
    """Every live cohort of a program still offered, with the seat counts programs.selectors
    annotates (mentor_count, mentee_count) and two more: how many take both roles (they hold a
    seat on each side, so enrolled people = mentors + mentees - both) and how many mentees are
    matched, by the dashboard's definition (`analytics.metrics.matched_as_mentee`: got a
    mentor by now, whatever the mentorship's start date), so both pages agree. One query."""
    matched = matched_as_mentee(organization, before=timezone.now())
    # cohort_list's annotations are not part of its declared type, hence the cast.
    return cast(
        "list[LiveCohort]",
        list(
            cohort_list(organization=organization)
            .filter(status__in=LIVE_STATUSES, program__is_archived=False)
            .annotate(
                both_count=_count_per_cohort(organization, Q(role=ParticipantRole.BOTH)),
                matched_count=_count_per_cohort(organization, Q(role__in=MENTEE_ROLES), matched),
            )
        ),
    )


def headline_figures(
    *,
    cohorts: Sequence[LiveCohort],
    rounds: Sequence[RoundDecision],
    approvals: Sequence[ApprovalDecision],
) -> HeadlineFigures:
    """Sums over the live cohorts; the decision counts come from the decision lists."""
    return HeadlineFigures(
        enrolled=sum(c.mentor_count + c.mentee_count - c.both_count for c in cohorts),
        mentees=sum(c.mentee_count for c in cohorts),
        matched=sum(c.matched_count for c in cohorts),
        awaiting_review=sum(r.undecided for r in rounds if r.status == RoundStatus.PROPOSED),
        requests_awaiting_approval=sum(a.requests for a in approvals),
    )


def round_decision_list(*, organization: Organization) -> list[RoundDecision]:
    """Rounds whose proposals wait for review, then reviewed rounds that wait to be published."""
    undecided = Q(proposals__status=ProposalStatus.PROPOSED)
    rows = (
        MatchRound.objects.for_org(organization)
        .filter(status__in=[RoundStatus.PROPOSED, RoundStatus.REVIEWED])
        .annotate(undecided=Count("proposals", filter=undecided), proposed=Count("proposals"))
        .order_by("status", "-finished_at", "-id")
        .values("pk", "status", "undecided", "proposed", "cohort__name", "cohort__program__name")
    )
    return [
        RoundDecision(
            round_id=row["pk"],
            status=row["status"],
            cohort_name=row["cohort__name"],
            program_name=row["cohort__program__name"],
            undecided=row["undecided"],
            proposed=row["proposed"],
        )
        for row in rows
    ]


def approval_decision_list(*, organization: Organization) -> list[ApprovalDecision]:
    """Per cohort, the self-match requests a mentor accepted that wait for an admin."""
    rows = (
        MentorRequest.objects.for_org(organization)
        .filter(status=RequestStatus.AWAITING_APPROVAL)
        .order_by("cohort_id")
        .values("cohort_id", "cohort__name", "cohort__program__name")
        .annotate(requests=Count("pk"))
    )
    return [
        ApprovalDecision(
            cohort_id=row["cohort_id"],
            cohort_name=row["cohort__name"],
            program_name=row["cohort__program__name"],
            requests=row["requests"],
        )
        for row in rows
    ]


def program_health_list(cohorts: Sequence[LiveCohort]) -> list[ProgramHealth]:
    """The programs that have live cohorts, by name, with those cohorts' seats and matches
    summed and the most urgent stage any of them is at."""
    health: dict[int, ProgramHealth] = {}
    stages: dict[int, set[str]] = defaultdict(set)
    for cohort in cohorts:
        row = health.setdefault(cohort.program_id, ProgramHealth(program=cohort.program))
        row.live_cohorts += 1
        row.seats += cohort.mentor_capacity + cohort.mentee_capacity
        row.seats_taken += cohort.mentor_count + cohort.mentee_count
        row.mentees += cohort.mentee_count
        row.matched += cohort.matched_count
        stages[cohort.program_id].add(cohort.status)
    labels = dict(CohortStatus.choices)
    for program_id, row in health.items():
        row.stage = next((s for s in STAGE_ORDER if s in stages[program_id]), "")
        row.stage_label = str(labels.get(row.stage, ""))
    return sorted(health.values(), key=lambda row: (row.program.name, row.program.pk))


def admin_home(*, organization: Organization) -> AdminHome:
    """Three queries: the live cohorts, the rounds waiting for the team and the requests
    waiting for approval."""
    cohorts = live_cohort_list(organization=organization)
    rounds = round_decision_list(organization=organization)
    approvals = approval_decision_list(organization=organization)
    programs = program_health_list(cohorts)
    return AdminHome(
        figures=headline_figures(cohorts=cohorts, rounds=rounds, approvals=approvals),
        rounds=rounds,
        approvals=approvals,
        programs=programs[:HOME_PROGRAMS],
        program_total=len(programs),
    )


# ---------------------------------------------------------------------------------------------
# A participant's home
# ---------------------------------------------------------------------------------------------


def language_name(code: str) -> str:
    """A language's name in the viewer's language where Django knows it, else in English."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return ISO_639_1.get(code, code)


@dataclass(frozen=True)
class Partner:
    person: Participant
    is_mentor: bool
    shared_languages: list[str]

    @property
    def first_name(self) -> str:
        return (self.person.full_name or self.person.email).split()[0]


@dataclass(frozen=True)
class ParticipantHome:
    participations: list[Participation]
    mentorships: list[MentorshipShown]
    open_cohorts: list[Cohort]
    enrolled_cohort_ids: set[int]


def participant_home(
    *, organization: Organization, user: User, with_catalog: bool = True
) -> ParticipantHome:
    """The viewer's participations (each with whether its cohort's round is published), their
    active mentorships with the people in them and their next check-in, and, `with_catalog`,
    the first open cohorts. Four queries, three without the catalog."""
    published = MatchRound.objects.for_org(organization).filter(
        cohort=OuterRef("cohort_id"), status=RoundStatus.PUBLISHED
    )
    # Typed with what set_next_steps and set_partners add below.
    participations = cast(
        "list[Participation]",
        list(
            participant_list_for_user(organization=organization, user=user).annotate(
                round_published=Exists(published)
            )
        ),
    )
    mentorships = cast(
        "list[MentorshipShown]",
        [
            m
            # Each with its next check-in, or the ask to book the first one, and what waits
            # in it: open goals and unread messages.
            for m in mentorship_list_for_user(organization=organization, user=user).annotate(
                **check_in_annotations(organization=organization),
                **card_count_annotations(organization=organization, user=user),
            )
            if m.status == MentorshipStatus.ACTIVE
        ],
    )
    set_next_steps(participations, mentorships, user)
    set_partners(mentorships, user)
    enrolled = {p.cohort_id for p in participations if p.status == ParticipantStatus.ACTIVE}
    # Cohorts the viewer already takes part in are listed under their participations.
    open_cohorts = (
        list(
            cohort_list_open(organization=organization).exclude(pk__in=enrolled)[:HOME_OPEN_COHORTS]
        )
        if with_catalog
        else []
    )
    return ParticipantHome(
        participations=participations,
        mentorships=mentorships,
        open_cohorts=open_cohorts,
        enrolled_cohort_ids=enrolled,
    )


def _codes(person: Participant) -> list[str]:
    return [entry.get("code", "") for entry in person.languages or () if entry.get("code")]


def set_partners(mentorships: Iterable[MentorshipShown], user: Any) -> None:
    """The people the viewer works with in each mentorship, the viewer left out: a mentor sees
    their mentees; a mentee sees the mentor and any fellow mentees of a group. Each comes with
    the languages the two share, so the viewer knows which to write in. The next check-in is
    given in the viewer's zone."""
    for mentorship in mentorships:
        mentor = mentorship.mentor
        mentees = list(mentorship.mentees.all())
        viewer = mentor if mentor.user_id == user.pk else None
        viewer = viewer or next((m for m in mentees if m.user_id == user.pk), None)
        mine = _codes(viewer) if viewer is not None else []
        people = [] if mentor.user_id == user.pk else [(mentor, True)]
        people += [(m, False) for m in mentees if m.user_id != user.pk]
        mentorship.partners = [
            Partner(
                person=person,
                is_mentor=is_mentor,
                shared_languages=[language_name(c) for c in mine if c in _codes(person)],
            )
            for person, is_mentor in people
        ]
        mentorship.viewer_is_mentor = mentor.user_id == user.pk
        # The zone of the viewer's profile in this mentorship, as the mentorship's own home
        # shows it, so both pages give the same hour.
        at = mentorship.next_check_in_at
        mentorship.next_check_in = (
            local_times(at, [viewer])[0] if at is not None and viewer is not None else None
        )


def set_next_steps(
    participations: Sequence[Participation], mentorships: Sequence[Mentorship], user: Any
) -> None:
    """Each active participation's next step, if one still applies: rank the other side until the
    cohort's round is published (`round_published`, annotated by participant_home), or find a
    mentor until the mentee has the mentors they want."""
    mentors_found: Counter[int] = Counter()
    for mentorship in mentorships:
        for mentee in mentorship.mentees.all():
            if mentee.user_id == user.pk:
                mentors_found[mentee.pk] += 1
    for participation in participations:
        participation.next_step = None
        if participation.status != ParticipantStatus.ACTIVE:
            continue
        if config_from_json(participation.cohort.matching_settings).collects_preferences:
            if not participation.round_published and not mentors_found[participation.pk]:
                participation.next_step = "rank"
        elif participation.is_mentee and (
            mentors_found[participation.pk] < participation.mentors_wanted
        ):
            participation.next_step = "find_mentor"
