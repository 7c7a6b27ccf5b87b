"""Surveys on PostgreSQL: dispatching invitations to many participants (and, added by the
results' owner, the results page of a survey with many responses).

    .venv/bin/python -m bench.surveys                                # every case, full size
    .venv/bin/python -m bench.surveys --cases dispatch --participants 2000 --two-dispatchers 1000

As bench/reminders.py: the script creates its own database (``meridian_bench_surveys_<pid>``,
owned by the app role so row-level security binds as in production), migrates it, runs the
cases named in ``CASES`` (each seeds what it needs) and drops the database at the end. Test
settings: the locmem email backend, the in-memory Celery broker.

Prints one JSON object per line. ``seconds`` is wall time of the service call, ``cpu_seconds``
this process's CPU time in it, ``queries`` the queries it sent.

Dispatch cases (``dispatch``):

- ``dispatch_batch_queries``: the whole dispatch (invite, claim, token, send) of
  ``--batch-probe`` participants with two batch sizes, rolled back: queries per batch must not
  grow with the batch.
- ``dispatch``: ``surveys_dispatch`` of one open survey to ``--participants`` people (an
  after-cohort-start schedule, both sides): invitations inserted, claimed under SKIP LOCKED,
  tokens hashed, emails and in-app notices sent; ``invitations_per_second`` (goal ≥ 2,000),
  ``duplicates`` (emails to one address twice), ``unsent``.
- ``dispatch_again``: the same scan once more sends nothing.
- ``two_dispatchers``: a fresh survey to ``--two-dispatchers`` people, dispatched by two threads
  at once, each with its own connection: ``duplicates`` must be 0 and ``shares`` add up.

Measured (2026-11-29 19:48-20:05 UTC, the lead's run at 100,000; the load rose from 1 to 11
during it as other sessions started): dispatch 487 s wall / 33.7 s CPU for 100,000 invitations
(100,000 emails and notices; 205/s wall, 2,969 per second of this process's CPU), 0 duplicates,
0 unsent, 9.97 queries per batch of 1,000; a second scan sends nothing (7 queries); two
dispatchers over 20,000: shares 10,000 + 10,000, 0 duplicates, 0 unsent.

Measured last, after inserting invitations from unnested arrays and reversing the link once
per batch (2026-11-29 20:42 UTC, 5,000 participants, load 15): dispatch 12.2 s wall / 0.86 s
CPU (410/s wall, 5,834 per CPU-second: the process's CPU per invitation halved), 0 duplicates,
0 unsent, 9.5 queries per batch; two dispatchers over 2,000: 1,000 + 1,000, 0 duplicates. The
≥ 2,000/s goal is a wall-time goal for a quiet machine; at load 15 the process got about a
tenth of a core, so it is not shown here.

Measured quiet (2026-11-29 21:37-21:39 UTC, `--cases dispatch`, load 0.1-1.5, nothing else
running): dispatch of 100,000 invitations in 40.9 s wall / 13.0 s CPU: **2,444 invitations per
second** (goal 2,000), 7,717 per CPU-second, 0 duplicates, 0 unsent, 9.97 queries per batch of
1,000 (probe: 10.1 at 100, 11.0 at 1,000); a second scan sends nothing (7 queries); two
dispatchers over 20,000: shares 10,000 + 10,000, 0 duplicates, 0 unsent, 3,452 per second.

Results case, measured quiet (2026-11-30 00:28-00:32 UTC, ``--cases results --repeat 20``,
100,000 responses, load 0.4-3: one other test process on one core), p50 / p95:

- results page cold **0.068 s / 0.151 s** (goal p95 0.3 s), 16 queries, 0.020 s in the
  database; warm 0.057 s / 0.071 s, 10 queries;
- filtered page (htmx) cold 0.121 s / 0.136 s, 13 queries; warm 0.014 s / 0.016 s;
- results API JSON cold 0.029 s / 0.040 s, 12 queries; warm 0.011 s / 0.016 s;
- results API CSV (4.4 MB: every text answer) cold 0.96 s / 1.16 s, warm 0.50 s / 0.55 s, of
  which 0.88 s is this process's CPU writing the rows (an export, not the page's goal);
- a submit 0.012 s / 0.019 s, 9 queries.

Results case (``--cases results --repeat 20``, 100,000 responses; details of the case and the
earlier figures in bench/survey_results.py). Measured **under load** (load average 8-15 on the
2 cores: about six other sessions running tests and benchmarks), so wall times are mostly the
wait for a CPU; the lead reruns it quietly. The response-rate line and the invitation totals
are now sums of invitation counts per quarter hour (2,970 count rows for 100,000 invitations
sent over 14 days and answered over 17) instead of a pass over the 100,000 invitations (0.14 s
quiet); the counts' key index has ``period`` third and the rate rows a partial index of their
own, so no read steps over the other kind's rows.

Last run (2026-11-29 23:37-23:53 UTC, load 8.5-13, everything above included):

- results page cold p50 **0.093 s / p95 0.281 s** (goal p95 0.3 s), 16 queries, 0.102 s in
  the database (slowest: the rate line's counts 0.014 s, the first page of texts 0.011 s, the
  navigation's proposal count 0.010 s: no statement grows with the survey), 0.046 s of this
  process's CPU; warm p50 0.156 s / p95 0.183 s (10 queries).
- filtered through htmx (``?country=GB&role=mentee``) cold p50 0.450 s / p95 0.560 s (13
  queries, 0.317 s in the database: the filtered page of texts 0.146 s, the sum over the
  chosen combinations' count rows 0.129 s), warm p50 0.087 s / p95 0.113 s.
- API JSON cold p50 0.133 s / p95 0.174 s (12 queries, 0.058 s in the database), warm p50
  0.039 s / p95 0.054 s.
- a submit through the answer service p50 0.162 s / p95 0.206 s (9 queries, 0.013 s CPU).

Earlier runs the same evening: before the invitation counts (the quiet run) cold p50 0.21 s /
p95 0.54 s; with the counts but ``period`` last in the key (23:00-23:12, load 13-14) cold p50
0.168 s / p95 0.400 s, 0.109 s in the database; with ``period`` third but no partial index
(23:19-23:35, load 11-15) cold p50 0.256 s / p95 0.511 s, the rate line's read 0.019 s (the
planner took the question index's ``question_id IS NULL`` range); a submit p50 0.322 s / p95
0.514 s at load 11-15 (9 queries as before: the invitation's "answered" count is one more row
of the counts' one statement; 0.016 s of this process's CPU).

EXPLAIN ANALYZE on the runs' data, as ``postgres`` during the runs (so under the same load):
the unfiltered figures 0.45 ms (49 whole-survey rows in the key's ``period IS NULL`` range;
3 ms with ``period`` last, on a copy of the counts: 2,969 rate rows read and dropped), the
anonymity rule's counts per combination 1.1 ms (1,920 rows), the rate line 2.5 ms with the
partial index (2,970 rows grouped into 33 days) against 32 ms through the question index.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench.rounds import USER_LANGUAGES, _create_database, _drop_database, _measure, _rolled_back
from bench.rounds import _emit as emit
from bench.survey_results import results_cases


def _timed(call: Callable[[], Any], profile: bool = False) -> tuple[Any, dict[str, Any]]:
    with _measure(profile) as figures:
        result = call()
    return result, figures


def _duplicates(outbox) -> int:
    counts = Counter(tuple(message.to) for message in outbox)
    return sum(count - 1 for count in counts.values() if count > 1)


def seed_program(seed: int):
    """One organization and program; cohorts are added per case."""
    from organizations.models import Organization
    from programs.models import Program, ProgramType

    organization = Organization.objects.create(name="Bench surveys", slug=f"bench-surveys-{seed}")
    program = Program.objects.create(
        organization=organization, name="Bridges", program_type=ProgramType.ONE_TO_ONE
    )
    return organization, program


def seed_cohort(organization, program, *, people: int, tag: str, seed: int):
    """A cohort that started a month ago with `people` participants (mentors and mentees in
    turn), each with an account in a language drawn from USER_LANGUAGES."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from mentoring.demo_data import _participant
    from participants.models import Participant, ParticipantRole
    from programs.models import Cohort, CohortStatus

    rng = random.Random(seed)
    today = timezone.now().date()
    cohort = Cohort.objects.create(
        organization=organization,
        program=program,
        name=f"Bench {tag}",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=150),
        enrollment_opens_at=timezone.now() - dt.timedelta(days=60),
        enrollment_closes_at=timezone.now() - dt.timedelta(days=40),
        mentor_capacity=1_000_000,
        mentee_capacity=1_000_000,
        status=CohortStatus.ACTIVE,
    )
    password = make_password(None)
    for start in range(0, people, 1000):
        batch = []
        for index in range(start, min(start + 1000, people)):
            role = ParticipantRole.MENTOR if index % 2 else ParticipantRole.MENTEE
            person = _participant(rng, organization, cohort, index, role)
            person.email = f"{tag}.{index}@people.bench.meridian.test"
            batch.append(person)
        users = User.objects.bulk_create(
            User(
                email=person.email,
                full_name=person.full_name,
                time_zone=person.time_zone,
                language=rng.choice(USER_LANGUAGES),
                password=password,
            )
            for person in batch
        )
        for person, user in zip(batch, users, strict=True):
            person.user = user
        Participant.objects.bulk_create(batch)
    return cohort


