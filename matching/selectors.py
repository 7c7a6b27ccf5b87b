from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Count, F, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.memory import gc_paused
from matching.adapters import (
    ENGINE_FIELDS,
    MENTEE_ROLES,
    MENTOR_ROLES,
    engine_inputs,
)
from matching.config import config_from_json, engine_settings
from matching.engine import MatchSettings, Mentee, Mentor, explain
from matching.engine.preview import RuleImpact, rule_impact
from matching.models import (
    MatchProposal,
    MatchRound,
    MentorRequest,
    PairRule,
    PairRuleKind,
    PreferenceSide,
    ProposalStatus,
    RequestStatus,
    RoundStatus,
    StatedPreference,
    UnmatchedMentee,
)
from matching.phrases import say_factor
from mentorships.models import MentorshipMentee, MentorshipStatus
from organizations.models import Organization
from participants.models import Participant, ParticipantStatus
from programs.models import Cohort


def round_list(*, organization: Organization, cohort: Cohort) -> QuerySet[MatchRound]:
    return (
        MatchRound.objects.for_org(organization)
        .filter(cohort=cohort)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def round_get(*, organization: Organization, round_id: int) -> MatchRound:
    match_round = (
        MatchRound.objects.for_org(organization)
        .select_related("cohort", "cohort__program", "cohort__organization")
        .filter(pk=round_id)
        .first()
    )
    if match_round is None:
        raise Http404(_("No such match round."))
    return match_round


def round_active_for_cohort(*, organization: Organization, cohort: Cohort) -> MatchRound | None:
    return (
        MatchRound.objects.for_org(organization)
        .filter(cohort=cohort, status__in=[RoundStatus.DRAFT, RoundStatus.RUNNING])
        .first()
    )


def proposal_list(
    *, organization: Organization, match_round: MatchRound
) -> QuerySet[MatchProposal]:
    return (
        MatchProposal.objects.for_org(organization)
        .filter(match_round=match_round)
        .select_related("mentee", "mentor")
        .order_by("mentee__full_name", "-score", "id")
    )


def proposal_get(*, organization: Organization, proposal_id: int) -> MatchProposal:
    proposal = (
        MatchProposal.objects.for_org(organization)
        .select_related("match_round", "match_round__cohort", "mentee", "mentor")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise Http404(_("No such proposal."))
    return proposal


def proposal_counts(*, organization: Organization, match_round: MatchRound) -> dict[str, int]:
    return (
        MatchProposal.objects.for_org(organization)
        .filter(match_round=match_round)
        .aggregate(
            total=Count("id"),
            approved=Count("id", filter=Q(status=ProposalStatus.APPROVED)),
            rejected=Count("id", filter=Q(status=ProposalStatus.REJECTED)),
            undecided=Count("id", filter=Q(status=ProposalStatus.PROPOSED)),
        )
    )


def unmatched_list(
    *, organization: Organization, match_round: MatchRound
) -> QuerySet[UnmatchedMentee]:
    return (
        UnmatchedMentee.objects.for_org(organization)
        .filter(match_round=match_round)
        .select_related("mentee")
    )


@dataclass(frozen=True)
class StatedPreferences:
    """Participant id → the ids they ranked, best first."""

    mentees: dict[int, list[int]]
    mentors: dict[int, list[int]]


def stated_preferences(*, organization: Organization, cohort: Cohort) -> StatedPreferences:
    """Both sides' rankings. A mentee who ranked no one on the preferences page is taken to
    prefer the mentors of their self-match requests, in the order they asked them."""
    by_side: dict[str, dict[int, list[int]]] = {
        PreferenceSide.AS_MENTEE: {},
        PreferenceSide.AS_MENTOR: {},
    }
    stated = (
        StatedPreference.objects.for_org(organization)
        .filter(cohort=cohort)
        .order_by("participant_id", "side", "rank")
        .values_list("side", "participant_id", "preferred_id")
    )
    for side, participant_id, preferred_id in stated:
        by_side[side].setdefault(participant_id, []).append(preferred_id)
    mentees = by_side[PreferenceSide.AS_MENTEE]
    requested: dict[int, list[int]] = {}
    requests = (
        MentorRequest.objects.for_org(organization)
        .filter(cohort=cohort)
        .order_by("mentee_id", "rank")
        .values_list("mentee_id", "mentor_id")
    )
    for mentee_id, mentor_id in requests:
        requested.setdefault(mentee_id, []).append(mentor_id)
    for mentee_id, mentor_ids in requested.items():
        mentees.setdefault(mentee_id, mentor_ids)
    return StatedPreferences(mentees=mentees, mentors=by_side[PreferenceSide.AS_MENTOR])


def stated_preference_counts(*, organization: Organization, cohort: Cohort) -> dict[str, int]:
    """How many participants have ranked, per side: the admin's sense of whether to wait."""
    counts = (
        StatedPreference.objects.for_org(organization)
        .filter(cohort=cohort)
        .values("side")
        .annotate(people=Count("participant", distinct=True))
    )
    by_side = {row["side"]: row["people"] for row in counts}
    return {side: by_side.get(side, 0) for side in PreferenceSide.values}


def stated_preference_list(
    *, organization: Organization, participant: Participant, side: str
) -> list[StatedPreference]:
    return list(
        StatedPreference.objects.for_org(organization)
        .filter(participant=participant, side=side)
        .select_related("preferred")
        .order_by("rank")
    )


def pair_rule_list(*, organization: Organization, cohort: Cohort) -> QuerySet[PairRule]:
    return (
        PairRule.objects.for_org(organization)
        .filter(cohort=cohort)
        .select_related("mentee", "mentor")
        .order_by("kind", "id")
    )


def active_participants(*, organization: Organization, cohort: Cohort) -> QuerySet[Participant]:
    return Participant.objects.for_org(organization).filter(
        cohort=cohort, status=ParticipantStatus.ACTIVE
    )


def active_participant_rows(*, organization: Organization, cohort: Cohort) -> list[dict]:
    """The cohort's active participants as rows of what the engine reads, by id.

    Rows rather than instances: a 12,000-person cohort reads in a third of the time.
    """
    return list(
        active_participants(organization=organization, cohort=cohort)
        .order_by("id")
        .values(*ENGINE_FIELDS)
    )


@dataclass(frozen=True)
class RoundInputs:
    mentees: list[Mentee]
    mentors: list[Mentor]
    settings: MatchSettings


def round_inputs(*, organization: Organization, match_round: MatchRound) -> RoundInputs:
    """What a round's run gives the engine: the cohort's people, its rules and settings.

    Pins are the cohort's pin rules and the round's approved pairs (a rerun keeps them);
    pins whose people left the cohort, or are full, cannot be honoured and are dropped.
    A fixed number of queries, none per participant.
    """
    with gc_paused():
        return _round_inputs(organization, match_round)


def _round_inputs(organization: Organization, match_round: MatchRound) -> RoundInputs:
    cohort = match_round.cohort
    config = config_from_json(cohort.matching_settings)
    rows = active_participant_rows(organization=organization, cohort=cohort)
    slots_taken: dict[int, int] = {}
    load: dict[int, int] = {}
    if match_round.newcomers_only:
        mentor_load, mentee_slots = mentorship_load(organization=organization, cohort=cohort)
        slots_taken, load = dict(mentee_slots), dict(mentor_load)
    stated = stated_preferences(organization=organization, cohort=cohort)
    mentees, mentors = engine_inputs(
        [row for row in rows if row["role"] in MENTEE_ROLES],
        [row for row in rows if row["role"] in MENTOR_ROLES],
        slots_taken=slots_taken,
        load=load,
        board_roles=config.board_roles,
        preferences=stated.mentees,
        mentor_preferences=stated.mentors,
    )
    rules = (
        PairRule.objects.for_org(organization)
        .filter(cohort=cohort)
        .values_list("kind", "mentee_id", "mentor_id")
    )
    pinned: set[tuple[str, str]] = set()
    forbidden: set[tuple[str, str]] = set()
    for kind, mentee_id, mentor_id in rules:
        if kind == PairRuleKind.PIN:
            pinned.add((str(mentee_id), str(mentor_id)))
        elif kind == PairRuleKind.FORBID:
            forbidden.add((str(mentee_id), str(mentor_id)))
    approved = (
        MatchProposal.objects.for_org(organization)
        .filter(match_round=match_round, status=ProposalStatus.APPROVED)
        .values_list("mentee_id", "mentor_id")
    )
    pinned |= {(str(mentee_id), str(mentor_id)) for mentee_id, mentor_id in approved}
    mentee_ids = {m.id for m in mentees}
    mentor_ids = {m.id for m in mentors}
    previous = (
        [(str(a), str(b)) for a, b in previous_pairs(organization=organization, cohort=cohort)]
        if config.rules.get("rotate_mentors")
        else []
    )
    settings = engine_settings(
        cohort,
        config,
        pinned=sorted(p for p in pinned if p[0] in mentee_ids and p[1] in mentor_ids),
        # The engine refuses rules naming someone outside the round (withdrawn, fully matched).
        forbidden=sorted(p for p in forbidden if p[0] in mentee_ids and p[1] in mentor_ids),
        previous=previous,
        round_date=max(timezone.localdate(), cohort.starts_on),
    )
    return RoundInputs(mentees, mentors, settings)


def mentorship_load(*, organization: Organization, cohort: Cohort) -> tuple[Counter, Counter]:
    """(mentees per active mentor, mentors per active mentee) from active mentorships."""
    links = MentorshipMentee.objects.for_org(organization).filter(
        mentorship__cohort=cohort, mentorship__status=MentorshipStatus.ACTIVE
    )
    mentor_load: Counter = Counter()
    mentee_slots: Counter = Counter()
    for mentor_id, mentee_id in links.values_list("mentorship__mentor_id", "mentee_id"):
        mentor_load[mentor_id] += 1
        mentee_slots[mentee_id] += 1
    return mentor_load, mentee_slots


def previous_pairs(*, organization: Organization, cohort: Cohort) -> list[tuple[int, int]]:
    """Mentee-mentor pairs from this program's earlier cohorts, by email (people re-enroll)."""
    links = (
        MentorshipMentee.objects.for_org(organization)
        .filter(mentorship__cohort__program_id=cohort.program_id)
        .exclude(mentorship__cohort=cohort)
    )
    emails = set(links.values_list("mentee__email", "mentorship__mentor__email"))
    current = dict(
        active_participants(organization=organization, cohort=cohort).values_list("email", "pk")
    )
    return [
        (current[mentee], current[mentor])
        for mentee, mentor in emails
        if mentee in current and mentor in current
    ]


def mentor_request_list_for_mentee(
    *, organization: Organization, mentee: Participant
) -> QuerySet[MentorRequest]:
    return (
        MentorRequest.objects.for_org(organization)
        .filter(mentee=mentee)
        .select_related("mentor")
        .order_by("rank", "id")
    )


def mentor_request_list_for_mentor(
    *, organization: Organization, mentors: QuerySet[Participant] | list[Participant]
) -> QuerySet[MentorRequest]:
    return (
        MentorRequest.objects.for_org(organization)
        .filter(
            mentor__in=mentors,
            status=RequestStatus.PENDING,
            mentee__status=ParticipantStatus.ACTIVE,
        )
        .select_related("mentee", "mentor", "cohort", "cohort__program")
        .order_by("expires_at", "id")
    )


def mentor_request_list_awaiting_approval(
    *, organization: Organization, cohort: Cohort
) -> QuerySet[MentorRequest]:
    return (
        MentorRequest.objects.for_org(organization)
        .filter(
            cohort=cohort,
            status=RequestStatus.AWAITING_APPROVAL,
            mentee__status=ParticipantStatus.ACTIVE,
            mentor__status=ParticipantStatus.ACTIVE,
        )
        .select_related("mentee", "mentor")
    )


def mentor_request_get(*, organization: Organization, request_id: int) -> MentorRequest:
    request = (
        MentorRequest.objects.for_org(organization)
        .select_related(
            "mentee", "mentor", "cohort", "cohort__program", "mentor__user", "mentee__user"
        )
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise Http404(_("No such request."))
    return request


def rule_impact_for_cohort(*, organization: Organization, cohort: Cohort, config) -> RuleImpact:
    """The settings preview: who each rule leaves without any candidate, for these settings."""
    participants = list(active_participants(organization=organization, cohort=cohort))
    mentees, mentors = engine_inputs(
        [p for p in participants if p.is_mentee],
        [p for p in participants if p.is_mentor],
        board_roles=config.board_roles,
    )
    forbidden = _forbidden_among(organization, cohort, mentees, mentors)
    previous = [
        (str(a), str(b)) for a, b in previous_pairs(organization=organization, cohort=cohort)
    ]
    settings = engine_settings(cohort, config, forbidden=forbidden, previous=previous)
    return rule_impact(mentees, mentors, settings)


@dataclass(frozen=True)
class Recommendation:
    """Someone on the other side of a possible pair, scored for the viewer."""

    person: Participant
    score: float
    factors: tuple
    explanation: str
    # A mentor's free seats, or a mentee's unfilled mentor slots.
    seats_left: int


def mentor_seats_left(*, organization: Organization, cohort: Cohort) -> dict[int, int]:
    """Per mentor: capacity minus active mentorships and requests awaiting an admin."""
    mentor_load, _slots = mentorship_load(organization=organization, cohort=cohort)
    held = Counter(
        MentorRequest.objects.for_org(organization)
        .filter(
            cohort=cohort,
            status=RequestStatus.AWAITING_APPROVAL,
            mentee__status=ParticipantStatus.ACTIVE,
            mentor__status=ParticipantStatus.ACTIVE,
        )
        .values_list("mentor_id", flat=True)
    )
    return {
        mentor.pk: max(mentor.mentor_capacity - mentor_load[mentor.pk] - held[mentor.pk], 0)
        for mentor in active_participants(organization=organization, cohort=cohort)
        if mentor.is_mentor
    }


def _mentee_slots_left(
    *, organization: Organization, cohort: Cohort, participants: list[Participant]
) -> dict[int, int]:
    """Per mentee among the cohort's already-loaded active `participants`: unfilled slots."""
    _load, mentee_slots = mentorship_load(organization=organization, cohort=cohort)
    return {
        mentee.pk: max(mentee.mentors_wanted - mentee_slots[mentee.pk], 0)
        for mentee in participants
        if mentee.is_mentee
    }


def recommendation_list(
    *, organization: Organization, participant: Participant, side: str, limit: int = 10
) -> list[Recommendation]:
    """The best possible partners for `participant`, by the cohort's own weights and rules.

    `side` is the role the participant takes in the pairs: "mentee" lists mentors, "mentor"
    lists mentees. Filtered: people with no seat (or slot) left and pairs a hard rule forbids
    are left out.
    """
    cohort = participant.cohort
    config = config_from_json(cohort.matching_settings)
    participants = list(active_participants(organization=organization, cohort=cohort))
    engine_mentees, engine_mentors = engine_inputs(
        [p for p in participants if p.is_mentee],
        [p for p in participants if p.is_mentor],
        board_roles=config.board_roles,
    )
    forbidden = _forbidden_among(organization, cohort, engine_mentees, engine_mentors)
    previous = (
        [(str(a), str(b)) for a, b in previous_pairs(organization=organization, cohort=cohort)]
        if config.rules.get("rotate_mentors")
        else []
    )
    settings = engine_settings(cohort, config, forbidden=forbidden, previous=previous)
    as_mentee = side == "mentee"
    if as_mentee:
        seats = mentor_seats_left(organization=organization, cohort=cohort)
        fits = participant.is_mentee and str(participant.pk) in {m.id for m in engine_mentees}
    else:
        seats = _mentee_slots_left(
            organization=organization, cohort=cohort, participants=participants
        )
        fits = participant.is_mentor and str(participant.pk) in {m.id for m in engine_mentors}
    others = [
        p
        for p in participants
        if p.pk != participant.pk
        and (p.is_mentor if as_mentee else p.is_mentee)
        and seats.get(p.pk, 0) > 0
    ]
    if not fits or not others:
        return []
    pairs = [
        (str(participant.pk), str(other.pk)) if as_mentee else (str(other.pk), str(participant.pk))
        for other in others
    ]
    explained = explain(engine_mentees, engine_mentors, pairs, settings)
    ranked = []
    for other, pair in zip(others, explained, strict=True):
        if any(f.factor == "rule" for f in pair.factors):
            continue  # a hard rule forbids this pair
        # Strongest reasons first; factors that add nothing stay out of the summary.
        factors = tuple(sorted(pair.factors, key=lambda f: -f.contribution))
        summary = "; ".join(say_factor(f) for f in factors if f.text and f.contribution > 0)
        ranked.append(Recommendation(other, pair.score, factors, summary, seats[other.pk]))
    ranked.sort(key=lambda r: (-r.score, r.person.pk))
    return ranked[:limit]


def participant_get_for_user(
    *, organization: Organization, cohort: Cohort, user
) -> Participant | None:
    return active_participants(organization=organization, cohort=cohort).filter(user=user).first()


def participant_get_mentee_for_user(
    *, organization: Organization, cohort: Cohort, user
) -> Participant | None:
    return (
        active_participants(organization=organization, cohort=cohort)
        .filter(user=user, role__in=["mentee", "both"])
        .first()
    )


def participant_list_mentor_for_user(*, organization: Organization, user) -> QuerySet[Participant]:
    return Participant.objects.for_org(organization).filter(
        user=user, role__in=["mentor", "both"], status=ParticipantStatus.ACTIVE
    )


def _forbidden_among(
    organization: Organization,
    cohort: Cohort,
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
) -> list[tuple[str, str]]:
    """The cohort's forbidden pairs between these people; the engine refuses a rule naming
    anyone it was not given (someone withdrawn, or a mentor with no seat left)."""
    mentee_ids = {m.id for m in mentees}
    mentor_ids = {m.id for m in mentors}
    return [
        (str(rule.mentee_id), str(rule.mentor_id))
        for rule in pair_rule_list(organization=organization, cohort=cohort)
        if rule.kind == "forbid"
        and str(rule.mentee_id) in mentee_ids
        and str(rule.mentor_id) in mentor_ids
    ]


# --- The round review at scale -------------------------------------------------------------

# Score histogram: ten bins of 0.1; the last one holds 1.0 too.
SCORE_BINS = 10
# Columns a row of the review shows; nothing else is read (a 10,000-pair round pages fast).
_ROW_FIELDS = (
    "id",
    "match_round_id",
    "score",
    "factors",
    "status",
    "pinned",
    "manual",
    "seat_role",
    "group",
    "mentee_id",
    "mentor_id",
    *(
        f"{side}__{name}"
        for side in ("mentee", "mentor")
        for name in ("full_name", "function", "country", "time_zone")
    ),
)
PROPOSAL_SORTS = {
    "score": ("-score", "id"),
    "-score": ("score", "id"),
    "mentee": ("mentee__full_name", "id"),
    "mentor": ("mentor__full_name", "id"),
}


@dataclass(frozen=True)
class ProposalFilter:
    """What the round review lists: a status, a score range, a reason that must have helped
    (an explanation factor such as "skills"), and a name to look for."""

    status: str = ""
    min_score: float | None = None
    max_score: float | None = None
    reason: str = ""
    search: str = ""
    sort: str = "score"

    @property
    def is_narrowed(self) -> bool:
        return bool(
            self.status
            or self.min_score is not None
            or self.max_score is not None
            or self.reason
            or self.search
        )


# The factor travels as a parameter (%%s after the template is filled), never in the SQL text.
SQLITE_REASON = (
    "EXISTS (SELECT 1 FROM json_each(%(expressions)s) AS f "
    "WHERE json_extract(f.value, '$.factor') = %%s AND json_extract(f.value, '$.contribution') > 0)"
)


class ReasonHelped(Func):
    """True where the explanation's `factor` contributed above zero: a JSON test the ORM has
    no word for, written for each database the app runs on. The column is compiled like any
    other, so the test stays on the right table inside subqueries (an update by primary keys)."""

    output_field = BooleanField()
    JSON_PATH = "$[*] ? (@.factor == $factor && @.contribution > 0)"

    def __init__(self, factor: str) -> None:
        super().__init__(F("factors"))
        self.factor = factor

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(
            compiler,
            connection,
            template="jsonb_path_exists(%(expressions)s, %%s::jsonpath, %%s::jsonb)",
            **extra_context,
        )
        return sql, (*params, self.JSON_PATH, json.dumps({"factor": self.factor}))

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, template=SQLITE_REASON, **extra_context)
        return sql, (*params, self.factor)


def proposal_filtered(
    *, organization: Organization, match_round: MatchRound, filters: ProposalFilter
) -> QuerySet[MatchProposal]:
    """The round's proposals that pass `filters`, with only the columns a review row shows."""
    queryset = MatchProposal.objects.for_org(organization).filter(match_round=match_round)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.min_score is not None:
        queryset = queryset.filter(score__gte=filters.min_score)
    if filters.max_score is not None:
        queryset = queryset.filter(score__lte=filters.max_score)
    if filters.search:
        queryset = queryset.filter(
            Q(mentee__full_name__icontains=filters.search)
            | Q(mentor__full_name__icontains=filters.search)
        )
    if filters.reason:
        queryset = queryset.filter(ReasonHelped(filters.reason))
    order = PROPOSAL_SORTS.get(filters.sort, PROPOSAL_SORTS["score"])
    return queryset.select_related("mentee", "mentor").only(*_ROW_FIELDS).order_by(*order)


def proposal_summary(*, organization: Organization, match_round: MatchRound) -> dict[str, Any]:
    """Counts by status and the score histogram, in one aggregate query."""
    bins = {
        f"bin_{k}": Count(
            "id",
            filter=Q(score__gte=k / SCORE_BINS)
            & (Q(score__lt=(k + 1) / SCORE_BINS) if k < SCORE_BINS - 1 else Q()),
        )
        for k in range(SCORE_BINS)
    }
    row = (
        MatchProposal.objects.for_org(organization)
        .filter(match_round=match_round)
        .aggregate(
            total=Count("id"),
            approved=Count("id", filter=Q(status=ProposalStatus.APPROVED)),
            rejected=Count("id", filter=Q(status=ProposalStatus.REJECTED)),
            undecided=Count("id", filter=Q(status=ProposalStatus.PROPOSED)),
            **bins,
        )
    )
    row["histogram"] = [row.pop(f"bin_{k}") for k in range(SCORE_BINS)]
    row["decided"] = row["approved"] + row["rejected"]
    return row


def unmatched_page_list(
    *, organization: Organization, match_round: MatchRound, search: str = ""
) -> QuerySet[UnmatchedMentee]:
    """The round's unmatched mentees for a paginated list, with what the list shows only."""
    queryset = UnmatchedMentee.objects.for_org(organization).filter(match_round=match_round)
    if search:
        queryset = queryset.filter(mentee__full_name__icontains=search)
    return (
        queryset.select_related("mentee")
        .only(
            "id",
            "slots_unfilled",
            "reason",
            "reason_key",
            "reason_params",
            "mentee_id",
            "mentee__full_name",
            "mentee__function",
            "mentee__country",
            "mentee__time_zone",
        )
        .order_by("mentee__full_name", "id")
    )


def unmatched_count(*, organization: Organization, match_round: MatchRound) -> int:
    return UnmatchedMentee.objects.for_org(organization).filter(match_round=match_round).count()


def people_to_notify(*, organization: Organization, match_round: MatchRound) -> int:
    """Publishing emails each mentor and mentee of an approved pair: how many people, counted
    by the database (one query, however many pairs)."""
    approved = MatchProposal.objects.for_org(organization).filter(
        match_round=match_round, status=ProposalStatus.APPROVED
    )
    mentees = approved.values_list("mentee_id", flat=True)
    mentors = approved.values_list("mentor_id", flat=True)
    return mentees.union(mentors).count()


def swap_candidates(
    *, organization: Organization, proposal: MatchProposal, search: str = ""
) -> QuerySet[MatchProposal]:
    """The round's other pairs whose mentor this pair's mentee could take (and vice versa)."""
    queryset = (
        MatchProposal.objects.for_org(organization)
        .filter(match_round_id=proposal.match_round_id)
        .exclude(mentor_id=proposal.mentor_id)
        .exclude(mentee_id=proposal.mentee_id)
    )
    if search:
        queryset = queryset.filter(
            Q(mentor__full_name__icontains=search) | Q(mentee__full_name__icontains=search)
        )
    return (
        queryset.select_related("mentee", "mentor")
        .only("id", "match_round_id", "mentee__full_name", "mentor__full_name")
        .order_by("mentor__full_name", "mentee__full_name", "id")
    )


@dataclass(frozen=True)
class MatchingOverview:
    deciding: Sequence[MatchRound]
    published: Sequence[MatchRound]
    awaiting_requests: Sequence[Mapping[str, Any]]


def matching_overview(*, organization: Organization, published_limit: int = 8) -> MatchingOverview:
    """Rounds across cohorts that need a decision, the latest published ones and the cohorts
    with self-matches awaiting approval; a fixed number of queries."""
    deciding_statuses = [
        RoundStatus.DRAFT,
        RoundStatus.RUNNING,
        RoundStatus.PROPOSED,
        RoundStatus.REVIEWED,
        RoundStatus.FAILED,
    ]
    rounds = MatchRound.objects.for_org(organization).select_related("cohort", "cohort__program")
    undecided = (
        MatchProposal.objects.for_org(organization)
        .filter(match_round=OuterRef("pk"), status=ProposalStatus.PROPOSED)
        .values("match_round")
        .annotate(n=Count("id"))
        .values("n")
    )
    deciding = list(
        rounds.filter(status__in=deciding_statuses)
        .annotate(undecided=Coalesce(Subquery(undecided), 0))
        .order_by("-created_at", "-id")[:50]
    )
    published = list(
        rounds.filter(status=RoundStatus.PUBLISHED).order_by("-published_at", "-id")[
            :published_limit
        ]
    )
    awaiting = list(
        MentorRequest.objects.for_org(organization)
        .filter(status=RequestStatus.AWAITING_APPROVAL)
        .values("cohort_id", "cohort__name", "cohort__program__name")
        .annotate(n=Count("id"))
        .order_by("cohort__program__name", "cohort__name")
    )
    return MatchingOverview(deciding=deciding, published=published, awaiting_requests=awaiting)
