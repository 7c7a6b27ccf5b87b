"""Round services change exactly the round they name: starting, running, rerunning, sweeping
and the weekly rounds leave every other round, proposal and cohort alone; a run reports each
step, stops as soon as it has lost its lease and saves nothing after; a sweep skips what
another sweep holds. Written for the mutants `scripts/mutate` found alive in
`matching/services/rounds.py` (docs/testing.md)."""

import contextlib
import datetime as dt
import json
import threading
import time
import uuid
from dataclasses import replace

import pytest
import redis
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from core.tenancy import in_organization
from matching import selectors, services
from matching.config import config_from_json
from matching.models import (
    MatchProposal,
    MatchRound,
    ProposalStatus,
    RoundStatus,
    RoundTrigger,
    UnmatchedMentee,
)
from matching.services import rounds as round_services
from mentoring.celery import app
from organizations.models import AuditLogEntry
from programs.models import Cohort, CohortStatus
from tests.celery_helpers import REDIS_URL, app_on_broker, free_port, redis_or_skip
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

SKILLS = ["SQL", "public speaking", "negotiation"]


def _people(cohort):
    """Three mentor-mentee pairs by skill, and Lone, who shares no language with anyone."""
    for number, skill in enumerate(SKILLS):
        ParticipantFactory(
            cohort=cohort,
            role="mentor",
            full_name=f"Mentor {number}",
            mentor_capacity=1,
            skills_offered=[skill],
            seniority=5,
        )
        ParticipantFactory(
            cohort=cohort,
            role="mentee",
            full_name=f"Mentee {number}",
            skills_wanted=[skill],
            seniority=1,
        )
    ParticipantFactory(
        cohort=cohort,
        role="mentee",
        full_name="Lone",
        languages=[{"code": "fi", "proficiency": "native"}],
    )
    return cohort


@pytest.fixture
def cohort(org):
    return _people(CohortFactory(program=ProgramFactory(organization=org, name="Pairs")))


@pytest.fixture
def sent(monkeypatch):
    """The triggers handed to the broker, as (organization id, round id)."""
    triggers: list[tuple[int, int]] = []
    monkeypatch.setattr(
        round_services, "_send_run", lambda org_id, round_id: triggers.append((org_id, round_id))
    )
    return triggers


def _start(org, cohort, **kwargs):
    with scope(organization=org.pk):
        return services.round_start(organization=org, cohort=cohort, **kwargs)


def _run(org, match_round):
    with in_organization(org.pk):
        return services.round_run(organization=org, round_id=match_round.pk)


def _proposed(org, cohort, sent):
    return _run(org, _start(org, cohort, actor=None))


def _reload(match_round) -> MatchRound:
    with scopes_disabled():
        return MatchRound.objects.get(pk=match_round.pk)


def _pairs(match_round):
    """(mentee, mentor, status) of each proposal of the round."""
    with scopes_disabled():
        return sorted(
            MatchProposal.objects.filter(match_round=match_round).values_list(
                "mentee__full_name", "mentor__full_name", "status"
            )
        )


def _unmatched(match_round):
    with scopes_disabled():
        return sorted(
            UnmatchedMentee.objects.filter(match_round=match_round).values_list(
                "mentee__full_name", flat=True
            )
        )


def _round(org, cohort, **fields) -> MatchRound:
    return MatchRound.objects.create(organization=org, cohort=cohort, **fields)


def _ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def _audit(org, action):
    with scopes_disabled():
        return AuditLogEntry.objects.get(organization=org, action=action)


# --- Settings and starting ------------------------------------------------------------------


@pytest.mark.django_db
def test_matching_settings_are_saved_and_audited(org, owner, cohort):
    config = replace(config_from_json(cohort.matching_settings), schedule="weekly")

    with scope(organization=org.pk):
        services.cohort_matching_config_update(
            organization=org, cohort=cohort, actor=owner, config=config
        )

    with scopes_disabled():
        stored = Cohort.objects.get(pk=cohort.pk)
    assert config_from_json(stored.matching_settings).schedule == "weekly"
    entry = _audit(org, "matching.settings")
    assert (entry.actor, entry.target) == (owner, str(cohort))


@pytest.mark.django_db
def test_another_organizations_cohort_is_neither_configured_nor_matched(
    org, other_cohort, sent, django_capture_on_commit_callbacks
):
    config = replace(config_from_json(other_cohort.matching_settings), schedule="weekly")

    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        for attempt in (
            lambda: services.cohort_matching_config_update(
                organization=org, cohort=other_cohort, actor=None, config=config
            ),
            lambda: services.round_start(organization=org, cohort=other_cohort, actor=None),
        ):
            with pytest.raises(DomainError) as refused:
                attempt()
            assert refused.value.code == "not_found"

        assert Cohort.objects.get(pk=other_cohort.pk).matching_settings == (
            other_cohort.matching_settings
        )
        assert not MatchRound.objects.exists()
    assert sent == []