def seed_open_survey(organization, program, cohort):
    """An open survey of one question, sent to both sides of `cohort` once it has started."""
    from django.utils import timezone

    from surveys.models import Survey, SurveyQuestion, SurveySchedule, SurveySection

    survey = Survey.objects.create(
        organization=organization,
        program=program,
        name={"en": "Midpoint", "es": "Mitad del programa"},
        status="open",
        closes_at=timezone.now() + dt.timedelta(days=14),
        opened_at=timezone.now(),
    )
    section = SurveySection.objects.create(organization=organization, survey=survey)
    SurveyQuestion.objects.create(
        organization=organization, survey=survey, section=section, key="rating",
        type="scale_1_5", text={"en": "How is it going?", "es": "¿Cómo va?"}, required=True,
    )  # fmt: skip
    SurveySchedule.objects.create(
        organization=organization, survey=survey, trigger="after_cohort_start", days=0,
        audience="both", cohort=cohort,
    )  # fmt: skip
    return survey


def _dispatch(organization) -> int:
    from surveys.dispatch import surveys_dispatch

    return surveys_dispatch(organization=organization).sent


def _two_dispatchers(organization) -> tuple[list[int], float]:
    from django.db import connection

    from core.tenancy import in_organization

    shares = [0, 0]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            with in_organization(organization.pk):
                barrier.wait()
                shares[index] = _dispatch(organization)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return shares, round(time.perf_counter() - started, 3)


