"""Rounds end to end on PostgreSQL: run, approve all, publish, match notifications.

    .venv/bin/python -m bench.rounds                          # 1k x 200 and 10k x 2k mentees
    .venv/bin/python -m bench.rounds --sizes 10000x2000 --profile run

The script creates its own database (``meridian_bench_<pid>``, owned by the app role so
row-level security binds as in production), migrates it, seeds one cohort per size with the
demo data's participant generator (every participant with an account, so each match sends
two emails and two in-app notices per pair), and drops the database at the end. The app
connects as ``--app-user``; only creating and dropping the database use ``--admin-user``.

Prints one JSON object per line and case. ``seconds`` is wall time of the service call alone
(Celery excluded: the publish's on-commit task goes to the in-memory broker and the
notification service is called directly), ``cpu_seconds`` this process's CPU time in it (the
database's work excluded; steadier than wall time on a busy machine), ``queries`` the
queries it sent. Baselines run in
the same process on the same rows, inside a transaction that is rolled back, and give the
``ratio`` (baseline seconds / seconds):

- ``publish_baseline``: one mentorship and its members inserted per pair, as before bulk.
- ``notify_baseline``: one ``notify()`` per person (claim, render, send one by one), on the
  first ``--notify-baseline-pairs`` mentorships, compared per message.
- ``read_baseline``: the round's people read as Participant instances and adapted (without
  the garbage collector, as ``read`` runs), against
  ``read`` (``selectors.round_inputs``, value rows); ``read_run`` is whatever
  ``rounds._round_inputs`` does in this tree.
- ``factors_asdict``: proposal factors through ``dataclasses.asdict``, against
  ``adapters.factors_json``.

The figures measured last are in docs/matching-format.md ("Rounds end to end").
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import random
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import psycopg2

SIZES = {"1000x200": (1000, 200), "10000x2000": (10000, 2000)}
# Five seats per mentor: a 10k x 2k cohort can place every mentee, so publishing makes ~10k pairs.
MENTOR_CAPACITY = 5
# People's languages: the fan-out renders per language (settings.LANGUAGES).
USER_LANGUAGES = ("", "", "en", "es")


def _emit(**fields: Any) -> None:
    print(json.dumps(fields, default=str), flush=True)


def _admin_connection(args: argparse.Namespace):
    connection = psycopg2.connect(
        host=args.host, port=args.port, user=args.admin_user, dbname="postgres"
    )
    connection.autocommit = True
    return connection


def _create_database(args: argparse.Namespace, name: str) -> None:
    admin = _admin_connection(args)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}" OWNER "{args.app_user}"')
    finally:
        admin.close()


def _drop_database(args: argparse.Namespace, name: str) -> None:
    admin = _admin_connection(args)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


@contextmanager
def _measure(profile: bool = False):
    """Wall time and queries of the block; with `profile`, cProfile's top functions to stderr.

    Queries are counted by an execute wrapper: CaptureQueriesContext keeps only the last
    9,000, and the per-pair baselines send more.
    """
    from django.db import connection

    figures: dict[str, Any] = {}
    count = [0]

    def counted(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    profiler = cProfile.Profile() if profile else None
    with connection.execute_wrapper(counted):
        start, cpu_start = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        try:
            yield figures
        finally:
            if profiler:
                profiler.disable()
            figures["seconds"] = round(time.perf_counter() - start, 3)
            figures["cpu_seconds"] = round(time.process_time() - cpu_start, 3)
    figures["queries"] = count[0]
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue(), file=sys.stderr)


@contextmanager
def _rolled_back():
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _seed(n_mentees: int, n_mentors: int, seed: int):
    """One organization and cohort with `n_mentees` mentees and `n_mentors` mentors, all with
    accounts, fields drawn by the demo data's generator."""
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from mentoring.demo_data import _participant
    from organizations.models import Organization
    from participants.models import Participant, ParticipantRole
    from programs.models import Cohort, CohortStatus, Program, ProgramType

    rng = random.Random(seed)
    slug = f"bench-{n_mentees}-{seed}"
    organization = Organization.objects.create(name=f"Bench {n_mentees}", slug=slug)
    program = Program.objects.create(
        organization=organization, name="Bridges", program_type=ProgramType.ONE_TO_ONE
    )
    now = timezone.now()
    cohort = Cohort.objects.create(
        organization=organization,
        program=program,
        name="Bench",
        starts_on=(now + dt.timedelta(days=45)).date(),
        ends_on=(now + dt.timedelta(days=225)).date(),
        enrollment_opens_at=now - dt.timedelta(days=7),
        enrollment_closes_at=now + dt.timedelta(days=30),
        mentor_capacity=n_mentors,
        mentee_capacity=n_mentees,
        status=CohortStatus.MATCHING,
    )
    password = make_password(None)
    roles = [ParticipantRole.MENTOR] * n_mentors + [ParticipantRole.MENTEE] * n_mentees
    rng.shuffle(roles)
    for start in range(0, len(roles), 2000):
        people = []
        for index, role in enumerate(roles[start : start + 2000], start):
            person = _participant(rng, organization, cohort, index, role)
            person.email = f"{slug}.{index}@people.bench.meridian.test"
            if role == ParticipantRole.MENTOR:
                person.mentor_capacity = MENTOR_CAPACITY
            people.append(person)
        users = User.objects.bulk_create(
            User(
                email=person.email,
                full_name=person.full_name,
                time_zone=person.time_zone,
                language=rng.choice(USER_LANGUAGES),
                password=password,
            )
            for person in people
        )
        for person, user in zip(people, users, strict=True):
            person.user = user
        Participant.objects.bulk_create(people)
    return organization, cohort