@pytest.mark.django_db
def test_a_round_started_without_saying_is_for_everyone_queued_once_and_audited(
    org, owner, cohort, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        match_round = _start(org, cohort, actor=owner)

    assert match_round.newcomers_only is False
    assert match_round.trigger == RoundTrigger.ON_DEMAND
    assert match_round.status == RoundStatus.DRAFT
    assert match_round.progress_label == round_services.QUEUED_LABEL
    assert sent == [(org.pk, match_round.pk)]
    entry = _audit(org, "round.start")
    assert (entry.actor, entry.target) == (owner, str(match_round.pk))


@pytest.mark.django_db(transaction=True)
def test_two_starts_at_once_queue_one_round(org, cohort, sent, monkeypatch):
    """Each thread has its own connection. Both are held right after asking whether a round
    is active, until both have asked or two seconds pass: without the cohort's lock both
    find none and both start one; with it the second waits for the first to commit."""
    both_asked = threading.Barrier(2, timeout=2)
    active = selectors.round_active_for_cohort

    def asked_then_held(**kwargs):
        found = active(**kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_asked.wait()
        return found

    monkeypatch.setattr(selectors, "round_active_for_cohort", asked_then_held)
    outcomes = []

    def start():
        try:
            outcomes.append(_start(org, cohort, actor=None).status)
        except DomainError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == [
        "A round is already running for this cohort.",
        RoundStatus.DRAFT,
    ]
    with scopes_disabled():
        assert MatchRound.objects.filter(cohort=cohort).count() == 1


# --- The trigger ----------------------------------------------------------------------------


@contextlib.contextmanager
def _queue_of_our_own():
    """The app on the test Redis, sending to a queue no one else reads; yields its name."""
    redis_or_skip()
    queue = f"test-{uuid.uuid4().hex}"
    saved = app.conf.task_default_queue
    with app_on_broker(REDIS_URL):
        app.conf.task_default_queue = queue
        try:
            yield queue
        finally:
            app.conf.task_default_queue = saved
            redis.Redis.from_url(REDIS_URL).delete(queue)


@pytest.mark.django_db
def test_a_trigger_reaches_the_broker(org, cohort):
    draft = _round(org, cohort)

    with _queue_of_our_own() as queue:
        sent = round_services._send_run(org.pk, draft.pk)
        messages = redis.Redis.from_url(REDIS_URL).lrange(queue, 0, -1)

    assert sent is True
    (message,) = (json.loads(m) for m in messages)
    assert message["headers"]["task"] == "matching.tasks.run_match_round_task"
    assert message["headers"]["argsrepr"] == repr((org.pk, draft.pk))


@pytest.mark.django_db
def test_a_trigger_the_broker_refused_leaves_only_its_own_round_waiting_for_the_sweep(org, cohort):
    queued_at = _ago(seconds=5)
    refused = _round(org, cohort, queued_at=queued_at)
    other = _round(org, CohortFactory(program=cohort.program), queued_at=queued_at)

    with app_on_broker(f"redis://127.0.0.1:{free_port()}/0"), in_organization(org.pk):
        started = time.monotonic()
        sent = round_services._send_run(org.pk, refused.pk)
        seconds = time.monotonic() - started

    assert sent is False
    assert seconds < 1.5  # tried once: a retry would wait two seconds first
    assert _reload(refused).queued_at is None
    assert _reload(other).queued_at == queued_at


# --- Claiming and running -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_running_round_that_never_had_a_lease_is_sent_at_once_and_taken_over(
    org, cohort, sent, django_capture_on_commit_callbacks
):
    # A run started before leases existed: no lease, its trigger sent 20 seconds ago.
    old = _round(
        org, cohort, status=RoundStatus.RUNNING, run_attempts=1, queued_at=_ago(seconds=20)
    )

    with in_organization(org.pk), django_capture_on_commit_callbacks(execute=True):
        services.rounds_sweep(organization=org)
        token = round_services.round_claim(organization=org, round_id=old.pk)

    assert sent == [(org.pk, old.pk)]
    taken = _reload(old)
    assert token is not None and taken.claim_token == token
    assert (taken.run_attempts, taken.progress) == (2, 5)


@pytest.mark.django_db
def test_a_claim_takes_only_a_round_of_its_own_organization(org, other_cohort, settings):
    # No tenant scope and no row-level security: the claim's own organization filter alone.
    settings.MERIDIAN_ROW_LEVEL_SECURITY = False
    with scopes_disabled():
        foreign = _round(other_cohort.organization, other_cohort)

        assert round_services.round_claim(organization=org, round_id=foreign.pk) is None

    taken = _reload(foreign)
    assert (taken.status, taken.run_attempts, taken.claim_token) == (RoundStatus.DRAFT, 0, None)


@pytest.mark.django_db
def test_a_run_reports_each_step_and_ends_at_its_first_attempt(org, cohort, sent, monkeypatch):
    steps = []
    progress = round_services._progress

    def recorded(organization, round_id, token, percent, label):
        steps.append((percent, label))
        return progress(organization, round_id, token, percent, label)

    monkeypatch.setattr(round_services, "_progress", recorded)

    done = _proposed(org, cohort, sent)

    assert steps == [
        (15, "Reading participants"),
        (35, "Scoring and solving"),
        (70, "Comparing with a greedy baseline"),
        (85, "Saving proposals"),
    ]
    assert (done.status, done.progress, done.progress_label) == (RoundStatus.PROPOSED, 100, "")
    assert done.attempt == 1
    # The round page compares the engine with the greedy baseline on the same objective.
    assert set(done.solver_report["comparison"]) == {"engine", "baseline"}


@pytest.mark.django_db
def test_a_run_that_fails_keeps_its_error_ends_at_100_and_frees_its_claim(org, cohort, monkeypatch):
    draft = _round(org, cohort)

    def exploded(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(round_services, "match", exploded)

    with pytest.raises(RuntimeError):
        _run(org, draft)

    failed = _reload(draft)
    assert (failed.status, failed.error) == (RoundStatus.FAILED, "RuntimeError: solver exploded")
    assert (failed.progress, failed.progress_label) == (100, "")
    assert (failed.claim_token, failed.lease_expires_at) == (None, None)
    assert failed.finished_at is not None


def _taken_over(org, match_round):
    """Another worker claims the run: this worker's lease expired meanwhile."""
    MatchRound.objects.for_org(org).filter(pk=match_round.pk).update(
        lease_expires_at=_ago(seconds=1)
    )
    assert round_services.round_claim(organization=org, round_id=match_round.pk) is not None


@pytest.mark.django_db
def test_a_worker_that_lost_its_run_stops_at_its_next_step(org, cohort, monkeypatch):
    draft = _round(org, cohort)
    real_match, baselines = round_services.match, []

    def taken_over_while_solving(*args, **kwargs):
        _taken_over(org, draft)
        return real_match(*args, **kwargs)

    monkeypatch.setattr(round_services, "match", taken_over_while_solving)
    monkeypatch.setattr(round_services, "greedy_baseline", lambda *a, **k: baselines.append(a))

    assert _run(org, draft) is None

    assert baselines == []
    stolen = _reload(draft)
    assert (stolen.status, stolen.run_attempts) == (RoundStatus.RUNNING, 2)


@pytest.mark.django_db
def test_a_worker_that_lost_its_run_while_saving_saves_nothing(org, cohort, monkeypatch):
    draft = _round(org, cohort)
    progress = round_services._progress

    def taken_over_after_the_last_step(organization, round_id, token, percent, label):
        progress(organization, round_id, token, percent, label)
        if percent == 85:
            _taken_over(org, draft)

    monkeypatch.setattr(round_services, "_progress", taken_over_after_the_last_step)

    assert _run(org, draft) is None

    stolen = _reload(draft)
    assert (stolen.status, stolen.run_attempts) == (RoundStatus.RUNNING, 2)
    assert _pairs(draft) == [] and _unmatched(draft) == []


def test_figures_json_cannot_hold_become_null_everywhere_in_a_report():
    report = {
        "score": 1.5,
        "gap": float("nan"),
        "bounds": [float("inf"), 2.0, (float("-inf"), 3)],
        "nested": {"ratio": float("nan"), "name": "greedy", "count": 4},
    }

    assert round_services.finite_json(report) == {
        "score": 1.5,
        "gap": None,
        "bounds": [None, 2.0, [None, 3]],
        "nested": {"ratio": None, "name": "greedy", "count": 4},
    }


# --- Rerunning and saving -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rerun_resets_only_its_own_round_queues_it_once_and_is_audited(
    org, owner, cohort, sent, django_capture_on_commit_callbacks
):
    failed = _round(
        org,
        cohort,
        status=RoundStatus.FAILED,
        error="RuntimeError: solver exploded",
        progress=100,
        run_attempts=3,
        claim_token=uuid.uuid4(),
        lease_expires_at=_ago(seconds=1),
    )
    other = _round(
        org,
        CohortFactory(program=cohort.program),
        status=RoundStatus.FAILED,
        error="Lost",
        progress=100,
        run_attempts=3,
    )

    with scope(organization=org.pk), django_capture_on_commit_callbacks(execute=True):
        again = services.round_rerun(organization=org, match_round=failed, actor=owner)

    assert (again.status, again.progress, again.progress_label, again.error) == (
        RoundStatus.DRAFT,
        0,
        round_services.QUEUED_LABEL,
        "",
    )
    assert (again.run_attempts, again.claim_token, again.lease_expires_at) == (0, None, None)
    assert again.queued_at > _ago(seconds=30)
    assert sent == [(org.pk, failed.pk)]
    untouched = _reload(other)
    assert (untouched.status, untouched.error, untouched.run_attempts) == (
        RoundStatus.FAILED,
        "Lost",
        3,
    )
    entry = _audit(org, "round.rerun")
    assert (entry.actor, entry.target) == (owner, str(failed.pk))


@pytest.mark.django_db
@pytest.mark.parametrize("status", [RoundStatus.DRAFT, RoundStatus.RUNNING, RoundStatus.PUBLISHED])
def test_only_a_proposed_reviewed_or_failed_round_runs_again(org, cohort, sent, status):
    match_round = _round(org, cohort, status=status, progress=40)

    with scope(organization=org.pk), pytest.raises(DomainError):
        services.round_rerun(organization=org, match_round=match_round, actor=None)

    assert (_reload(match_round).status, _reload(match_round).progress) == (status, 40)


@pytest.mark.django_db
def test_a_rerun_keeps_exactly_the_approved_pairs_approved(
    org, cohort, sent, django_capture_on_commit_callbacks
):
    first = _proposed(org, cohort, sent)
    with scopes_disabled():
        kept = MatchProposal.objects.filter(match_round=first).order_by("id").first()
    with scope(organization=org.pk):
        services.proposal_decide(organization=org, proposal=kept, actor=None, approve=True)
        services.round_rerun(organization=org, match_round=first, actor=None)

    again = _run(org, first)

    pairs = _pairs(again)
    assert len(pairs) == 3 and _unmatched(again) == ["Lone"]
    approved = [(mentee, mentor) for mentee, mentor, status in pairs if status == "approved"]
    with scopes_disabled():
        assert approved == [(kept.mentee.full_name, kept.mentor.full_name)]
    assert again.attempt == 2


@pytest.mark.django_db
def test_a_new_round_of_the_cohort_leaves_the_earlier_rounds_proposals_alone(
    org, cohort, sent, django_capture_on_commit_callbacks
):
    earlier = _proposed(org, cohort, sent)
    with scopes_disabled():
        approved = MatchProposal.objects.filter(match_round=earlier).order_by("id").first()
    with scope(organization=org.pk):
        services.proposal_decide(organization=org, proposal=approved, actor=None, approve=True)
    before = (_pairs(earlier), _unmatched(earlier))

    later = _proposed(org, cohort, sent)

    assert (_pairs(earlier), _unmatched(earlier)) == before
    assert {status for _mentee, _mentor, status in _pairs(later)} == {ProposalStatus.PROPOSED}
    assert len(_pairs(later)) == 3 and _unmatched(later) == ["Lone"]


# --- The sweep ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweep_gives_up_on_a_run_after_three_lost_workers_not_before(
    org, cohort, sent, django_capture_on_commit_callbacks
):
    def lost(attempts):
        return _round(
            org,
            CohortFactory(program=cohort.program),
            status=RoundStatus.RUNNING,
            lease_expires_at=_ago(seconds=1),
            run_attempts=attempts,
            queued_at=_ago(minutes=2),
        )

    twice, thrice = lost(2), lost(3)

    with in_organization(org.pk), django_capture_on_commit_callbacks(execute=True):
        result = services.rounds_sweep(organization=org)

    assert result == {"failed": 1, "drafts": 0, "lost": 1}
    assert (_reload(twice).status, _reload(thrice).status) == (
        RoundStatus.RUNNING,
        RoundStatus.FAILED,
    )
    assert sent == [(org.pk, twice.pk)]