def dispatch_cases(args: argparse.Namespace) -> None:
    from django.core import mail
    from django_scopes import scopes_disabled

    from core.tenancy import in_organization
    from notifications.models import Notification
    from surveys import dispatch
    from surveys.models import SurveyInvitation

    started = time.perf_counter()
    with scopes_disabled():
        organization, program = seed_program(args.seed)
        probe_cohort = seed_cohort(
            organization, program, people=args.batch_probe, tag="probe", seed=args.seed
        )
        cohort = seed_cohort(
            organization, program, people=args.participants, tag="main", seed=args.seed + 1
        )
    emit(case="dispatch_seed", participants=args.participants, probe=args.batch_probe,
         seconds=round(time.perf_counter() - started, 3))  # fmt: skip

    with in_organization(organization.pk):
        # Queries per batch, on the probe cohort alone, rolled back.
        default_batch = dispatch.DISPATCH_BATCH
        for size in (100, 1000):
            dispatch.DISPATCH_BATCH = size
            try:
                mail.outbox = []
                with _rolled_back():
                    with scopes_disabled():
                        seed_open_survey(organization, program, probe_cohort)
                    sent, figures = _timed(lambda: _dispatch(organization))
            finally:
                dispatch.DISPATCH_BATCH = default_batch
            # The batches that found rows and the empty claim that ends the loop.
            batches = -(-args.batch_probe // size) + 1
            emit(
                case="dispatch_batch_queries", batch=size, invitations=sent,
                batches=batches, queries=figures["queries"],
                queries_per_batch=round(figures["queries"] / batches, 2),
            )  # fmt: skip

        with scopes_disabled():
            survey = seed_open_survey(organization, program, cohort)
        mail.outbox = []
        sent, figures = _timed(lambda: _dispatch(organization), profile=args.profile)
        batches = -(-args.participants // dispatch.DISPATCH_BATCH) + 1
        emit(
            case="dispatch", participants=args.participants, **figures, invitations=sent,
            emails=len(mail.outbox), duplicates=_duplicates(mail.outbox),
            unsent=SurveyInvitation.objects.for_org(organization)
            .filter(survey=survey, sent_at__isnull=True).count(),
            notices=Notification.objects.for_org(organization).count(),
            batch=dispatch.DISPATCH_BATCH, batches=batches,
            queries_per_batch=round(figures["queries"] / batches, 2),
            invitations_per_second=round(sent / max(figures["seconds"], 1e-6)),
            invitations_per_cpu_second=round(sent / max(figures["cpu_seconds"], 1e-6)),
        )  # fmt: skip
        mail.outbox = []
        again, figures = _timed(lambda: _dispatch(organization))
        emit(case="dispatch_again", **figures, invitations=again, emails=len(mail.outbox))

    if args.two_dispatchers:
        with scopes_disabled():
            fresh = seed_cohort(
                organization, program, people=args.two_dispatchers, tag="pair",
                seed=args.seed + 2,
            )  # fmt: skip
            fresh_survey = seed_open_survey(organization, program, fresh)
        mail.outbox = []
        shares, seconds = _two_dispatchers(organization)
        with in_organization(organization.pk):
            invitations = SurveyInvitation.objects.for_org(organization).filter(survey=fresh_survey)
            unsent = invitations.filter(sent_at__isnull=True).count()
            total = invitations.count()
        emit(
            case="two_dispatchers", participants=args.two_dispatchers, seconds=seconds,
            shares=shares, invitations=total, emails=len(mail.outbox),
            expected_emails=args.two_dispatchers, duplicates=_duplicates(mail.outbox),
            unsent=unsent, invitations_per_second=round(sum(shares) / max(seconds, 1e-6)),
        )  # fmt: skip
        mail.outbox = []


# Each case seeds what it needs in the shared database. Add a case by adding an entry.
CASES: dict[str, Callable[[argparse.Namespace], None]] = {
    "dispatch": dispatch_cases,
    "results": results_cases,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="*", choices=sorted(CASES), help="default: all")
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--batch-probe", type=int, default=2000)
    parser.add_argument(
        "--two-dispatchers", type=int, default=20_000, help="participants of the concurrent case"
    )
    parser.add_argument("--responses", type=int, default=100_000, help="for the results case")
    parser.add_argument("--repeat", type=int, default=20, help="requests per results case")
    parser.add_argument("--host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    parser.add_argument("--admin-user", default="postgres")
    parser.add_argument("--app-user", default="meridian_test")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile to stderr")
    args = parser.parse_args(argv)

    name = f"meridian_bench_surveys_{os.getpid()}"
    _create_database(args, name)
    os.environ["DATABASE_URL"] = f"postgres://{args.app_user}@{args.host}:{args.port}/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentoring.settings.test"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        emit(case="migrate", database=name, seconds=round(time.perf_counter() - started, 3))
        try:
            for case in args.cases or list(CASES):
                CASES[case](args)
        finally:
            connections.close_all()
    finally:
        _drop_database(args, name)


if __name__ == "__main__":
    main()
