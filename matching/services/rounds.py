"""Match rounds: start, run (in a task), rerun, and the weekly newcomer rounds."""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import uuid
from dataclasses import asdict

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.broker import task_send_once
from core.errors import DomainError
from core.memory import gc_paused
from core.tenancy import in_organization
from matching import selectors
from matching.adapters import factors_json
from matching.config import (
    CohortMatchingConfig,
    config_from_json,
)
from matching.engine import MatchResult, MatchSettings, match
from matching.engine.objective import greedy_baseline, objective_figures
from matching.learned import learned_round_for
from matching.models import (
    MatchProposal,
    MatchRound,
    ProposalStatus,
    RoundStatus,
    RoundTrigger,
    UnmatchedMentee,
)
from organizations.models import Organization
from organizations.services import audit_log_record
from programs.models import Cohort, CohortStatus
from programs.services import cohort_lock

logger = logging.getLogger(__name__)


RERUNNABLE = (RoundStatus.PROPOSED, RoundStatus.REVIEWED, RoundStatus.FAILED)
# Workers that may take a run before the sweep gives up on it: a run that kills its worker
# (out of memory, say) must not take every worker down in turn.
MAX_RUN_ATTEMPTS = 3
# A trigger no worker took within this long is sent again by the sweep (beat, every minute).
QUEUE_GRACE = dt.timedelta(seconds=60)
# Stored in English and translated when shown, in each viewer's language.
LOST_RUN_ERROR = gettext_noop("The worker stopped before the run finished. Run it again.")
QUEUED_LABEL = gettext_noop("Queued; waiting for a worker")
REQUEUED_LABEL = gettext_noop("The worker stopped; queued again")


class LeaseLost(Exception):
    """This worker's lease on a run expired and another worker took the run over."""


def _lease_seconds() -> int:
    return django_settings.MATCH_ROUND_LEASE_SECONDS


def _lease_until():
    # The database's clock, so workers on machines with different clocks agree on expiry.
    return Now() + dt.timedelta(seconds=_lease_seconds())


def _abandoned() -> Q:
    # A running round whose lease expired, or that has none (a run started before leases).
    return Q(status=RoundStatus.RUNNING) & (
        Q(lease_expires_at__lt=Now()) | Q(lease_expires_at__isnull=True)
    )


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
    _give_up_on_lost_runs(MatchRound.objects.for_org(organization).filter(cohort=cohort))
    if selectors.round_active_for_cohort(organization=organization, cohort=cohort):
        raise DomainError(_("A round is already running for this cohort."))
    match_round = MatchRound.objects.create(
        organization=organization,
        cohort=cohort,
        newcomers_only=newcomers_only,
        trigger=trigger,
        created_by=actor,
        queued_at=timezone.now(),
        progress_label=QUEUED_LABEL,
    )
    _enqueue_run(match_round.organization_id, match_round.pk)
    audit_log_record(
        organization=organization, actor=actor, action="round.start", target=str(match_round.pk)
    )
    return match_round


def _give_up_on_lost_runs(rounds: QuerySet[MatchRound]) -> int:
    """Runs whose every allowed worker was lost have failed, visibly; the cohort is free."""
    failed = rounds.filter(_abandoned(), run_attempts__gte=MAX_RUN_ATTEMPTS).update(
        status=RoundStatus.FAILED,
        error=LOST_RUN_ERROR,
        finished_at=Now(),
        progress=100,
        progress_label="",
        claim_token=None,
        lease_expires_at=None,
    )
    if failed:
        logger.warning("%s match round(s) failed: %s workers lost", failed, MAX_RUN_ATTEMPTS)
    return failed


def _enqueue_run(organization_id: int, round_id: int) -> None:
    """Send the run's trigger once the row is committed; a broker that is down only logs."""
    transaction.on_commit(lambda: _send_run(organization_id, round_id))


def _send_run(organization_id: int, round_id: int) -> bool:
    from matching.tasks import run_match_round_task

    if task_send_once(
        run_match_round_task, (organization_id, round_id), what=f"match round {round_id}"
    ):
        return True
    # Not sent: the sweep's next pass sends it at once rather than after the grace.
    MatchRound.objects.for_org(organization_id).filter(pk=round_id).update(queued_at=None)
    return False


@transaction.atomic
def round_rerun(
    *, organization: Organization, match_round: MatchRound, actor: User | None
) -> MatchRound:
    """Run again with the current rules; approved pairs stay, as pins."""
    claimed = (
        MatchRound.objects.for_org(organization)
        .filter(pk=match_round.pk, status__in=RERUNNABLE)
        .update(
            status=RoundStatus.DRAFT,
            progress=0,
            progress_label=QUEUED_LABEL,
            error="",
            queued_at=timezone.now(),
            run_attempts=0,
            claim_token=None,
            lease_expires_at=None,
        )
    )
    if claimed != 1:
        raise DomainError(_("This round cannot be run again now."))
    _enqueue_run(organization.pk, match_round.pk)
    audit_log_record(
        organization=organization, actor=actor, action="round.rerun", target=str(match_round.pk)
    )
    match_round.refresh_from_db()
    return match_round


