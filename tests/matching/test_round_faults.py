"""Faults, for real: a worker process killed mid-run and a Redis server stopped under a start.

Each test starts its own `redis-server` and `celery worker` processes (tests/celery_helpers.py)
on the test database, so what the test committed is what the workers see. The sweep is
called by the test every half second, as beat calls it every minute.
"""

import random
import time

import pytest
import redis
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from matching import services
from matching.models import MatchRound, RoundStatus
from matching.services import rounds as round_services
from matching.tasks import sweep_match_rounds_task
from participants.models import Participant
from tests.celery_helpers import RedisServer, WorkerProcess, app_on_broker, wait_for
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

# Workers renew their lease every second and lose it 8 s after they die (120 s in production):
# the test waits seconds for what production waits two minutes for. Shorter leases expire under
# a loaded machine while the worker is merely slow, which counts as a lost worker.
LEASE_SECONDS = "8"
SKILLS = [
    "SQL", "negotiation", "public speaking", "python", "leadership", "hiring", "budgeting",
    "forecasting", "coaching", "security", "design systems", "pricing", "storytelling",
    "statistics", "operations", "logistics",
]  # fmt: skip
PLACES = [
    ("GB", "Europe/London"), ("JP", "Asia/Tokyo"), ("BR", "America/Sao_Paulo"),
    ("US", "America/New_York"), ("IN", "Asia/Kolkata"), ("DE", "Europe/Berlin"),
]  # fmt: skip
FUNCTIONS = ["Engineering", "Sales", "Finance", "People", "Marketing", "Operations"]


def _cohort(org, mentees: int, mentors: int):
    """A cohort of varied people; 3,000 x 1,000 takes a worker about 4 s to match."""
    rng = random.Random(7)
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    people = []
    for index in range(mentees + mentors):
        mentor = index < mentors
        country, zone = rng.choice(PLACES)
        skills = rng.sample(SKILLS, 4)
        people.append(
            ParticipantFactory.build(
                organization=org,
                cohort=cohort,
                email=f"person{index}@faults.test",
                full_name=f"Person {index}",
                role="mentor" if mentor else "mentee",
                skills_offered=skills[:3] if mentor else [],
                skills_wanted=[] if mentor else skills[:2],
                goals=f"Get better at {skills[0]} and {skills[1]}.",
                country=country,
                time_zone=zone,
                function=rng.choice(FUNCTIONS),
                seniority=rng.randint(4, 7) if mentor else rng.randint(1, 3),
                mentor_capacity=3 if mentor else 1,
            )
        )
    Participant.objects.bulk_create(people)
    return cohort


def _get(match_round) -> MatchRound:
    with scopes_disabled():
        return MatchRound.objects.get(pk=match_round.pk)


def _finished(match_round) -> MatchRound | None:
    current = _get(match_round)
    return current if current.status not in (RoundStatus.DRAFT, RoundStatus.RUNNING) else None


@pytest.fixture
def processes(tmp_path):
    """Start Redis and workers through it; everything started is killed at the end."""
    started: list = []

    class Processes:
        def redis(self) -> RedisServer:
            server = RedisServer(tmp_path).start()
            started.append(server)
            return server

        def worker(self, server: RedisServer, name: str) -> WorkerProcess:
            worker = WorkerProcess(
                server.url, tmp_path, name, MATCH_ROUND_LEASE_SECONDS=LEASE_SECONDS
            ).start()
            started.append(worker)
            return worker

    yield Processes()
    for process in reversed(started):
        process.stop()
    for log in sorted(tmp_path.glob("worker-*.log")):
        print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")


def _sweep_until(match_round, seconds: float) -> MatchRound:
    """Beat's job, sped up: sweep every half second until the round has finished."""

    def swept_and_finished():
        sweep_match_rounds_task.apply()
        return _finished(match_round) or time.sleep(0.5)

    return wait_for(swept_and_finished, seconds=seconds)


def test_a_round_whose_worker_is_killed_mid_run_is_finished_by_another_worker(
    org, processes, capsys
):
    cohort = _cohort(org, mentees=3000, mentors=1000)
    server = processes.redis()
    first = processes.worker(server, "first")

    with app_on_broker(server.url):
        with scope(organization=org.pk):
            match_round = services.round_start(organization=org, cohort=cohort, actor=None)
        # Mid-run: the worker claimed the round and is scoring and solving.
        wait_for(lambda: _get(match_round).progress >= 35, seconds=120)
        first.kill()
        killed_at = time.monotonic()

        stuck = _get(match_round)
        assert stuck.status == RoundStatus.RUNNING and stuck.progress < 100
        assert stuck.run_attempts == 1
        # The message waits in Redis, unacknowledged, for the visibility timeout: nothing
        # would run the round again for 10 minutes without the sweep.
        assert redis.Redis.from_url(server.url).hlen("unacked") == 1

        processes.worker(server, "second")
        done = _sweep_until(match_round, seconds=120)
        seconds = time.monotonic() - killed_at

    assert done.status == RoundStatus.PROPOSED, done.error
    assert done.matched_slots == 3000 and done.progress == 100
    assert done.run_attempts == 2  # taken over once, by the second worker
    assert seconds < 120
    with capsys.disabled():
        print(f"\nround finished {seconds:.1f} s after its worker died (lease {LEASE_SECONDS} s)")


def test_rounds_started_during_a_redis_outage_run_once_redis_is_back(
    client, org, org_admin, processes, capsys
):
    before, during = (CohortFactory(program=ProgramFactory(organization=org)) for _ in range(2))
    for cohort in (before, during):
        ParticipantFactory(cohort=cohort, role="mentor", skills_offered=["SQL"], seniority=4)
        ParticipantFactory(cohort=cohort, role="mentee", skills_wanted=["SQL"], seniority=1)
    server = processes.redis()
    login(client, org_admin)

    with app_on_broker(server.url):
        # Queued just before the outage: the message is in Redis, which then loses it.
        with scope(organization=org.pk):
            queued = services.round_start(organization=org, cohort=before, actor=None)
        assert redis.Redis.from_url(server.url).llen("celery") == 1
        server.stop()

        started = time.monotonic()
        response = client.post(reverse("matching:round_start", args=[org.slug, during.pk]))
        seconds = time.monotonic() - started

        assert response.status_code == 302
        with scopes_disabled():
            orphan = MatchRound.objects.get(cohort=during)
        assert orphan.status == RoundStatus.DRAFT and orphan.queued_at is None
        assert seconds < 5
        page = client.get(response["Location"]).content.decode()
        assert "Queued; waiting for a worker" in page

        server.start()
        processes.worker(server, "after-outage")
        # A minute passes: the trigger sent before the outage has had its chance.
        with scopes_disabled():
            MatchRound.objects.filter(pk=queued.pk).update(
                queued_at=_get(queued).queued_at - round_services.QUEUE_GRACE
            )
        done = [_sweep_until(r, seconds=60) for r in (orphan, queued)]

    assert [r.status for r in done] == [RoundStatus.PROPOSED, RoundStatus.PROPOSED]
    assert [r.matched_slots for r in done] == [1, 1]
    with capsys.disabled():
        print(f"\nstart with Redis down answered in {seconds:.2f} s")
