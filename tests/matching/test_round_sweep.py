"""A round run is a row with a lease; the broker only carries triggers, and the sweep re-sends
the ones that were lost (docs/operations.md, "Work that must happen")."""

import datetime as dt
import threading
import time

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.tenancy import in_organization
from matching import services
from matching.models import MatchProposal, MatchRound, RoundStatus
from matching.services import rounds as round_services
from matching.tasks import run_match_round_task, sweep_match_rounds_task
from tests.celery_helpers import app_on_broker, free_port
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

LOST = "The worker stopped before the run finished. Run it again."


@pytest.fixture
def cohort(org):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    ParticipantFactory(cohort=cohort, role="mentor", skills_offered=["SQL"], seniority=4)
    ParticipantFactory(cohort=cohort, role="mentee", skills_wanted=["SQL"], seniority=1)
    return cohort


@pytest.fixture
def sent(monkeypatch):
    """The triggers handed to the broker, as (organization id, round id)."""
    triggers: list[tuple[int, int]] = []
    monkeypatch.setattr(
        round_services, "_send_run", lambda org_id, round_id: triggers.append((org_id, round_id))
    )
    return triggers


def _round(org, cohort, **fields) -> MatchRound:
    return MatchRound.objects.create(organization=org, cohort=cohort, **fields)


def _ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def _in(**delta) -> dt.datetime:
    return timezone.now() + dt.timedelta(**delta)


def _claim(org, match_round):
    with in_organization(org.pk):
        return round_services.round_claim(organization=org, round_id=match_round.pk)


def _sweep(org, django_capture_on_commit_callbacks):
    with in_organization(org.pk), django_capture_on_commit_callbacks(execute=True):
        return services.rounds_sweep(organization=org)


def _reload(match_round) -> MatchRound:
    with scopes_disabled():
        return MatchRound.objects.get(pk=match_round.pk)


# Claims ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_is_claimed_once_with_a_lease(org, cohort):
    draft = _round(org, cohort)

    token = _claim(org, draft)

    claimed = _reload(draft)
    assert token is not None and claimed.claim_token == token
    assert claimed.status == RoundStatus.RUNNING and claimed.run_attempts == 1
    lease = (claimed.lease_expires_at - timezone.now()).total_seconds()
    assert settings.MATCH_ROUND_LEASE_SECONDS - 30 < lease <= settings.MATCH_ROUND_LEASE_SECONDS
    assert _claim(org, draft) is None


@pytest.mark.django_db
def test_a_running_round_under_a_live_lease_is_not_claimed(org, cohort):
    running = _round(org, cohort, status=RoundStatus.RUNNING, lease_expires_at=_in(seconds=30))

    assert _claim(org, running) is None
    assert _reload(running).run_attempts == 0


@pytest.mark.django_db
def test_a_running_round_whose_lease_expired_is_taken_over(org, cohort):
    lost = _round(
        org, cohort, status=RoundStatus.RUNNING, lease_expires_at=_ago(seconds=1), run_attempts=1
    )

    token = _claim(org, lost)

    taken = _reload(lost)
    assert token is not None and taken.claim_token == token
    assert taken.run_attempts == 2 and taken.lease_expires_at > timezone.now()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [RoundStatus.PROPOSED, RoundStatus.FAILED])
def test_a_finished_round_is_not_claimed(org, cohort, status):
    assert _claim(org, _round(org, cohort, status=status)) is None


@pytest.mark.django_db
def test_a_run_that_lost_every_allowed_worker_is_not_claimed_again(org, cohort):
    lost = _round(
        org,
        cohort,
        status=RoundStatus.RUNNING,
        lease_expires_at=_ago(seconds=1),
        run_attempts=round_services.MAX_RUN_ATTEMPTS,
    )

    assert _claim(org, lost) is None


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_one_wins(org, cohort):
    # Each thread has its own database connection, as two worker processes do.
    draft = _round(org, cohort)
    barrier = threading.Barrier(2)
    tokens = []

    def worker():
        try:
            barrier.wait()
            tokens.append(_claim(org, draft))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len([t for t in tokens if t is not None]) == 1
    assert _reload(draft).claim_token in tokens