def _held(
    organization: Organization | int, round_id: int, token: uuid.UUID
) -> QuerySet[MatchRound]:
    return MatchRound.objects.for_org(organization).filter(
        pk=round_id, status=RoundStatus.RUNNING, claim_token=token
    )


def _progress(
    organization: Organization, round_id: int, token: uuid.UUID, percent: int, label: str
) -> None:
    # `label` is an English msgid; the progress bar translates it for whoever watches.
    # Outside the run's transaction so the browser's progress poll sees it at once. Each step
    # renews the lease, and finds out if another worker took the run over.
    if not _held(organization, round_id, token).update(
        progress=percent, progress_label=label, lease_expires_at=_lease_until()
    ):
        raise LeaseLost(round_id)


class _LeaseKeeper:
    """Renews a run's lease from a thread while the engine works between progress steps.

    The thread has its own database connection (Django's are per thread), so a renewal never
    waits for the run's transaction. The engine holds the GIL for at most 11 s at a stretch
    on the 100,000 x 20,000 benchmark cohort (measured: 0.8 s on 10,000 x 2,000), so renewals
    every quarter of the lease land long before it expires. A renewal that finds the run
    taken over stops the thread, and the run's next step notices it too.
    """

    def __init__(self, organization_id: int, round_id: int, token: uuid.UUID) -> None:
        self.organization_id, self.round_id, self.token = organization_id, round_id, token
        self.interval = _lease_seconds() / 4
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._keep, name=f"lease-round-{round_id}", daemon=True
        )

    def __enter__(self) -> _LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _keep(self) -> None:
        try:
            # A run shorter than one interval never opens the thread's connection.
            while not self._stop.wait(self.interval):
                with in_organization(self.organization_id):
                    renewed = _held(self.organization_id, self.round_id, self.token).update(
                        lease_expires_at=_lease_until()
                    )
                if not renewed:
                    logger.warning("match round %s: lease lost", self.round_id)
                    return
        except Exception:
            # The progress steps renew the lease too; a run whose thread died is not lost.
            logger.exception("match round %s: the lease thread stopped", self.round_id)
        finally:
            connection.close()


def _round_inputs(
    organization: Organization, match_round: MatchRound
) -> tuple[list, list, MatchSettings]:
    inputs = selectors.round_inputs(organization=organization, match_round=match_round)
    return inputs.mentees, inputs.mentors, inputs.settings


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


def round_claim(*, organization: Organization, round_id: int) -> uuid.UUID | None:
    """Take a run: a draft, or a running round whose worker's lease expired. One caller wins.

    Returns the claim's token, or None when the round is not there to take (finished, failed,
    or running under a live lease). A state-guarded UPDATE, no lock held: two workers given
    the same trigger never run the round at once.
    """
    token = uuid.uuid4()
    claimed = (
        MatchRound.objects.for_org(organization)
        .filter(
            Q(status=RoundStatus.DRAFT) | (_abandoned() & Q(run_attempts__lt=MAX_RUN_ATTEMPTS)),
            pk=round_id,
        )
        .update(
            status=RoundStatus.RUNNING,
            claim_token=token,
            lease_expires_at=_lease_until(),
            run_attempts=F("run_attempts") + 1,
            started_at=Now(),
            progress=5,
            progress_label="",
            error="",
        )
    )
    return token if claimed == 1 else None


