"""Match rounds: start, run (in a task), rerun, and the weekly newcomer rounds."""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import asdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import DomainError
from matching import selectors
from matching.adapters import engine_inputs
from matching.config import (
    CohortMatchingConfig,
    config_from_json,
    engine_settings,
)
from matching.engine import MatchResult, MatchSettings, greedy_match, match
from matching.models import (
    MatchProposal,
    MatchRound,
    PairRuleKind,
    ProposalStatus,
    RoundStatus,
    RoundTrigger,
    UnmatchedMentee,
)
from organizations.models import Organization
from organizations.services import audit_log_record
from participants.models import Participant
from programs.models import Cohort, CohortStatus
from programs.services import cohort_lock

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
    # Two clicks cannot queue two runs.
    cohort_lock(organization=organization, cohort=cohort)
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


def finite_json(value):
    """JSON has no NaN or infinity (PostgreSQL rejects them): unknown figures become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(item) for item in value]
    return value


def _report_json(result: MatchResult) -> dict:
    report = asdict(result.report)
    report["timings"] = dict(result.report.timings)
    report["warnings"] = list(result.warnings)
    return finite_json(report)


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
                factors=finite_json([asdict(factor) for factor in pair.factors]),
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
                reason_params=finite_json(list(item.phrase.params)) if item.phrase else [],
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
