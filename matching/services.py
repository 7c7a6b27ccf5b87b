"""Match rounds: start, run (in a task), review, publish. Every write goes through here."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import defaultdict
from dataclasses import asdict

from django.conf import settings as django_settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import DomainError
from matching import selectors
from matching.adapters import engine_inputs
from matching.config import (
    MAX_STATED_PREFERENCES,
    CohortMatchingConfig,
    config_from_json,
    engine_settings,
)
from matching.engine import MatchResult, MatchSettings, explain, greedy_match, match
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
    RoundTrigger,
    StatedPreference,
    UnmatchedMentee,
)
from mentorships.models import Mentorship
from mentorships.selectors import mentorship_list_by_ids
from mentorships.services import mentorship_create_from_match
from notifications.services import notify
from organizations.models import Organization
from organizations.services import audit_log_record
from participants.models import Participant
from programs.models import Cohort, CohortStatus

logger = logging.getLogger(__name__)

RERUNNABLE = (RoundStatus.PROPOSED, RoundStatus.REVIEWED, RoundStatus.FAILED)
# The 100,000 x 20,000 benchmark cohort solves in about 3 minutes; no real cohort needs 30.
RUN_TIME_LIMIT_SECONDS = 30 * 60


@transaction.atomic
def cohort_matching_config_update(
    *, organization: Organization, cohort: Cohort, actor: User | None, config: CohortMatchingConfig
) -> Cohort:
    if cohort.organization_id != organization.pk:
        raise DomainError(_("No such cohort."), code="not_found")
    cohort.matching_settings = config.to_json()
    cohort.save(update_fields=["matching_settings", "updated_at"])
    audit_log_record(
        organization=organization, actor=actor, action="matching.settings", target=str(cohort)
    )
    return cohort


@transaction.atomic
def round_start(
    *,
    organization: Organization,
    cohort: Cohort,
    actor: User | None,
    newcomers_only: bool = False,
    trigger: str = RoundTrigger.ON_DEMAND,
) -> MatchRound:
    """Create a draft round and queue its run. One round runs per cohort at a time."""
    if cohort.organization_id != organization.pk:
        raise DomainError(_("No such cohort."), code="not_found")
    # Serialise starts per cohort so two clicks cannot queue two runs.
    Cohort.objects.for_org(organization).select_for_update().filter(pk=cohort.pk).first()
    _fail_stale_runs(organization, cohort)
    if selectors.round_active_for_cohort(organization=organization, cohort=cohort):
        raise DomainError(_("A round is already running for this cohort."))
    match_round = MatchRound.objects.create(
        organization=organization,
        cohort=cohort,
        newcomers_only=newcomers_only,
        trigger=trigger,
        created_by=actor,
    )
    _enqueue_run(match_round)
    audit_log_record(
        organization=organization, actor=actor, action="round.start", target=str(match_round.pk)
    )
    return match_round


def _fail_stale_runs(organization: Organization, cohort: Cohort) -> int:
    """A run whose worker died would block the cohort forever; past the limit it has failed."""
    cutoff = timezone.now() - dt.timedelta(seconds=RUN_TIME_LIMIT_SECONDS)
    return (
        MatchRound.objects.for_org(organization)
        .filter(cohort=cohort, status=RoundStatus.RUNNING, started_at__lt=cutoff)
        .update(
            status=RoundStatus.FAILED,
            # Stored in English and translated when shown, in each viewer's language.
            error=gettext_noop("The worker stopped before the run finished. Run it again."),
            finished_at=timezone.now(),
            progress=100,
        )
    )


def _enqueue_run(match_round: MatchRound) -> None:
    from matching.tasks import run_match_round_task

    organization_id, round_id = match_round.organization_id, match_round.pk
    transaction.on_commit(lambda: run_match_round_task.delay(organization_id, round_id))


@transaction.atomic
def round_rerun(
    *, organization: Organization, match_round: MatchRound, actor: User | None
) -> MatchRound:
    """Run again with the current rules; approved pairs stay, as pins."""
    _fail_stale_runs(organization, match_round.cohort)
    claimed = (
        MatchRound.objects.for_org(organization)
        .filter(pk=match_round.pk, status__in=RERUNNABLE)
        .update(status=RoundStatus.DRAFT, progress=0, progress_label="", error="")
    )
    if claimed != 1:
        raise DomainError(_("This round cannot be run again now."))
    _enqueue_run(match_round)
    audit_log_record(
        organization=organization, actor=actor, action="round.rerun", target=str(match_round.pk)
    )
    match_round.refresh_from_db()
    return match_round


def _enqueue_match_notifications(organization: Organization, mentorship_ids: list[int]) -> None:
    from matching.tasks import notify_match_published_task

    organization_id = organization.pk
    transaction.on_commit(
        lambda: notify_match_published_task.delay(organization_id, mentorship_ids)
    )


def notify_match_published(*, organization: Organization, mentorship_ids: list[int]) -> int:
    """Tell mentor and mentees of each new mentorship, by email and in the app. Idempotent."""
    sent = 0
    for mentorship in mentorship_list_by_ids(organization=organization, ids=mentorship_ids):
        mentees = list(mentorship.mentees.all())
        people = [
            (mentorship.mentor, mentees),
            *((mentee, [mentorship.mentor]) for mentee in mentees),
        ]
        for person, partners in people:
            user = person.user
            with translation.override((user.language if user else "") or None):
                names = ", ".join(p.full_name for p in partners)
                text = _("You are matched in %(program)s with %(names)s.") % {
                    "program": mentorship.cohort.program.name,
                    "names": names,
                }
            notify(
                organization=organization,
                email=person.email,
                user=user,
                template="match_published",
                context={
                    "person": person,
                    "partners": partners,
                    "mentorship": mentorship,
                    "organization": organization,
                    "site_url": django_settings.SITE_URL,
                },
                text=text,
                url=reverse("dashboard", kwargs={"org_slug": organization.slug}),
                idempotency_key=f"match-published:{mentorship.pk}:{person.pk}",
            )
            sent += 1
    return sent


def _progress(
    organization: Organization, match_round: MatchRound, percent: int, label: str
) -> None:
    # `label` is an English msgid; the progress bar translates it for whoever watches.
    # Outside the run's transaction so the browser's progress poll sees it at once.
    MatchRound.objects.for_org(organization).filter(pk=match_round.pk).update(
        progress=percent, progress_label=label
    )


def _round_inputs(
    organization: Organization, match_round: MatchRound
) -> tuple[list, list, MatchSettings, dict[str, Participant]]:
    cohort = match_round.cohort
    config = config_from_json(cohort.matching_settings)
    participants = list(
        selectors.active_participants(organization=organization, cohort=cohort).order_by("id")
    )
    by_id = {str(p.pk): p for p in participants}
    mentees = [p for p in participants if p.is_mentee]
    mentors = [p for p in participants if p.is_mentor]
    slots_taken: dict[int, int] = {}
    load: dict[int, int] = {}
    if match_round.newcomers_only:
        mentor_load, mentee_slots = selectors.mentorship_load(
            organization=organization, cohort=cohort
        )
        slots_taken, load = dict(mentee_slots), dict(mentor_load)
    stated = selectors.stated_preferences(organization=organization, cohort=cohort)
    engine_mentees, engine_mentors = engine_inputs(
        mentees,
        mentors,
        slots_taken=slots_taken,
        load=load,
        board_roles=config.board_roles,
        preferences=stated.mentees,
        mentor_preferences=stated.mentors,
    )
    mentee_ids = {m.id for m in engine_mentees}
    mentor_ids = {m.id for m in engine_mentors}
    rules = selectors.pair_rule_list(organization=organization, cohort=cohort)
    approved = MatchProposal.objects.for_org(organization).filter(
        match_round=match_round, status=ProposalStatus.APPROVED
    )
    pinned = {(str(r.mentee_id), str(r.mentor_id)) for r in rules if r.kind == PairRuleKind.PIN}
    pinned |= {(str(p.mentee_id), str(p.mentor_id)) for p in approved}
    forbidden = {
        (str(r.mentee_id), str(r.mentor_id)) for r in rules if r.kind == PairRuleKind.FORBID
    }
    previous = (
        [
            (str(a), str(b))
            for a, b in selectors.previous_pairs(organization=organization, cohort=cohort)
        ]
        if config.rules.get("rotate_mentors")
        else []
    )
    settings = engine_settings(
        cohort,
        config,
        # Pins whose people left the cohort (or are full) cannot be honoured; they are dropped.
        pinned=sorted(p for p in pinned if p[0] in mentee_ids and p[1] in mentor_ids),
        forbidden=sorted(forbidden),
        previous=previous,
        round_date=max(timezone.localdate(), cohort.starts_on),
    )
    return engine_mentees, engine_mentors, settings, by_id


def _finite(value):
    """JSON has no NaN or infinity (PostgreSQL rejects them): unknown figures become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _report_json(result: MatchResult) -> dict:
    report = asdict(result.report)
    report["timings"] = dict(result.report.timings)
    report["warnings"] = list(result.warnings)
    return _finite(report)