@pytest.mark.django_db
def test_the_sweep_leaves_the_rounds_it_does_not_send_as_they_were(
    org, cohort, sent, django_capture_on_commit_callbacks
):
    fresh_at, live_lease = _ago(seconds=10), timezone.now() + dt.timedelta(seconds=90)
    fresh = _round(org, cohort, queued_at=fresh_at)
    live = _round(
        org,
        CohortFactory(program=cohort.program),
        status=RoundStatus.RUNNING,
        progress=35,
        progress_label="Scoring and solving",
        lease_expires_at=live_lease,
        run_attempts=1,
        queued_at=_ago(minutes=3),
    )
    orphan = _round(org, CohortFactory(program=cohort.program), queued_at=None)

    with in_organization(org.pk), django_capture_on_commit_callbacks(execute=True):
        services.rounds_sweep(organization=org)

    assert sent == [(org.pk, orphan.pk)]
    assert _reload(fresh).queued_at == fresh_at
    running = _reload(live)
    assert (running.progress, running.progress_label, running.queued_at) == (
        35,
        "Scoring and solving",
        live.queued_at,
    )


@pytest.mark.django_db
def test_a_trigger_sent_just_over_a_minute_ago_is_sent_again(
    org, cohort, sent, django_capture_on_commit_callbacks
):
    orphan = _round(org, cohort, queued_at=_ago(seconds=60.3))

    with in_organization(org.pk), django_capture_on_commit_callbacks(execute=True):
        services.rounds_sweep(organization=org)

    assert sent == [(org.pk, orphan.pk)]


