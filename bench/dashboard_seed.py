"""Seed an organization at scale and time the program-health dashboard on it (issue 10).

    DJANGO_SETTINGS_MODULE=mentoring.settings.test DATABASE_URL=postgres://…/meridian_x \\
        .venv/bin/python bench/dashboard_seed.py --participants 20000 --runs 5 \\
        [--before <commit>]

Seeds once per size (an organization "bench-dash-<participants>"; run `manage.py migrate`
first), in bulk: participants joined over the last 180 days, mentorships of one mentor and one
mentee (a mentor holds up to two), five check-ins a mentorship (two planned ahead of today's),
one or two rated accounts each, a message on a third of them. Then prints JSON lines: the
seeded sizes, and for the whole dashboard and for the at-risk count and list each: wall times
(p50, p95 over --runs), queries, and the load average at the time. `--before <commit>` also
times that commit's `at_risk_count` (read from git) on the same data, for a before/after figure.
Under load a figure is the machine's, not the code's: read it next to `load`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

from analytics.dashboard import program_health  # noqa: E402
from analytics.metrics import Period, Scope, at_risk_count  # noqa: E402
from mentorships.models import (  # noqa: E402
    CheckIn,
    CheckInRecord,
    Mentorship,
    MentorshipMentee,
    Message,
)
from mentorships.selectors.at_risk import at_risk_list  # noqa: E402
from organizations.models import Organization  # noqa: E402
from participants.models import Participant  # noqa: E402
from programs.models import Cohort  # noqa: E402
from tests.factories import CohortFactory, OrganizationFactory  # noqa: E402

BATCH = 5000
STATUSES = ("active",) * 8 + ("paused", "completed")


def emit(**row: Any) -> None:
    print(json.dumps(row, default=str), flush=True)


def load() -> float:
    return os.getloadavg()[0]


def seed(participants: int) -> Organization:
    slug = f"bench-dash-{participants}"
    with scopes_disabled():
        existing = Organization.objects.filter(slug=slug).first()
        if existing is not None:
            return existing
        # The factories' types are their own, not the models they make.
        organization = cast(
            Organization, OrganizationFactory(name=f"Bench dashboard {participants}", slug=slug)
        )
        cohort = cast(Cohort, CohortFactory(program__organization=organization))
        now = timezone.now()
        mentors = participants * 3 // 10
        people = [
            Participant(
                organization=organization,
                cohort=cohort,
                email=f"p{i}@bench.test",
                full_name=f"Person {i}",
                role="mentor" if i < mentors else "mentee",
                time_zone="UTC",
                working_hours_start=dt.time(9),
                working_hours_end=dt.time(17),
                country=("GB", "ES", "IN", "US", "BR")[i % 5],
                function=("Engineering", "Sales", "Finance", "HR")[i % 4],
                seniority=1 + i % 5,
                mentor_capacity=2,
            )
            for i in range(participants)
        ]
        Participant.objects.bulk_create(people, batch_size=BATCH)
        ids = list(
            Participant.objects.filter(organization=organization)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        mentor_ids, mentee_ids = ids[:mentors], ids[mentors:]
        pairs = min(len(mentee_ids), mentors * 2, participants // 2)
        mentorships = [
            Mentorship(
                organization=organization,
                cohort=cohort,
                mentor_id=mentor_ids[i % mentors],
                started_on=(now - dt.timedelta(days=5 + i % 170)).date(),
                # Eight in ten active, one paused, one completed a few days ago.
                status=STATUSES[i % len(STATUSES)],
                ended_on=(now - dt.timedelta(days=i % 5)).date()
                if STATUSES[i % len(STATUSES)] == "completed"
                else None,
            )
            for i in range(pairs)
        ]
        Mentorship.objects.bulk_create(mentorships, batch_size=BATCH)
        MentorshipMentee.objects.bulk_create(
            [
                MentorshipMentee(organization=organization, mentorship=m, mentee_id=mentee_ids[i])
                for i, m in enumerate(mentorships)
            ],
            batch_size=BATCH,
        )
        check_ins: list[CheckIn] = []
        for i, mentorship in enumerate(mentorships):
            for k in range(5):
                # Three weekly meetings back from a few days ago, two planned ahead for some.
                weeks = (k - 3) if i % 3 == 0 else -(k + 1)
                start = now + dt.timedelta(weeks=weeks, days=-(i % 7), hours=k)
                check_ins.append(
                    CheckIn(
                        organization=organization,
                        mentorship=mentorship,
                        organizer_id=mentorship.mentor_id,
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=1),
                        time_zone="UTC",
                        ical_uid=f"bench-{mentorship.pk}-{k}@bench.test",
                        status="cancelled" if (i + k) % 17 == 0 else "scheduled",
                    )
                )
        CheckIn.objects.bulk_create(check_ins, batch_size=BATCH)
        records: list[CheckInRecord] = []
        for n, check_in in enumerate(check_ins):
            if check_in.starts_at > now or check_in.status != "scheduled":
                continue
            mentorship = mentorships[n // 5]
            who = [mentorship.mentor_id, mentee_ids[n // 5]][: 1 + n % 2]
            for j, person in enumerate(who):
                records.append(
                    CheckInRecord(
                        organization=organization,
                        check_in=check_in,
                        participant_id=person,
                        happened=(n + j) % 11 != 0,
                        rating=None if (n + j) % 7 == 0 else 1 + (n * 7 + j * 3) % 5,
                    )
                )
        CheckInRecord.objects.bulk_create(records, batch_size=BATCH)
        Message.objects.bulk_create(
            [
                Message(organization=organization, mentorship=m, author_id=m.mentor_id, body="hi")
                for i, m in enumerate(mentorships)
                if i % 3 == 0
            ],
            batch_size=BATCH,
        )
        with connection.cursor() as cursor:
            # Joined over the last 180 days; messages sent over the last 20.
            cursor.execute(
                "UPDATE participants_participant SET created_at = now() - (id %% 180) * "
                "interval '1 day' WHERE organization_id = %s",
                [organization.pk],
            )
            cursor.execute(
                "UPDATE mentorships_message SET created_at = now() - (id %% 20) * "
                "interval '1 day' WHERE organization_id = %s",
                [organization.pk],
            )
            cursor.execute("ANALYZE")
        emit(
            seeded=slug,
            participants=participants,
            mentorships=len(mentorships),
            check_ins=len(check_ins),
            records=len(records),
        )
        return organization


def timed(name: str, runs: int, call: Callable[[], Any]) -> None:
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = call()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    times.sort()
    emit(
        measure=name,
        runs=runs,
        p50_ms=round(statistics.median(times)),
        p95_ms=round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]),
        queries=queries,
        result=result if isinstance(result, int) else None,
        load=round(load(), 1),
    )


def before_at_risk_count(commit: str) -> Callable[..., int]:
    """`at_risk_count` as it was at `commit`, read from git (the whole metrics module)."""
    source = subprocess.run(  # noqa: S603 — git, with a commit the runner names
        ["git", "show", f"{commit}:analytics/metrics.py"],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType("analytics_metrics_before")
    module.__dict__["__name__"] = "analytics_metrics_before"
    sys.modules["analytics_metrics_before"] = module
    exec(compile(source, f"{commit}:analytics/metrics.py", "exec"), module.__dict__)  # noqa: S102
    return module.at_risk_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", help="a commit whose at_risk_count to time as well")
    args = parser.parse_args()
    started = time.perf_counter()
    organization = seed(args.participants)
    emit(seed_seconds=round(time.perf_counter() - started, 1), load=round(load(), 1))
    whole = Scope(organization)
    period = Period.last_days(90)
    with scope(organization=organization.pk):
        connection.force_debug_cursor = True
        timed(
            "program_health",
            args.runs,
            lambda: program_health(organization=organization, scope=whole, period=period),
        )
        timed("at_risk_count", args.runs, lambda: at_risk_count(scope=whole))
        timed("at_risk_list", args.runs, lambda: len(at_risk_list(organization=organization)))
        if args.before:
            old = before_at_risk_count(args.before)
            timed(f"at_risk_count@{args.before}", args.runs, lambda: old(scope=whole))


if __name__ == "__main__":
    main()