def _old_publish(organization, match_round) -> int:
    """Publishing as it was: one mentorship and its members per pair (the baseline)."""
    from matching.models import MatchProposal, ProposalStatus
    from mentorships.services import mentorship_create_from_match

    approved = (
        MatchProposal.objects.for_org(organization)
        .filter(match_round=match_round, status=ProposalStatus.APPROVED)
        .select_related("mentee", "mentor")
        .order_by("mentor_id", "id")
    )
    made = 0
    for proposal in approved:
        mentorship_create_from_match(
            organization=organization,
            cohort=match_round.cohort,
            mentor=proposal.mentor,
            mentees=[proposal.mentee],
            seat_role=proposal.seat_role,
            source_round_id=match_round.pk,
        )
        made += 1
    return made


def _old_notify(organization, mentorship_ids: list[int]) -> int:
    """The fan-out as it was: per person a notice, a claim, two renders and one send."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation
    from django.utils.translation import gettext as _

    from mentorships.models import Mentorship
    from notifications.services import notify

    sent = 0
    mentorships = (
        Mentorship.objects.for_org(organization)
        .filter(pk__in=mentorship_ids)
        .select_related("mentor", "mentor__user", "cohort", "cohort__program")
        .prefetch_related("mentees", "mentees__user")
    )
    for mentorship in mentorships:
        mentees = list(mentorship.mentees.all())
        for person, partners in [
            (mentorship.mentor, mentees),
            *((m, [mentorship.mentor]) for m in mentees),
        ]:
            user = person.user
            with translation.override((user.language if user else "") or None):
                text = _("You are matched in %(program)s with %(names)s.") % {
                    "program": mentorship.cohort.program.name,
                    "names": ", ".join(p.full_name for p in partners),
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
                    "site_url": settings.SITE_URL,
                },
                text=text,
                url=reverse("dashboard", kwargs={"org_slug": organization.slug}),
                idempotency_key=f"baseline:{mentorship.pk}:{person.pk}",
            )
            sent += 1
    return sent


def _instance_read(organization, match_round) -> int:
    """The round's people read as Participant instances and adapted (the path before rows)."""
    from matching import selectors
    from matching.adapters import engine_inputs

    participants = list(
        selectors.active_participants(
            organization=organization, cohort=match_round.cohort
        ).order_by("id")
    )
    mentees, mentors = engine_inputs(
        [p for p in participants if p.is_mentee], [p for p in participants if p.is_mentor]
    )
    return len(mentees) + len(mentors)


