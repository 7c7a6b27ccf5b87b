"""A long-running mentorship's pages on PostgreSQL: its home, and its message thread, with 200
check-ins, 100 goals and 2,000 messages.

    .venv/bin/python -m bench.mentorship_home                       # the figures of the issue
    .venv/bin/python -m bench.mentorship_home --check-ins 20 --goals 10 --messages 200

Like bench/round_page.py it creates its own database (``meridian_bench_home_<pid>``, owned by
the app role so row-level security binds as in production), migrates it and drops it at the
end. The mentorship's history is written directly (``bulk_create``), so the figures are the
pages' alone.

Prints one JSON object per line and page: ``p50``/``p95`` are the wall times in seconds of
``--requests`` GETs through Django's test client (the whole stack: middleware, row-level
security, selectors, templates), as the mentee, after one warm-up request; ``cpu_p50`` the
median CPU time of this process (the database's work excluded; steadier on a busy machine),
``queries`` the queries of one request, ``bytes`` the response size, ``goal_seconds`` the p50
the issue asks for. A query count that grows with the history would show here first: the home
reads counts, never rows, and the thread shows the latest 50 messages (older ones on request).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
from typing import Any

from bench.rounds import _create_database, _drop_database, _emit, _measure

GOAL_SECONDS = 0.2


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the value below which `fraction` of the values lie."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def _history(check_ins: int, goals: int, messages: int, seed: int):
    """An organization, a mentor and a mentee with a mentorship of `check_ins` check-ins (three
    in four held and rated), `goals` goals with three milestones each, `messages` messages
    between the two, and the program's learning path."""
    from django.utils import timezone

    from accounts.models import User
    from mentoring.demo_data import _participant
    from mentorships.models import CheckIn, CheckInRecord, Goal, GoalStatus, Message, Milestone
    from mentorships.services import mentorship_create_from_match
    from mentorships.services.path import path_copy_starter
    from organizations.models import Membership, Organization, Role
    from participants.models import Participant
    from programs.models import Cohort, CohortStatus, Program, ProgramGoal, ProgramType

    rng = random.Random(seed)
    organization = Organization.objects.create(name="Home bench", slug="home-bench")
    program = Program.objects.create(
        organization=organization,
        name="Bridges",
        program_type=ProgramType.ONE_TO_ONE,
        goal=ProgramGoal.CROSS_CULTURAL,
    )
    now = timezone.now()
    cohort = Cohort.objects.create(
        organization=organization,
        program=program,
        name="Long run",
        starts_on=(now - dt.timedelta(days=5 * 365)).date(),
        ends_on=(now + dt.timedelta(days=365)).date(),
        enrollment_opens_at=now - dt.timedelta(days=6 * 365),
        enrollment_closes_at=now - dt.timedelta(days=5 * 365),
        mentor_capacity=10,
        mentee_capacity=10,
        status=CohortStatus.ACTIVE,
    )

    def person(email: str, name: str, role: str, zone: str) -> Participant:
        user = User.objects.create(email=email, full_name=name, time_zone=zone)
        Membership.objects.create(organization=organization, user=user, role=Role.MEMBER)
        # The demo data's generator fills the profile as enrollment would.
        someone = _participant(rng, organization, cohort, len(email), role)
        someone.user, someone.email, someone.full_name, someone.time_zone = user, email, name, zone
        someone.save()
        return someone

    mentor = person("kenji@bench.meridian.test", "Kenji Watanabe", "mentor", "Asia/Tokyo")
    mentee = person("ana@bench.meridian.test", "Ana Souza", "mentee", "America/Sao_Paulo")
    mentorship = mentorship_create_from_match(
        organization=organization, cohort=cohort, mentor=mentor, mentees=[mentee]
    )
    type(mentorship).objects.filter(pk=mentorship.pk).update(
        started_on=(now - dt.timedelta(days=5 * 365)).date()
    )
    path_copy_starter(organization=organization, program=program, starter="cross_cultural")

    held = check_ins * 3 // 4
    meetings = CheckIn.objects.bulk_create(
        CheckIn(
            organization=organization,
            mentorship=mentorship,
            organizer=mentor,
            time_zone=mentor.time_zone,
            # Weekly: the held ones before now, the rest ahead.
            starts_at=now + dt.timedelta(weeks=k - held, hours=1),
            ends_at=now + dt.timedelta(weeks=k - held, hours=1, minutes=45),
            agenda=f"Check-in {k}: what went well, what is next.",
            ical_uid=f"bench-{k}@meridian",
        )
        for k in range(check_ins)
    )
    CheckInRecord.objects.bulk_create(
        CheckInRecord(
            organization=organization,
            check_in=meeting,
            participant=member,
            happened=True,
            rating=rng.randint(3, 5),
        )
        for meeting in meetings[:held]
        for member in (mentor, mentee)
    )
    statuses = [GoalStatus.DONE, GoalStatus.IN_PROGRESS, GoalStatus.PROPOSED, GoalStatus.DROPPED]
    plan = Goal.objects.bulk_create(
        Goal(
            organization=organization,
            mentorship=mentorship,
            title=f"Goal {k}",
            description="A goal the pair agreed on.",
            target_date=(now + dt.timedelta(days=k - goals // 2)).date(),
            status=statuses[k % len(statuses)],
            proposed_by=mentee if k % 2 else mentor,
            position=k,
        )
        for k in range(goals)
    )
    Milestone.objects.bulk_create(
        Milestone(organization=organization, goal=goal, title=f"Step {n}", position=n)
        for goal in plan
        for n in range(3)
    )
    thread = Message.objects.bulk_create(
        Message(
            organization=organization,
            mentorship=mentorship,
            author=mentor if k % 2 else mentee,
            body=f"Message {k}: " + "a line of the conversation " * rng.randint(1, 6),
        )
        for k in range(messages)
    )
    # Spread over the years the mentorship has run, oldest first.
    for k, message in enumerate(thread):
        message.created_at = now - dt.timedelta(hours=(messages - k) * 12)
    Message.objects.bulk_update(thread, ["created_at"], batch_size=1000)
    return organization, mentorship, mentee


def _timed_get(client, url: str, requests: int) -> dict[str, Any]:
    client.get(url)  # warm the template and URL caches
    times, cpu = [], []
    for _ in range(requests):
        start, cpu_start = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        assert response.status_code == 200, (url, response.status_code)
    with _measure() as figures:
        response = client.get(url)
    return {
        "p50": round(statistics.median(times), 4),
        "p95": round(_percentile(times, 0.95), 4),
        "cpu_p50": round(statistics.median(cpu), 4),
        "queries": figures["queries"],
        "bytes": len(response.content),
    }


def _run(args: argparse.Namespace) -> None:
    from django.test import Client
    from django.urls import reverse
    from django_scopes import scopes_disabled

    started = time.perf_counter()
    with scopes_disabled():
        organization, mentorship, mentee = _history(
            args.check_ins, args.goals, args.messages, args.seed
        )
    sizes = {"check_ins": args.check_ins, "goals": args.goals, "messages": args.messages}
    _emit(case="seed", **sizes, seconds=round(time.perf_counter() - started, 3))
    client = Client(HTTP_HOST="localhost")
    client.force_login(mentee.user)
    pages = {
        "mentorship_home": reverse("mentorships:detail", args=[organization.slug, mentorship.pk]),
        "messages": reverse("mentorships:messages", args=[organization.slug, mentorship.pk]),
    }
    for case, url in pages.items():
        figures = _timed_get(client, url, args.requests)
        _emit(
            case=case,
            **sizes,
            requests=args.requests,
            **figures,
            goal_seconds=GOAL_SECONDS,
            within_goal=figures["p50"] <= GOAL_SECONDS,
            load=os.getloadavg()[0],
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check-ins", type=int, default=200)
    parser.add_argument("--goals", type=int, default=100)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    parser.add_argument("--admin-user", default="postgres")
    parser.add_argument("--app-user", default="meridian_test")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    name = f"meridian_bench_home_{os.getpid()}"
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
        _emit(case="migrate", database=name, seconds=round(time.perf_counter() - started, 3))
        try:
            _run(args)
        finally:
            connections.close_all()
    finally:
        _drop_database(args, name)


if __name__ == "__main__":
    main()