def round_run(*, organization: Organization, round_id: int) -> MatchRound | None:
    """Run the engine for a draft round. Safe to call twice: only one call claims the round.

    A failure marks the round failed with the error and leaves everything else as it was.
    """
    claimed = (
        MatchRound.objects.for_org(organization)
        .filter(pk=round_id, status=RoundStatus.DRAFT)
        .update(status=RoundStatus.RUNNING, started_at=timezone.now(), progress=5, error="")
    )
    if claimed != 1:
        logger.info("round %s not in draft; nothing to run", round_id)
        return None
    match_round = selectors.round_get(organization=organization, round_id=round_id)
    try:
        _progress(organization, match_round, 15, gettext_noop("Reading participants"))
        mentees, mentors, settings, by_id = _round_inputs(organization, match_round)
        _progress(organization, match_round, 35, gettext_noop("Scoring and solving"))
        result = match(mentees, mentors, settings)
        _progress(organization, match_round, 70, gettext_noop("Comparing with a greedy baseline"))
        baseline = greedy_match(mentees, mentors, settings)
        _progress(organization, match_round, 85, gettext_noop("Saving proposals"))
        _save_result(organization, match_round, result, baseline, settings, by_id)
    except Exception as error:
        logger.exception("match round %s failed", round_id)
        MatchRound.objects.for_org(organization).filter(pk=round_id).update(
            status=RoundStatus.FAILED,
            error=f"{error.__class__.__name__}: {error}",
            finished_at=timezone.now(),
            progress=100,
            progress_label="",
        )
        raise
    return selectors.round_get(organization=organization, round_id=round_id)