def _run_phases(organization, ran, timed) -> dict[str, Any]:
    """Read, engine, greedy baseline and factor serialisation of the round, each timed; the
    reads against their baselines. Everything it builds is gone when it returns."""
    from django.db import transaction

    from core.memory import gc_paused
    from matching import selectors
    from matching.adapters import factors_json
    from matching.engine import greedy_match, match
    from matching.services import rounds as round_services
    from matching.services.rounds import finite_json

    with transaction.atomic():
        inputs, read = timed(
            lambda: selectors.round_inputs(organization=organization, match_round=ran)
        )
        mentees, mentors, settings = inputs.mentees, inputs.mentors, inputs.settings
        result, engine = timed(lambda: match(mentees, mentors, settings))
        _greedy, greedy = timed(lambda: greedy_match(mentees, mentors, settings))
        # The run's own read (rounds._round_inputs), whatever path it takes today.
        _inputs, read_run = timed(lambda: round_services._round_inputs(organization, ran))
        with gc_paused():
            _rows, read_baseline = timed(lambda: _instance_read(organization, ran))
        transaction.set_rollback(True)
    # Both without the garbage collector, as the run saves: the serialisers' own cost.
    with gc_paused():
        _json, serialise = timed(lambda: [factors_json(p.factors) for p in result.pairs])
        _json, serialise_baseline = timed(
            lambda: [finite_json([asdict(f) for f in p.factors]) for p in result.pairs]
        )
    return {
        "read": read,
        "read_run": read_run,
        "read_baseline": read_baseline,
        "read_ratio": round(read_baseline["seconds"] / max(read["seconds"], 1e-6), 1),
        "engine": engine["seconds"],
        "greedy": greedy["seconds"],
        "factors_json": serialise["seconds"],
        "factors_asdict": serialise_baseline["seconds"],
        "factors_ratio": round(serialise_baseline["seconds"] / max(serialise["seconds"], 1e-6), 1),
    }