def round_run(*, organization: Organization, round_id: int) -> MatchRound | None:
    """Run the engine for a draft round, or take over one whose worker was lost.

    Safe to call twice: only one call claims the round. A failure marks the round failed
    with the error and leaves everything else as it was.
    """
    token = round_claim(organization=organization, round_id=round_id)
    if token is None:
        logger.info("match round %s is not there to run (done, or running elsewhere)", round_id)
        return None
    match_round = selectors.round_get(organization=organization, round_id=round_id)
    if match_round.run_attempts > 1:
        logger.warning(
            "match round %s taken over from a lost worker (attempt %s of %s)",
            round_id,
            match_round.run_attempts,
            MAX_RUN_ATTEMPTS,
        )
    try:
        # Reading, solving and saving make objects by the hundred thousand; see gc_paused.
        with _LeaseKeeper(organization.pk, round_id, token), gc_paused():
            _progress(organization, round_id, token, 15, gettext_noop("Reading participants"))
            mentees, mentors, settings = _round_inputs(organization, match_round)
            _progress(organization, round_id, token, 35, gettext_noop("Scoring and solving"))
            learned = learned_round_for(
                organization=organization,
                cohort=match_round.cohort,
                mentees=mentees,
                mentors=mentors,
                settings=settings,
            )
            scores = learned.pair_scores if learned else None
            result = match(mentees, mentors, settings, scores)
            if learned:
                result = learned.explain(mentees, mentors, settings, result)
            _progress(
                organization, round_id, token, 70, gettext_noop("Comparing with a greedy baseline")
            )
            baseline = greedy_baseline(mentees, mentors, settings, scores)
            # The round page compares both on the objective the engine optimised.
            comparison = {
                "engine": objective_figures(mentees, mentors, settings, result),
                "baseline": objective_figures(mentees, mentors, settings, baseline),
            }
            _progress(organization, round_id, token, 85, gettext_noop("Saving proposals"))
            _save_result(organization, match_round, token, result, baseline, settings, comparison)
    except LeaseLost:
        # Another worker holds the run now and will finish it; this one leaves it alone.
        logger.warning("match round %s: lease lost to another worker; stopping", round_id)
        return None
    except Exception as error:
        logger.exception("match round %s failed", round_id)
        _held(organization, round_id, token).update(
            status=RoundStatus.FAILED,
            error=f"{error.__class__.__name__}: {error}",
            finished_at=timezone.now(),
            progress=100,
            progress_label="",
            claim_token=None,
            lease_expires_at=None,
        )
        raise
    return selectors.round_get(organization=organization, round_id=round_id)


def rounds_sweep(*, organization: Organization) -> dict[str, int]:
    """Every minute, from beat: the database says which runs must happen; send their triggers.

    A draft whose trigger no worker took within `QUEUE_GRACE` (or was never sent: broker down)
    and a running round whose worker's lease expired are queued again; a run that lost
    `MAX_RUN_ATTEMPTS` workers fails with a message the admin sees. Safe to run twice at once:
    a duplicate trigger only meets a claim that refuses it.
    """
    rounds = MatchRound.objects.for_org(organization)
    failed = _give_up_on_lost_runs(rounds)
    due = Q(queued_at__isnull=True) | Q(queued_at__lt=Now() - QUEUE_GRACE)
    # A run whose lease expired after its last trigger was sent needs one now, not a minute on.
    lost_due = due | Q(queued_at__lt=F("lease_expires_at")) | Q(lease_expires_at__isnull=True)
    with transaction.atomic():
        drafts = list(
            rounds.filter(due, status=RoundStatus.DRAFT)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        lost = list(
            rounds.filter(lost_due, _abandoned(), run_attempts__lt=MAX_RUN_ATTEMPTS)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        rounds.filter(pk__in=drafts).update(queued_at=Now())
        rounds.filter(pk__in=lost).update(
            queued_at=Now(), progress=0, progress_label=REQUEUED_LABEL
        )
        for round_id in drafts + lost:
            _enqueue_run(organization.pk, round_id)
    if drafts or lost:
        logger.warning("match rounds queued again: drafts %s, lost runs %s", drafts, lost)
    return {"failed": failed, "drafts": len(drafts), "lost": len(lost)}


@transaction.atomic
def _save_result(
    organization: Organization,
    match_round: MatchRound,
    token: uuid.UUID,
    result: MatchResult,
    baseline: MatchResult,
    settings: MatchSettings,
    comparison: dict | None = None,
) -> None:
    # The row stays locked until commit: a worker that lost its lease saves nothing.
    if not _held(organization, match_round.pk, token).update(lease_expires_at=_lease_until()):
        raise LeaseLost(match_round.pk)
    approved = set(
        MatchProposal.objects.for_org(organization)
        .filter(match_round=match_round, status=ProposalStatus.APPROVED)
        .values_list("mentee_id", "mentor_id")
    )
    MatchProposal.objects.for_org(organization).filter(match_round=match_round).delete()
    UnmatchedMentee.objects.for_org(organization).filter(match_round=match_round).delete()
    MatchProposal.objects.bulk_create(
        [
            MatchProposal(
                organization=organization,
                match_round=match_round,
                mentee_id=int(pair.mentee_id),
                mentor_id=int(pair.mentor_id),
                score=pair.score,
                factors=factors_json(pair.factors),
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
                mentee_id=int(item.mentee_id),
                slots_unfilled=item.slots_unfilled,
                reason=item.reason,
                reason_key=item.phrase.key if item.phrase else "",
                reason_params=finite_json(list(item.phrase.params)) if item.phrase else [],
            )
            for item in result.unmatched
        ]
    )
    _held(organization, match_round.pk, token).update(
        status=RoundStatus.PROPOSED,
        claim_token=None,
        lease_expires_at=None,
        total_score=result.total_score,
        matched_slots=result.matched_slots,
        demanded_slots=result.demanded_slots,
        greedy_total_score=baseline.total_score,
        greedy_matched_slots=baseline.matched_slots,
        solver_report={**_report_json(result), "comparison": finite_json(comparison or {})},
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
