"""The round review page of a large round on PostgreSQL: GET the first page, a filtered page,
a later page through htmx, and a bulk approve of all that match.

    .venv/bin/python -m bench.round_page                    # 1,000 and 10,000 pairs
    .venv/bin/python -m bench.round_page --pairs 1000 --repeat 3

Like bench/rounds.py it creates its own database (``meridian_bench_page_<pid>``, owned by the
app role so row-level security binds as in production), migrates it and drops it at the end.
The round is written directly (participants and proposals by ``bulk_create``, each proposal
with seven explanation factors like the engine's), so the figures are the page's alone.

Prints one JSON object per line and case: ``seconds`` is the median wall time of ``--repeat``
requests through Django's test client (the whole stack: middleware, row-level security,
selectors, templates), ``best`` the fastest, ``cpu_seconds`` the median CPU time of this
process in it (the database's work excluded; steadier than wall time on a busy machine),
``queries`` the queries of one request, ``bytes`` the response size. ``bulk_approve`` is one
POST (htmx) approving every pair a filter lists.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from typing import Any

from bench.rounds import _create_database, _drop_database, _emit, _measure

FACTORS = (
    ("text", "goals match expertise on leadership, negotiation (similarity 0.41)"),
    ("skills", "offers 2 of the 3 wanted skills: negotiation, SQL"),
    ("language", "shares English (fluent)"),
    ("hours", "37.5 h of working-hours overlap per week"),
    ("seniority", "mentor is 2 levels above the mentee (preferred 1-3)"),
    ("diversity", "different country and function"),
    ("preferences", "not ranked"),
)


def _round(pairs: int, seed: int):
    """An organization, an admin and a proposed round of `pairs` one-to-one proposals."""
    import datetime as dt

    from django.utils import timezone

    from accounts.models import User
    from matching.models import MatchProposal, MatchRound, RoundStatus, UnmatchedMentee
    from mentoring.demo_data import _participant
    from organizations.models import Membership, Organization, Role
    from participants.models import Participant, ParticipantRole
    from programs.models import Cohort, CohortStatus, Program, ProgramType

    rng = random.Random(seed)
    organization = Organization.objects.create(name=f"Page {pairs}", slug=f"page-{pairs}")
    admin = User.objects.create(email=f"admin-{pairs}@bench.meridian.test", full_name="Ada Admin")
    Membership.objects.create(organization=organization, user=admin, role=Role.ADMIN)
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
        mentor_capacity=pairs,
        mentee_capacity=pairs + pairs // 20,
        status=CohortStatus.MATCHING,
    )

    def person(index: int, role: str) -> Participant:
        # The demo data's generator: names, countries, zones and functions like real people.
        someone = _participant(rng, organization, cohort, index, role)
        someone.email = f"{role}.{index}@bench.meridian.test"
        return someone

    extra = pairs // 20  # mentees the run could not place
    mentees = Participant.objects.bulk_create(
        person(k, ParticipantRole.MENTEE) for k in range(pairs + extra)
    )
    mentors = Participant.objects.bulk_create(
        person(k, ParticipantRole.MENTOR) for k in range(pairs)
    )
    match_round = MatchRound.objects.create(
        organization=organization,
        cohort=cohort,
        status=RoundStatus.PROPOSED,
        matched_slots=pairs,
        demanded_slots=pairs + extra,
        total_score=pairs * 0.5,
        greedy_total_score=pairs * 0.47,
        greedy_matched_slots=pairs - extra,
        solver_report={"objective": "participation_first", "certified_optimal": True},
    )
    proposals = []
    for mentee, mentor in zip(mentees, mentors, strict=False):
        factors = [
            {"factor": name, "value": v, "contribution": v / 7, "text": text}
            for (name, text), v in ((f, rng.random()) for f in FACTORS)
        ]
        proposals.append(
            MatchProposal(
                organization=organization,
                match_round=match_round,
                mentee=mentee,
                mentor=mentor,
                score=sum(f["contribution"] for f in factors),
                factors=factors,
            )
        )
    MatchProposal.objects.bulk_create(proposals, batch_size=2000)
    UnmatchedMentee.objects.bulk_create(
        UnmatchedMentee(
            organization=organization,
            match_round=match_round,
            mentee=mentee,
            reason="no mentor with a free seat shares a language",
        )
        for mentee in mentees[pairs:]
    )
    return organization, admin, match_round


def _timed_get(client, url: str, repeat: int, **headers) -> dict[str, Any]:
    client.get(url, **headers)  # warm the template and URL caches
    times, cpu = [], []
    for _ in range(repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        response = client.get(url, **headers)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        assert response.status_code == 200, (url, response.status_code)
    with _measure() as figures:
        response = client.get(url, **headers)
    return {
        "seconds": round(statistics.median(times), 4),
        "best": round(min(times), 4),
        "cpu_seconds": round(statistics.median(cpu), 4),
        "queries": figures["queries"],
        "bytes": len(response.content),
    }


def _case(pairs: int, args: argparse.Namespace) -> None:
    from django.test import Client
    from django.urls import reverse
    from django_scopes import scopes_disabled

    started = time.perf_counter()
    organization, admin, match_round = _round(pairs, args.seed)
    _emit(case="seed", pairs=pairs, seconds=round(time.perf_counter() - started, 3))
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    url = reverse("matching:round_detail", args=[organization.slug, match_round.pk])
    htmx: dict[str, Any] = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "round-results"}
    filtered = f"{url}?status=proposed&min_score=0.5&reason=skills&sort=-score"
    cases = {
        "first_page": (url, {}),
        "filtered_page": (filtered, {}),
        "later_page_htmx": (f"{url}?page={max(pairs // 100, 1)}", htmx),
        "filtered_page_htmx": (filtered, htmx),
        "unmatched_tab_htmx": (f"{url}?show=unmatched", htmx),
    }
    for case, (address, headers) in cases.items():
        _emit(case=case, pairs=pairs, **_timed_get(client, address, args.repeat, **headers))
    with _measure() as figures:
        response = client.post(
            reverse("matching:round_bulk", args=[organization.slug, match_round.pk]),
            {
                "decision": "approve",
                "scope": "filtered",
                "back": "status=proposed&min_score=0.5",
            },
            **htmx,
        )
    assert response.status_code == 200
    with scopes_disabled():
        approved = match_round.proposals.filter(status="approved").count()
    _emit(case="bulk_approve", pairs=pairs, approved=approved, **figures)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", default="1000,10000", help="comma list of round sizes")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    parser.add_argument("--admin-user", default="postgres")
    parser.add_argument("--app-user", default="meridian_test")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    name = f"meridian_bench_page_{os.getpid()}"
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
            for pairs in (int(p) for p in args.pairs.split(",")):
                _case(pairs, args)
        finally:
            connections.close_all()
    finally:
        _drop_database(args, name)


if __name__ == "__main__":
    main()