@transaction.atomic
def _save_result(
    organization: Organization,
    match_round: MatchRound,
    result: MatchResult,
    baseline: MatchResult,
    settings: MatchSettings,
    by_id: dict[str, Participant],
) -> None:
    approved = {
        (p.mentee_id, p.mentor_id)
        for p in MatchProposal.objects.for_org(organization).filter(
            match_round=match_round, status=ProposalStatus.APPROVED
        )
    }
    MatchProposal.objects.for_org(organization).filter(match_round=match_round).delete()
    UnmatchedMentee.objects.for_org(organization).filter(match_round=match_round).delete()
    MatchProposal.objects.bulk_create(
        [
            MatchProposal(
                organization=organization,
                match_round=match_round,
                mentee=by_id[pair.mentee_id],
                mentor=by_id[pair.mentor_id],
                score=pair.score,
                factors=_finite([asdict(factor) for factor in pair.factors]),
                pinned=pair.pinned,
                seat_role=pair.role or "",
                group=pair.group,
                status=(
                    ProposalStatus.APPROVED
                    if (int(pair.mentee_id), int(pair.mentor_id)) in approved
                    else ProposalStatus.PROPOSED
                ),
            )
            for pair in result.pairs
        ]
    )
    UnmatchedMentee.objects.bulk_create(
        [
            UnmatchedMentee(
                organization=organization,
                match_round=match_round,
                mentee=by_id[item.mentee_id],
                slots_unfilled=item.slots_unfilled,
                reason=item.reason,
                reason_key=item.phrase.key if item.phrase else "",
                reason_params=_finite(list(item.phrase.params)) if item.phrase else [],
            )
            for item in result.unmatched
        ]
    )
    MatchRound.objects.for_org(organization).filter(pk=match_round.pk).update(
        status=RoundStatus.PROPOSED,
        total_score=result.total_score,
        matched_slots=result.matched_slots,
        demanded_slots=result.demanded_slots,
        greedy_total_score=baseline.total_score,
        greedy_matched_slots=baseline.matched_slots,
        solver_report=_report_json(result),
        settings_snapshot={
            "objective": str(settings.objective),
            "weights": asdict(settings.weights),
            "hard_rules": asdict(settings.hard_rules),
            "pinned_pairs": [list(p) for p in settings.pinned_pairs],
            "forbidden_pairs": [list(p) for p in settings.forbidden_pairs],
            "program_kind": str(settings.program_kind),
            "round_date": settings.round_date.isoformat() if settings.round_date else None,
        },
        finished_at=timezone.now(),
        progress=100,
        progress_label="",
        attempt=match_round.attempt + 1,
    )