@pytest.mark.django_db(transaction=True)
def test_a_sweep_skips_the_rounds_another_sweep_holds(org, cohort, sent):
    orphan = _round(org, cohort, queued_at=None)
    lost = _round(
        org,
        CohortFactory(program=cohort.program),
        status=RoundStatus.RUNNING,
        lease_expires_at=_ago(seconds=1),
        run_attempts=1,
        queued_at=_ago(minutes=2),
    )
    held, release = threading.Event(), threading.Event()

    def other_sweep():
        # Holds both rows, as a sweep on another beat node does mid-pass, for up to 3 s.
        try:
            with in_organization(org.pk), transaction.atomic():
                list(
                    MatchRound.objects.for_org(org)
                    .select_for_update()
                    .filter(pk__in=[orphan.pk, lost.pk])
                )
                held.set()
                release.wait(timeout=3)
        finally:
            connection.close()

    thread = threading.Thread(target=other_sweep)
    thread.start()
    try:
        assert held.wait(timeout=10)
        started = time.monotonic()
        with in_organization(org.pk):
            result = services.rounds_sweep(organization=org)
        seconds = time.monotonic() - started
    finally:
        release.set()
        thread.join(timeout=30)

    assert result == {"failed": 0, "drafts": 0, "lost": 0}
    assert sent == []
    assert seconds < 2