@pytest.mark.django_db
def test_a_worker_that_lost_its_run_to_another_saves_nothing(org, cohort, monkeypatch):
    draft = _round(org, cohort)
    real_match = round_services.match

    def taken_over_meanwhile(*args, **kwargs):
        # The lease expired and another worker claimed the run while this one was solving.
        MatchRound.objects.for_org(org).filter(pk=draft.pk).update(lease_expires_at=_ago(seconds=1))
        assert _claim(org, draft) is not None
        return real_match(*args, **kwargs)

    monkeypatch.setattr(round_services, "match", taken_over_meanwhile)

    with in_organization(org.pk):
        assert services.round_run(organization=org, round_id=draft.pk) is None

    stolen = _reload(draft)
    assert stolen.status == RoundStatus.RUNNING and stolen.run_attempts == 2
    with scopes_disabled():
        assert not MatchProposal.objects.filter(match_round=draft).exists()


@pytest.mark.django_db(transaction=True)
def test_the_lease_is_renewed_while_the_engine_works_past_it(org, cohort, settings, monkeypatch):
    settings.MATCH_ROUND_LEASE_SECONDS = 2  # renewed every 0.5 s
    draft = _round(org, cohort)
    real_match = round_services.match
    seen = {}

    def slow_match(*args, **kwargs):
        # One engine phase longer than the whole lease, with no progress step to renew it.
        time.sleep(3)
        seen["claim_while_busy"] = _claim(org, draft)
        seen["lease_left"] = (_reload(draft).lease_expires_at - timezone.now()).total_seconds()
        return real_match(*args, **kwargs)

    monkeypatch.setattr(round_services, "match", slow_match)

    with in_organization(org.pk):
        done = services.round_run(organization=org, round_id=draft.pk)

    assert seen["claim_while_busy"] is None
    assert seen["lease_left"] > 0
    assert done.status == RoundStatus.PROPOSED and done.run_attempts == 1
    assert done.claim_token is None and done.lease_expires_at is None


# The sweep -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweep_sends_again_a_draft_no_worker_took(
    org, cohort, sent, django_capture_on_commit_callbacks
):
    orphan = _round(org, cohort, queued_at=_ago(minutes=2))
    never_sent = _round(org, CohortFactory(program=cohort.program), queued_at=None)
    fresh = _round(org, CohortFactory(program=cohort.program), queued_at=_ago(seconds=10))

    result = _sweep(org, django_capture_on_commit_callbacks)

    assert sorted(sent) == [(org.pk, orphan.pk), (org.pk, never_sent.pk)]
    assert result == {"failed": 0, "drafts": 2, "lost": 0}
    assert _reload(orphan).queued_at > _ago(seconds=5)
    assert (org.pk, fresh.pk) not in sent
    # Sent a minute ago: the next pass leaves it to the worker.
    sent.clear()
    _sweep(org, django_capture_on_commit_callbacks)
    assert sent == []


@pytest.mark.django_db
def test_the_sweep_sends_again_a_run_whose_worker_was_lost_and_a_worker_finishes_it(
    org, cohort, sent, django_capture_on_commit_callbacks
):
    lost = _round(
        org,
        cohort,
        status=RoundStatus.RUNNING,
        progress=35,
        progress_label="Scoring and solving",
        lease_expires_at=_ago(seconds=1),
        run_attempts=1,
        queued_at=_ago(minutes=3),
    )
    live = _round(
        org,
        CohortFactory(program=cohort.program),
        status=RoundStatus.RUNNING,
        lease_expires_at=_in(seconds=90),
        run_attempts=1,
        queued_at=_ago(minutes=3),
    )

    _sweep(org, django_capture_on_commit_callbacks)

    assert sent == [(org.pk, lost.pk)]
    waiting = _reload(lost)
    assert waiting.progress_label == round_services.REQUEUED_LABEL and waiting.progress == 0
    assert _reload(live).status == RoundStatus.RUNNING

    run_match_round_task.apply((org.pk, lost.pk))

    done = _reload(lost)
    assert done.status == RoundStatus.PROPOSED, done.error
    assert done.run_attempts == 2 and done.matched_slots == 1