def _editable(match_round: MatchRound) -> None:
    if match_round.status not in (RoundStatus.PROPOSED, RoundStatus.REVIEWED):
        raise DomainError(_("Proposals can be changed only while the round is under review."))


@transaction.atomic
def proposal_decide(
    *, organization: Organization, proposal: MatchProposal, actor: User | None, approve: bool
) -> MatchProposal:
    _editable(proposal.match_round)
    proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
    proposal.save(update_fields=["status"])
    _reopen_review(organization, proposal.match_round)
    return proposal


@transaction.atomic
def proposal_approve_all(
    *, organization: Organization, match_round: MatchRound, actor: User | None
) -> int:
    _editable(match_round)
    return (
        MatchProposal.objects.for_org(organization)
        .filter(match_round=match_round, status=ProposalStatus.PROPOSED)
        .update(status=ProposalStatus.APPROVED)
    )


def _reopen_review(organization: Organization, match_round: MatchRound) -> None:
    # A change after "reviewed" needs another look before publishing.
    MatchRound.objects.for_org(organization).filter(
        pk=match_round.pk, status=RoundStatus.REVIEWED
    ).update(status=RoundStatus.PROPOSED)


def _explained_proposals(
    organization: Organization,
    match_round: MatchRound,
    pairs: list[tuple[Participant, Participant]],
) -> list[MatchProposal]:
    """Score manual pairs against the whole cohort, so scores compare with the engine's."""
    cohort = match_round.cohort
    config = config_from_json(cohort.matching_settings)
    participants = list(selectors.active_participants(organization=organization, cohort=cohort))
    mentees, mentors = engine_inputs(
        [p for p in participants if p.is_mentee],
        [p for p in participants if p.is_mentor],
        board_roles=config.board_roles,
    )
    explained = explain(
        mentees,
        mentors,
        [(str(mentee.pk), str(mentor.pk)) for mentee, mentor in pairs],
        engine_settings(cohort, config),
    )
    return [
        MatchProposal(
            organization=organization,
            match_round=match_round,
            mentee=mentee,
            mentor=mentor,
            score=pair.score,
            factors=_finite([asdict(f) for f in pair.factors]),
            status=ProposalStatus.APPROVED,
            manual=True,
        )
        for (mentee, mentor), pair in zip(pairs, explained, strict=True)
    ]


@transaction.atomic
def proposal_swap(
    *, organization: Organization, first: MatchProposal, second: MatchProposal, actor: User | None
) -> tuple[MatchProposal, MatchProposal]:
    """Exchange the mentors of two proposals; the new pairs are scored, explained and approved."""
    if first.match_round_id != second.match_round_id or first.pk == second.pk:
        raise DomainError(_("Choose two different proposals of the same round."), field="other")
    match_round = first.match_round
    _editable(match_round)
    if first.mentor_id == second.mentor_id or first.mentee_id == second.mentee_id:
        raise DomainError(
            _("Those two proposals share a person; swapping changes nothing."), field="other"
        )
    taken = set(
        MatchProposal.objects.for_org(organization)
        .filter(match_round=match_round)
        .exclude(pk__in=[first.pk, second.pk])
        .values_list("mentee_id", "mentor_id")
    )
    if (first.mentee_id, second.mentor_id) in taken or (second.mentee_id, first.mentor_id) in taken:
        raise DomainError(_("One of the swapped pairs is already proposed."), field="other")
    new_first, new_second = _explained_proposals(
        organization, match_round, [(first.mentee, second.mentor), (second.mentee, first.mentor)]
    )
    MatchProposal.objects.for_org(organization).filter(pk__in=[first.pk, second.pk]).delete()
    new_first.save()
    new_second.save()
    _reopen_review(organization, match_round)
    audit_log_record(
        organization=organization,
        actor=actor,
        action="proposal.swap",
        target=str(match_round.pk),
        data={
            "pairs": [
                [new_first.mentee_id, new_first.mentor_id],
                [new_second.mentee_id, new_second.mentor_id],
            ]
        },
    )
    return new_first, new_second