def _case(size: str, n_mentees: int, n_mentors: int, args: argparse.Namespace) -> None:
    from django.core import mail
    from django_scopes import scopes_disabled

    from core.tenancy import in_organization
    from matching import selectors, services
    from matching.models import MatchRound, RoundStatus
    from mentorships.models import Mentorship
    from notifications.models import Notification, SentEmail

    started = time.perf_counter()
    with scopes_disabled():
        organization, cohort = _seed(n_mentees, n_mentors, args.seed)
    _emit(size=size, case="seed", seconds=round(time.perf_counter() - started, 3))
    base = {"size": size, "mentees": n_mentees, "mentors": n_mentors}

    def emit(case: str, figures: dict[str, Any], **extra: Any) -> None:
        _emit(**base, case=case, **figures, **extra)

    def timed(call: Callable[[], Any], profile: bool = False) -> tuple[Any, dict[str, Any]]:
        with _measure(profile) as figures:
            result = call()
        return result, figures

    with in_organization(organization.pk):
        match_round = MatchRound.objects.create(organization=organization, cohort=cohort)

        # The run as the task calls it (claim, read, engine, greedy baseline, save).
        ran, figures = timed(
            lambda: services.round_run(organization=organization, round_id=match_round.pk),
            profile="run" in args.profile,
        )
        assert ran is not None and ran.status == RoundStatus.PROPOSED, ran and ran.error
        emit("run", figures, pairs=ran.matched_slots, demanded=ran.demanded_slots)

        # The same run's phases one by one, for where the time goes.
        emit("run_phases", _run_phases(organization, ran, timed))
        # A worker or a request that publishes holds no engine result: let it go.
        gc.collect()
        if args.stop_after == "run":
            return

        def approve() -> int:
            approved = services.proposal_approve_all(
                organization=organization, match_round=ran, actor=None
            )
            services.round_mark_reviewed(organization=organization, match_round=ran, actor=None)
            return approved

        approved, figures = timed(approve)
        emit("approve_all", figures, pairs=approved)
        reviewed = selectors.round_get(organization=organization, round_id=ran.pk)

        with _rolled_back():
            made, baseline = timed(lambda: _old_publish(organization, reviewed))
        emit("publish_baseline", baseline, mentorships=made)
        made, figures = timed(
            lambda: services.round_publish(
                organization=organization, match_round=reviewed, actor=None
            ),
            profile="publish" in args.profile,
        )
        emit(
            "publish",
            figures,
            mentorships=made,
            pairs_per_second=round(made / max(figures["seconds"], 1e-6)),
            ratio=round(baseline["seconds"] / max(figures["seconds"], 1e-6), 1),
        )

        if args.stop_after == "publish":
            return
        mentorship_ids = list(
            Mentorship.objects.for_org(organization)
            .filter(source_round_id=ran.pk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        mail.outbox = []
        subset = mentorship_ids[: args.notify_baseline_pairs]
        with _rolled_back():
            sent, baseline = timed(lambda: _old_notify(organization, subset))
        # Two messages per person: an email and an in-app notice.
        baseline_rate = 2 * sent / max(baseline["seconds"], 1e-6)
        emit(
            "notify_baseline",
            baseline,
            mentorships=len(subset),
            emails=len(mail.outbox),
            messages_per_second=round(baseline_rate),
        )
        mail.outbox = []
        sent, figures = timed(
            lambda: services.notify_match_published(
                organization=organization, mentorship_ids=mentorship_ids
            ),
            profile="notify" in args.profile,
        )
        emails = len(mail.outbox)
        notices = Notification.objects.for_org(organization).count()
        rate = (emails + notices) / max(figures["seconds"], 1e-6)
        emit(
            "notify",
            figures,
            mentorships=len(mentorship_ids),
            emails=emails,
            notices=notices,
            messages_per_second=round(rate),
            ratio=round(rate / max(baseline_rate, 1e-6), 1),
        )
        _again, figures = timed(
            lambda: services.notify_match_published(
                organization=organization, mentorship_ids=mentorship_ids
            )
        )
        emit(
            "notify_again",
            figures,
            new_emails=len(mail.outbox) - emails,
            new_notices=Notification.objects.for_org(organization).count() - notices,
            sent_records=SentEmail.objects.for_org(organization).count(),
        )
        mail.outbox = []


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma list of MENTEESxMENTORS")
    parser.add_argument("--host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    parser.add_argument("--admin-user", default="postgres")
    parser.add_argument("--app-user", default="meridian_test")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--notify-baseline-pairs", type=int, default=500)
    parser.add_argument(
        "--profile", default="", help="comma list of run,publish,notify: cProfile to stderr"
    )
    parser.add_argument("--stop-after", choices=["run", "publish"], help="skip the later cases")
    args = parser.parse_args(argv)
    sizes = []
    for size in args.sizes.split(","):
        mentees, mentors = (int(part) for part in size.lower().split("x"))
        sizes.append((size, mentees, mentors))

    name = f"meridian_bench_{os.getpid()}"
    _create_database(args, name)
    os.environ["DATABASE_URL"] = f"postgres://{args.app_user}@{args.host}:{args.port}/{name}"
    # Test settings: the locmem email backend, the in-memory Celery broker.
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentoring.settings.test"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        _emit(case="migrate", database=name, seconds=round(time.perf_counter() - started, 3))
        try:
            for size, mentees, mentors in sizes:
                _case(size, mentees, mentors, args)
        finally:
            connections.close_all()
    finally:
        _drop_database(args, name)


if __name__ == "__main__":
    main()