@pytest.mark.django_db
def test_the_sweep_sends_a_lost_run_at_once_and_then_waits_a_minute_between_sends(
    org, cohort, sent, django_capture_on_commit_callbacks
):
    # Queued a moment ago, claimed, and its worker died: no need to wait for the grace.
    lost = _round(
        org,
        cohort,
        status=RoundStatus.RUNNING,
        lease_expires_at=_ago(seconds=1),
        run_attempts=1,
        queued_at=_ago(seconds=20),
    )

    _sweep(org, django_capture_on_commit_callbacks)
    _sweep(org, django_capture_on_commit_callbacks)

    assert sent == [(org.pk, lost.pk)]


@pytest.mark.django_db
def test_the_sweep_gives_up_after_three_lost_workers_and_the_admin_sees_why(
    client, org, org_admin, cohort, sent, django_capture_on_commit_callbacks
):
    with scope(organization=org.pk), django_capture_on_commit_callbacks(execute=True):
        match_round = services.round_start(organization=org, cohort=cohort, actor=None)
    for attempt in range(1, round_services.MAX_RUN_ATTEMPTS + 1):
        assert _claim(org, match_round) is not None  # a worker takes it, then dies
        MatchRound.objects.for_org(org).filter(pk=match_round.pk).update(
            lease_expires_at=_ago(seconds=1), queued_at=_ago(minutes=2)
        )
        _sweep(org, django_capture_on_commit_callbacks)
        status = _reload(match_round).status
        assert status == (
            RoundStatus.FAILED
            if attempt == round_services.MAX_RUN_ATTEMPTS
            else RoundStatus.RUNNING
        )

    failed = _reload(match_round)
    assert failed.error == LOST and failed.progress == 100 and failed.finished_at
    assert len(sent) == 1 + round_services.MAX_RUN_ATTEMPTS - 1  # the start, then two re-sends
    login(client, org_admin)
    page = client.get(reverse("matching:round_detail", args=[org.slug, match_round.pk]))
    assert LOST in page.content.decode()
    # The cohort is free again.
    with scope(organization=org.pk), django_capture_on_commit_callbacks(execute=True):
        again = services.round_start(organization=org, cohort=cohort, actor=None)
    assert again.status == RoundStatus.DRAFT


@pytest.mark.django_db
def test_the_sweep_task_covers_each_organization_in_its_own_scope(
    org, other_org, cohort, sent, django_capture_on_commit_callbacks
):
    mine = _round(org, cohort, queued_at=None)
    other_cohort = CohortFactory(program=ProgramFactory(organization=other_org))
    theirs = _round(other_org, other_cohort, queued_at=_ago(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        sweep_match_rounds_task.apply()

    assert sorted(sent) == sorted([(org.pk, mine.pk), (other_org.pk, theirs.pk)])


def test_beat_runs_the_sweep_every_minute():
    from mentoring.celery import app

    (entry,) = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "matching.tasks.sweep_match_rounds_task"
    ]
    assert entry["schedule"] == 60 and entry["options"]["expires"] <= 60
    assert entry["task"] in app.tasks
    assert run_match_round_task.acks_late and run_match_round_task.reject_on_worker_lost


def test_redis_redelivers_only_after_the_longest_task():
    # The 100k x 20k benchmark round takes up to about 3 minutes end to end.
    assert settings.REDIS_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= 5 * 60
    assert settings.REDIS_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] <= 5


# Broker down ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_starting_a_round_with_the_broker_down_returns_and_the_sweep_runs_it_later(
    org, cohort, django_capture_on_commit_callbacks
):
    nothing_listens = f"redis://127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    with (
        app_on_broker(nothing_listens),
        scope(organization=org.pk),
        django_capture_on_commit_callbacks(execute=True),
    ):
        match_round = services.round_start(organization=org, cohort=cohort, actor=None)
    seconds = time.monotonic() - started

    waiting = _reload(match_round)
    assert waiting.status == RoundStatus.DRAFT and waiting.queued_at is None
    assert waiting.progress_label == round_services.QUEUED_LABEL
    assert seconds < 5

    # The broker is back (the in-memory one here): the sweep's next pass sends the trigger.
    with pytest.MonkeyPatch.context() as patch:
        triggers = []
        patch.setattr(round_services, "_send_run", lambda *ids: triggers.append(ids))
        _sweep(org, django_capture_on_commit_callbacks)
    assert triggers == [(org.pk, match_round.pk)]
    run_match_round_task.apply(triggers[0])
    assert _reload(match_round).status == RoundStatus.PROPOSED