@transaction.atomic
def pair_rule_set(
    *,
    organization: Organization,
    cohort: Cohort,
    mentee: Participant,
    mentor: Participant,
    kind: str,
    actor: User | None,
) -> PairRule:
    if {cohort.organization_id, mentee.organization_id, mentor.organization_id} != {
        organization.pk
    }:
        raise DomainError(_("No such pair."), code="not_found")
    if mentee.cohort_id != cohort.pk or mentor.cohort_id != cohort.pk:
        raise DomainError(_("Both people must be in this cohort."))
    rule, _created = PairRule.objects.for_org(organization).update_or_create(
        organization=organization,
        cohort=cohort,
        mentee=mentee,
        mentor=mentor,
        defaults={"kind": kind, "created_by": actor},
    )
    if kind == PairRuleKind.FORBID:
        # A forbidden pair cannot stay proposed in any round still under review.
        MatchProposal.objects.for_org(organization).filter(
            mentee=mentee,
            mentor=mentor,
            match_round__status__in=[RoundStatus.PROPOSED, RoundStatus.REVIEWED],
        ).update(status=ProposalStatus.REJECTED)
    audit_log_record(
        organization=organization,
        actor=actor,
        action=f"pair.{kind}",
        target=f"{mentee.email} ↔ {mentor.email}",
    )
    return rule


@transaction.atomic
def pair_rule_delete(*, organization: Organization, rule: PairRule, actor: User | None) -> None:
    PairRule.objects.for_org(organization).filter(pk=rule.pk).delete()


@transaction.atomic
def round_mark_reviewed(
    *, organization: Organization, match_round: MatchRound, actor: User | None
) -> MatchRound:
    counts = selectors.proposal_counts(organization=organization, match_round=match_round)
    if match_round.status != RoundStatus.PROPOSED:
        raise DomainError(_("Only a proposed round can be marked reviewed."))
    if counts["undecided"]:
        raise DomainError(
            _("Approve or reject every proposal first (%(n)d undecided).")
            % {"n": counts["undecided"]}
        )
    if not counts["approved"]:
        raise DomainError(_("Approve at least one proposal before publishing."))
    MatchRound.objects.for_org(organization).filter(pk=match_round.pk).update(
        status=RoundStatus.REVIEWED
    )
    match_round.refresh_from_db()
    return match_round


@transaction.atomic
def round_publish(
    *, organization: Organization, match_round: MatchRound, actor: User | None
) -> int:
    """Create mentorships for approved proposals and notify both sides. Publishing is once only."""
    claimed = (
        MatchRound.objects.for_org(organization)
        .filter(pk=match_round.pk, status=RoundStatus.REVIEWED)
        .update(status=RoundStatus.PUBLISHED, published_at=timezone.now())
    )
    if claimed != 1:
        raise DomainError(_("Only a reviewed round can be published."))
    approved = list(
        MatchProposal.objects.for_org(organization)
        .filter(match_round=match_round, status=ProposalStatus.APPROVED)
        .select_related("mentee", "mentor")
        .order_by("mentor_id", "id")
    )
    grouped: dict[tuple[int, int | None, str], list[MatchProposal]] = defaultdict(list)
    for proposal in approved:
        # A group program makes one mentorship per mentor's group; pairs and board seats one each.
        key = (
            (proposal.mentor_id, proposal.group, "")
            if proposal.group is not None
            else (
                proposal.mentor_id,
                proposal.pk,
                proposal.seat_role,
            )
        )
        grouped[key].append(proposal)
    mentorships = [
        mentorship_create_from_match(
            organization=organization,
            cohort=match_round.cohort,
            mentor=proposals[0].mentor,
            mentees=[p.mentee for p in proposals],
            seat_role=proposals[0].seat_role,
            source_round_id=match_round.pk,
        )
        for proposals in grouped.values()
    ]
    mentorship_ids = [m.pk for m in mentorships]
    _enqueue_match_notifications(organization, mentorship_ids)
    audit_log_record(
        organization=organization,
        actor=actor,
        action="round.publish",
        target=str(match_round.pk),
        data={"mentorships": len(mentorships)},
    )
    return len(mentorships)