# --- Weekly newcomer rounds ------------------------------------------------------------------


def _weekly(cohort, status=CohortStatus.ENROLLING):
    cohort.matching_settings = {"schedule": "weekly"}
    cohort.status = status
    cohort.save()
    return cohort


def _scheduled(org):
    with scope(organization=org.pk):
        return services.scheduled_rounds_start(organization=org)


@pytest.mark.django_db
def test_a_weekly_round_starts_a_week_after_the_last_one_not_before(
    org, cohort, sent, django_capture_on_commit_callbacks
):
    _weekly(cohort)
    last = _round(org, cohort, status=RoundStatus.PROPOSED, trigger=RoundTrigger.SCHEDULED)

    for days, expected in ((6, 0), (7.05, 1)):
        MatchRound.objects.for_org(org).filter(pk=last.pk).update(created_at=_ago(days=days))
        with django_capture_on_commit_callbacks():
            started = _scheduled(org)
        assert len(started) == expected, days


@pytest.mark.django_db
def test_each_weekly_cohort_gets_its_own_round_and_on_demand_rounds_do_not_count(
    org, cohort, sent, django_capture_on_commit_callbacks
):
    _weekly(cohort)
    _round(org, cohort, status=RoundStatus.PROPOSED, trigger=RoundTrigger.ON_DEMAND)
    second = _weekly(_people(CohortFactory(program=cohort.program)), CohortStatus.ACTIVE)
    _weekly(CohortFactory(program=cohort.program), CohortStatus.CLOSED)
    _weekly(CohortFactory(program=cohort.program), CohortStatus.DRAFT)

    with django_capture_on_commit_callbacks():
        started = _scheduled(org)

    assert sorted(r.cohort_id for r in started) == sorted([cohort.pk, second.pk])
    assert {(r.trigger, r.newcomers_only) for r in started} == {(RoundTrigger.SCHEDULED, True)}
