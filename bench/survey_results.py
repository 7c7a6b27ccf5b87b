"""The results case of bench/surveys.py: an anonymous survey with many submitted responses, its
results page, a filtered page (htmx), the API's JSON and CSV results.

    .venv/bin/python -m bench.surveys --cases results                    # 100,000 responses
    .venv/bin/python -m bench.surveys --cases results --responses 2000 --repeat 5

Runs inside bench/surveys.py's database (created, migrated and dropped there). The survey has
nine questions of every type (three 1-5 scales, NPS, single and multiple choice, short and
long text, a matrix of four statements): about 11 answer rows per response, written by
``bulk_create`` as the answer-saving service leaves them, with respondents' attributes drawn
from 4 cohorts, 3 roles, 8 countries, 6 functions and 5 seniority levels. Every respondent was
invited (one invitation each, sent over 14 days, answered over the following days).

Prints one JSON object per case: ``p50`` and ``p95`` are wall seconds over ``--repeat`` warm
requests through Django's test client (the whole stack: middleware, row-level security,
selectors, templates), ``cpu_p50`` this process's CPU time (the database's work excluded),
``queries`` the queries of one request (the same for any number of responses), ``bytes`` the
response size. ``cold_p50`` and ``cold_p95`` are over as many requests each after a cleared
cache: what every view costs on a survey being answered (each submit changes the results
version, so the next view computes everything); ``cold_queries``, ``cold_db_seconds`` (the
sum of its statements' times) and ``cold_slowest`` describe one of them. ``results_submit``
times a submit through the answer service on the big survey (its counts included).
The goal is p95 <= 0.3 s for the results page.

Before the results version and the index-only aggregates (2026-11-29, 100,000 responses, load
12-15): seed 1,581 s; page cold 3.85 s (20 queries), warm p50 0.64 s / p95 0.87 s (10 queries).
With them (20,000 responses, load 12-17): page cold 4.39 s (20 queries), warm p50 0.46 s.

Measured last, with the results' counts (2026-11-29 20:29-20:52 UTC, 100,000 responses, 1.1
million answer rows, 95,949 count rows; load 14-17 on the 2-core machine shared with seven
other sessions, so wall time is mostly the wait for a CPU: compare the CPU and database
columns): seed 1,011 s, counts rebuilt from the answers in 125 s. Results page cold p50 1.08 s
/ p95 1.57 s (17 queries, 0.077 s of this process's CPU), warm p50 0.25 s / p95 0.36 s (9);
filtered htmx cold p50 1.70 s / p95 2.27 s (15), warm p50 0.13 s / p95 0.18 s (7); API JSON
cold p50 1.04 s / p95 1.49 s (14), warm p50 0.07 s / p95 0.09 s (6). At 20,000 responses
(20:53-21:06, load ~15, after invitation totals and rate became one query): page cold p50
0.66 s / p95 1.56 s with 0.32 s in the database (16 queries; slowest: the invitations' pass
0.05 s, the counts per combination 0.035 s), filtered cold p50 0.56 s / p95 0.68 s (the sum
over the chosen combinations' count rows 0.16 s of its 0.35 s in the database), API JSON cold
p50 0.27 s, CSV with every text cold p50 1.20 s; a submit p50 0.10 s / p95 0.17 s (9 queries,
0.013 s CPU).

Measured last at 100,000 (21:09-21:20 UTC, load 8-11): seed 492 s, counts rebuilt in 62 s.
Results page cold p50 0.76 s / p95 2.75 s (16 queries, 0.082 s CPU, 0.25 s in the database, of
which 0.17 s the invitations' pass), warm p50 0.46 s / p95 0.60 s (10 queries); filtered htmx
cold p50 0.91 s / p95 1.34 s (13 queries; 1.29 s in the database: the invitations' pass 0.40 s,
the filtered page of texts 0.39 s, the sum over the chosen combinations' count rows 0.27 s),
warm p50 0.12 s / p95 0.35 s; API JSON cold p50 0.82 s / p95 1.66 s (12; 0.33 s in the
database, 0.26 s the invitations), warm p50 0.10 s / p95 0.18 s; CSV with all 40,000 texts
(4.4 MB) cold p50 5.39 s (1.18 s CPU rendering), warm p50 1.62 s; a submit p50 0.057 s / p95
0.18 s (9 queries). The cold view no longer reads an answer or a response; what is left to
grow with the survey is the pass over its invitations (one index entry each) and, filtered,
the page of texts and the combinations' rows (84,333 count rows at 20,000 responses, 95,949 at
100,000: bounded by the combinations of attributes times the answer values). The 300 ms goal
is not shown under this load: the warm page's own p50 is 0.46 s here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from typing import Any

# Rows per bulk_create: ~11 answers a response, so 4,000 responses write ~44,000 answer rows.
RESPONSES_PER_BATCH = 4000
COUNTRIES = ("GB", "FR", "BR", "JP", "IN", "US", "DE", "MX")
FUNCTIONS = ("Engineering", "Sales", "Finance", "Operations", "People", "Marketing")
STATEMENTS = ("listens", "challenges", "connects", "shares")


def _questions() -> list[dict[str, Any]]:
    from surveys.models import QuestionType

    def text(en: str) -> dict[str, str]:
        return {"en": en, "es": en}

    choices = [{"value": v, "label": text(v.title())} for v in ("yes", "unsure", "no")]
    skills = [
        {"value": v, "label": text(v.title())} for v in ("sql", "speaking", "leading", "coaching")
    ]
    return [
        {"key": "confidence", "type": QuestionType.SCALE_1_5, "text": text("Confidence")},
        {"key": "network", "type": QuestionType.SCALE_1_5, "text": text("Network growth")},
        {"key": "culture", "type": QuestionType.SCALE_1_5, "text": text("Cultural awareness")},
        {"key": "recommend", "type": QuestionType.NPS, "text": text("Recommend")},
        {
            "key": "good_match",
            "type": QuestionType.SINGLE,
            "text": text("Good match?"),
            "choices": choices,
        },
        {
            "key": "skills",
            "type": QuestionType.MULTIPLE,
            "text": text("Skills gained"),
            "choices": skills,
        },
        {"key": "highlight", "type": QuestionType.SHORT_TEXT, "text": text("One highlight")},
        {"key": "story", "type": QuestionType.LONG_TEXT, "text": text("Tell us more")},
        {
            "key": "approach",
            "type": QuestionType.MATRIX,
            "text": text("My mentor"),
            "statements": [{"key": k, "text": text(k)} for k in STATEMENTS],
        },
    ]


def _seed(responses: int, seed: int):
    """An organization, a program manager, and the survey with `responses` submitted."""
    from django.utils import timezone

    from accounts.models import User
    from organizations.models import Membership, Organization, Role
    from participants.models import Participant, ParticipantRole
    from programs.models import Cohort, CohortStatus, Program, ProgramType
    from surveys.models import (
        Survey,
        SurveyAnswer,
        SurveyInvitation,
        SurveyQuestion,
        SurveyResponse,
        SurveySection,
        SurveyStatus,
    )

    rng = random.Random(seed)
    now = timezone.now()
    organization = Organization.objects.create(name="Bench results", slug=f"bench-results-{seed}")
    manager = User.objects.create(email=f"pm-{seed}@bench.meridian.test", full_name="Pat Manager")
    Membership.objects.create(organization=organization, user=manager, role=Role.PROGRAM_MANAGER)
    program = Program.objects.create(
        organization=organization, name="Bridges", program_type=ProgramType.ONE_TO_ONE
    )
    cohorts = [
        Cohort.objects.create(
            organization=organization,
            program=program,
            name=f"Cohort {n}",
            starts_on=(now - dt.timedelta(days=120)).date(),
            ends_on=(now + dt.timedelta(days=60)).date(),
            enrollment_opens_at=now - dt.timedelta(days=150),
            enrollment_closes_at=now - dt.timedelta(days=125),
            mentor_capacity=responses,
            mentee_capacity=responses,
            status=CohortStatus.ACTIVE,
        )
        for n in range(4)
    ]
    survey = Survey.objects.create(
        organization=organization,
        program=program,
        name={"en": "End of program", "es": "Fin del programa"},
        kind="end",
        anonymous=True,
        status=SurveyStatus.OPEN,
        opens_at=now - dt.timedelta(days=20),
        closes_at=now + dt.timedelta(days=10),
    )
    section = SurveySection.objects.create(
        organization=organization, survey=survey, title={"en": "Your program"}
    )
    questions = {
        spec["key"]: SurveyQuestion.objects.create(
            organization=organization, survey=survey, section=section, position=n, **spec
        )
        for n, spec in enumerate(_questions())
    }
    roles = (ParticipantRole.MENTEE, ParticipantRole.MENTEE, ParticipantRole.MENTOR)
    first_sent = now - dt.timedelta(days=18)
    for start in range(0, responses, RESPONSES_PER_BATCH):
        size = min(RESPONSES_PER_BATCH, responses - start)
        people = []
        for k in range(start, start + size):
            cohort = cohorts[k % len(cohorts)]
            people.append(
                Participant(
                    organization=organization,
                    cohort=cohort,
                    email=f"p{k}@bench.meridian.test",
                    full_name=f"Person {k}",
                    role=rng.choice(roles),
                    languages=[{"code": "en", "proficiency": "fluent"}],
                    time_zone="UTC",
                    working_hours_start=dt.time(9),
                    working_hours_end=dt.time(17),
                    country=rng.choice(COUNTRIES),
                    function=rng.choice(FUNCTIONS),
                    seniority=rng.randint(1, 5),
                )
            )
        people = Participant.objects.bulk_create(people)
        invitations, rows = [], []
        for person in people:
            sent = first_sent + dt.timedelta(minutes=rng.randint(0, 14 * 24 * 60))
            answered = sent + dt.timedelta(minutes=rng.randint(5, 3 * 24 * 60))
            invitations.append(
                SurveyInvitation(
                    organization=organization,
                    survey=survey,
                    participant=person,
                    role=person.role,
                    sent_at=sent,
                    answered_at=answered,
                    expires_at=survey.closes_at,
                )
            )
            day = answered.replace(hour=0, minute=0, second=0, microsecond=0)
            rows.append(
                SurveyResponse(
                    organization=organization,
                    survey=survey,
                    respondent_key=f"{person.pk:064d}",
                    cohort_id=person.cohort_id,
                    role=person.role,
                    country=str(person.country),
                    function=person.function,
                    seniority=person.seniority,
                    submitted_at=day,
                    updated_at=day,
                    created_at=day,
                )
            )
        SurveyInvitation.objects.bulk_create(invitations)
        SurveyResponse.objects.bulk_create(rows)
    # The ~11 answer rows a response gets are drawn by PostgreSQL (INSERT … SELECT, one
    # statement per question): building 1.1 million model objects in Python took most of the
    # 26 minutes the seed used to take.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        for statement, params in _answer_inserts(organization, survey, questions):
            cursor.execute(statement, params)
        # What autovacuum does soon after a bulk load: statistics (without them the planner
        # takes the fresh tables for empty) and the visibility map (index-only scans need it).
        for model in (Participant, SurveyInvitation, SurveyResponse, SurveyAnswer):
            cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
    return organization, manager, survey


def _answer_inserts(organization, survey, questions) -> list[tuple[str, list[Any]]]:
    """INSERT … SELECT statements writing every response's answers, drawn as the Python seed
    drew them: scales 2-5 leaning high, NPS leaning promoter, "yes" three times in five, two of
    four skills, a highlight from 30% and a story from 10%, three matrix statements 1-5."""
    from surveys.models import SurveyAnswer, SurveyResponse

    answers = SurveyAnswer._meta.db_table
    responses = SurveyResponse._meta.db_table
    columns = (
        f'INSERT INTO "{answers}" (id, organization_id, created_at, survey_id, response_id, '
        "question_id, statement, number, choice, text) "
    )
    # random() per row: each response draws its own value.
    source = f'FROM "{responses}" r WHERE r.organization_id = %s AND r.survey_id = %s'

    def insert(key: str, statement: str, number: str, choice: str, text: str, tail: str = ""):
        return (
            columns + "SELECT gen_random_uuid(), r.organization_id, r.created_at, r.survey_id, "
            f"r.id, %s, {statement}, {number}, {choice}, {text} {source} {tail}",
            [questions[key].pk, organization.pk, survey.pk],
        )

    def pick(values: tuple[object, ...]) -> str:
        listed = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values)
        return f"(ARRAY[{listed}])[1 + floor(random() * {len(values)})::int]"

    statements = [
        insert(key, "''", pick((2, 3, 4, 4, 5, 5)), "''", "''")
        for key in ("confidence", "network", "culture")
    ]
    statements.append(insert("recommend", "''", pick((3, 6, 7, 8, 9, 9, 10, 10)), "''", "''"))
    statements.append(
        insert("good_match", "''", "NULL", pick(("yes", "yes", "yes", "unsure", "no")), "''")
    )
    # Two distinct skills of four: one of the six pairs (k), its first and second member.
    firsts = "ARRAY['sql', 'sql', 'sql', 'speaking', 'speaking', 'leading']"
    seconds = "ARRAY['speaking', 'leading', 'coaching', 'leading', 'coaching', 'coaching']"
    skill_sql, skill_params = insert("skills", "''", "NULL", "s.choice", "''")
    skill_sql = skill_sql.replace(
        source,
        f"FROM (SELECT r.*, 1 + floor(random() * 6)::int AS k {source}) r "
        f"CROSS JOIN LATERAL unnest(ARRAY[({firsts})[r.k], ({seconds})[r.k]]) AS s(choice)",
    )
    statements.append((skill_sql, skill_params))
    statements.append(
        insert(
            "highlight", "''", "NULL", "''", "'Regular check-ins with clear goals'",
            "AND random() < 0.3",
        )
    )  # fmt: skip
    story = "My mentor helped me prepare for a new role. " * 3
    statements.append(insert("story", "''", "NULL", "''", f"'{story}'", "AND random() < 0.1"))
    matrix_sql, matrix_params = insert(
        "approach", "s.key", "1 + floor(random() * 5)::int", "''", "''"
    )
    matrix_sql = matrix_sql.replace(
        source, source.replace(" WHERE", ", unnest(%s::varchar[]) AS s(key) WHERE")
    )
    statements.append((matrix_sql, [matrix_params[0], list(STATEMENTS[:3]), *matrix_params[1:]]))
    return statements


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))], 4)


def _timing(timings: list[tuple[float, str]]):
    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - start, sql))

    return timed


def _timed(client, url: str, repeat: int, **headers: Any) -> dict[str, Any]:
    from django.core.cache import cache
    from django.db import connection

    from bench.rounds import _measure

    # Cold: every view after a submit computes everything (the submit changes the results
    # version), so on a survey being answered this is what people wait for. Each cold request
    # follows a cleared cache; warm ones reuse the first's results.
    cold_times, cold_cpu = [], []
    for _ in range(repeat):
        cache.clear()
        start, cpu_start = time.perf_counter(), time.process_time()
        response = client.get(url, **headers)
        cold_times.append(time.perf_counter() - start)
        cold_cpu.append(time.process_time() - cpu_start)
        assert response.status_code == 200, (url, response.status_code)
    cache.clear()
    timings: list[tuple[float, str]] = []
    with _measure() as cold, connection.execute_wrapper(_timing(timings)):
        client.get(url, **headers)
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
        "cold_p50": _percentile(cold_times, 0.5),
        "cold_p95": _percentile(cold_times, 0.95),
        "cold_cpu_p50": round(statistics.median(cold_cpu), 4),
        "cold_queries": cold["queries"],
        # Where a cold view's database time goes: the sum, and the slowest statement's start.
        "cold_db_seconds": round(sum(seconds for seconds, _sql in timings), 4),
        "cold_slowest": [
            (round(seconds, 4), sql[:90]) for seconds, sql in sorted(timings, reverse=True)[:3]
        ],
        "p50": _percentile(times, 0.5),
        "p95": _percentile(times, 0.95),
        "cpu_p50": round(statistics.median(cpu), 4),
        "queries": figures["queries"],
        "bytes": len(response.content),
    }


def _submits(organization, survey, repeat: int) -> dict[str, Any]:
    """`repeat` new respondents submit through the answer service (counts included)."""
    import secrets

    from django.utils import timezone

    from bench.rounds import _measure
    from core.tenancy import in_organization
    from participants.models import Participant
    from surveys.models import SurveyInvitation
    from surveys.services import response_save, token_hash

    template = Participant.objects.for_org(organization).order_by("pk").first()
    assert template is not None
    answers = {
        "confidence": 4, "network": 5, "culture": 3, "recommend": 9, "good_match": "yes",
        "skills": ["sql", "coaching"], "highlight": "Clear goals",
        "approach": {"listens": 5, "challenges": 4, "connects": 4},
    }  # fmt: skip
    times, cpu, queries = [], [], []
    with in_organization(organization.pk):
        for k in range(repeat):
            person = Participant.objects.for_org(organization).get(pk=template.pk)
            person.pk = None
            person.email = f"submit{k}@bench.meridian.test"
            person.save()
            token = secrets.token_urlsafe(32)
            invitation = SurveyInvitation.objects.create(
                organization=organization, survey=survey, participant=person, role=person.role,
                token_hash=token_hash(token), sent_at=timezone.now(),
                expires_at=survey.closes_at,
            )  # fmt: skip
            with _measure() as figures:
                response_save(
                    organization=organization, invitation=invitation, token=token,
                    answers=answers, submit=True,
                )  # fmt: skip
            times.append(figures["seconds"])
            cpu.append(figures["cpu_seconds"])
            queries.append(figures["queries"])
    return {
        "p50": _percentile(times, 0.5),
        "p95": _percentile(times, 0.95),
        "cpu_p50": round(statistics.median(cpu), 4),
        "queries": max(queries),
    }


def results_case(args: argparse.Namespace, emit) -> None:
    """Seeds the survey, then times the results page and the API's results."""
    from django.test import Client
    from django.urls import reverse

    from organizations.models import OrganizationAPIKey

    responses = getattr(args, "responses", 100_000)
    repeat = getattr(args, "repeat", 20)
    started = time.perf_counter()
    organization, manager, survey = _seed(responses, getattr(args, "seed", 7))
    emit(case="results_seed", responses=responses, seconds=round(time.perf_counter() - started, 1))
    # The seed writes answers around the services, as a restore or an import would: their
    # counts are made once from the answers (what the first view would otherwise do).
    from django.db import connection

    from core.tenancy import in_organization
    from surveys.models import SurveyResultCount
    from surveys.result_counts import survey_result_counts_rebuild

    started = time.perf_counter()
    with in_organization(organization.pk):
        rows = survey_result_counts_rebuild(organization=organization, survey=survey)
    with connection.cursor() as cursor:
        cursor.execute(f'VACUUM (ANALYZE) "{SurveyResultCount._meta.db_table}"')
    emit(case="results_counts_rebuild", responses=responses, count_rows=rows,
         seconds=round(time.perf_counter() - started, 1))  # fmt: skip

    client = Client(HTTP_HOST="localhost")
    client.force_login(manager)
    page = reverse("surveys:results", args=[organization.slug, survey.pk])
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "survey-results"}
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="bench", organization=organization, scopes=["reports:read"]
    )
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    api_url = f"/api/v1/surveys/{survey.pk}/results/"
    for case, client_used, url, headers in (
        ("results_page", client, page, {}),
        ("results_page_filtered_htmx", client, f"{page}?country=GB&role=mentee", htmx),
        ("results_api_json", api, api_url, {}),
        ("results_api_csv", api, f"{api_url}?format=csv", {}),
    ):
        emit(
            case=case,
            responses=responses,
            goal_p95=0.3,
            **_timed(client_used, url, repeat, **headers),
        )
    # The write side of the counts: a submit's cost on the big survey.
    emit(case="results_submit", responses=responses, **_submits(organization, survey, repeat))


def results_cases(args: argparse.Namespace) -> None:
    """The entry of bench/surveys.py's CASES."""
    from bench.rounds import _emit

    results_case(args, _emit)


def main(argv: list[str] | None = None) -> None:
    """This case alone, in its own database (bench/surveys.py runs it beside the others)."""
    import os

    from bench.rounds import _create_database, _drop_database, _emit

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    parser.add_argument("--admin-user", default="postgres")
    parser.add_argument("--app-user", default="meridian_test")
    args = parser.parse_args(argv)

    name = f"meridian_bench_survey_results_{os.getpid()}"
    _create_database(args, name)
    os.environ["DATABASE_URL"] = f"postgres://{args.app_user}@{args.host}:{args.port}/{name}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentoring.settings.test"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        try:
            results_case(args, _emit)
        finally:
            connections.close_all()
    finally:
        _drop_database(args, name)


if __name__ == "__main__":
    main()