# --- Self-match: mentees request mentors, ranked; requests cascade down the ranks -----------

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


def _advance(organization: Organization, mentee: Participant) -> MentorRequest | None:
    """Send the next queued request, if any; tell the mentee when none are left."""
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


def _finalize_accept(organization: Organization, request: MentorRequest) -> Mentorship:
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
    _enqueue_match_notifications(organization, [mentorship.pk])
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


def scheduled_rounds_start(*, organization: Organization) -> list[MatchRound]:
    """Weekly newcomer rounds for cohorts that ask for them. Safe to run more often."""
    started = []
    week_ago = timezone.now() - dt.timedelta(days=7)
    cohorts = (
        Cohort.objects.for_org(organization)
        .filter(status__in=[CohortStatus.ENROLLING, CohortStatus.MATCHING, CohortStatus.ACTIVE])
        .select_related("program")
    )
    for cohort in cohorts:
        if config_from_json(cohort.matching_settings).schedule != "weekly":
            continue
        recent = MatchRound.objects.for_org(organization).filter(
            cohort=cohort, trigger=RoundTrigger.SCHEDULED, created_at__gte=week_ago
        )
        if recent.exists():
            continue
        try:
            started.append(
                round_start(
                    organization=organization,
                    cohort=cohort,
                    actor=None,
                    newcomers_only=True,
                    trigger=RoundTrigger.SCHEDULED,
                )
            )
        except DomainError as error:
            logger.info("scheduled round for cohort %s skipped: %s", cohort.pk, error.message)
    return started


# --- Stated preferences ---------------------------------------------------------------------


@transaction.atomic
def stated_preferences_save(
    *,
    organization: Organization,
    participant: Participant,
    side: str,
    preferred_ids: list[int],
) -> list[StatedPreference]:
    """Replace the participant's ranking of the other side; an empty list clears it.

    Only people the cohort's rules allow as a partner can be ranked, so a ranking never points
    at a pair the round would refuse anyway."""
    if participant.organization_id != organization.pk:
        raise DomainError(_("No such participant."), code="not_found")
    cohort = participant.cohort
    config = config_from_json(cohort.matching_settings)
    if not config.collects_preferences or cohort.status == CohortStatus.CLOSED:
        raise DomainError(_("This cohort does not ask for rankings."))
    if side not in PreferenceSide.values or not (
        participant.is_mentee if side == PreferenceSide.AS_MENTEE else participant.is_mentor
    ):
        raise DomainError(_("You are not enrolled on that side of this cohort."), field="side")
    if len(preferred_ids) > MAX_STATED_PREFERENCES or len(set(preferred_ids)) != len(preferred_ids):
        raise DomainError(
            _("Choose up to %(n)d different people.") % {"n": MAX_STATED_PREFERENCES},
            field="preferred",
        )
    allowed = {
        r.person.pk: r.person
        for r in selectors.recommendation_list(
            organization=organization, participant=participant, side=side, limit=10_000
        )
    }
    if any(preferred_id not in allowed for preferred_id in preferred_ids):
        raise DomainError(_("One of those people is not available to you."), field="preferred")
    StatedPreference.objects.for_org(organization).filter(
        participant=participant, side=side
    ).delete()
    ranking = StatedPreference.objects.bulk_create(
        StatedPreference(
            organization=organization,
            cohort=cohort,
            participant=participant,
            side=side,
            preferred=allowed[preferred_id],
            rank=rank,
        )
        for rank, preferred_id in enumerate(preferred_ids, start=1)
    )
    audit_log_record(
        organization=organization,
        actor=participant.user,
        action="preferences.save",
        target=participant.email,
    )
    return ranking
