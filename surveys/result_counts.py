"""The results' counts (`SurveyResultCount`): written with each submitted response, rebuilt from
the answers when rows were written some other way.

A submit adds the response's keys (the response itself, each answer's value, each question it
answered) to two rows per key: the response's combination of attributes and the survey's
`whole`. An edit after submitting adds the new keys and takes away the old ones, so only the
changed answers touch any row. Every change is one `INSERT … ON CONFLICT DO UPDATE SET n = n +
excluded.n` statement: two submits at once each add their own delta to the row, never a value
read before the other wrote. Submits to one survey also lock its row first (the results
version), which orders them; the rebuild takes the same lock, so it never interleaves with one.

The response-rate line is counted the same way: each batch of invitations sent adds its
invitations to the "invited" row of its quarter hour (`rate_period`), and each invitation's
first submit adds one to the "answered" row of its own, so the line is a sum of a few rows per
day instead of a pass over every invitation.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from organizations.models import Organization
from surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveyResultCount,
)


class CountKey(NamedTuple):
    """What a count row counts, apart from whose: see `SurveyResultCount`."""

    question_id: int | None
    statement: str
    number: int | None
    choice: str


# The response itself (the anonymity rule counts these per combination of attributes).
RESPONSE_KEY = CountKey(None, "", None, "")

# An answer row as the counts read it: question, statement, number, choice, and whether it
# holds text (a text answer counts towards "answered" only, never as a value).
AnswerRow = tuple[int, str, int | None, str, bool]

# The attribute columns of a count row, in the order `_attributes` gives them.
ATTRIBUTE_COLUMNS = ("cohort", "role", "country", "function", "seniority")
Attributes = tuple[int | None, str, str, str, int | None]
_WHOLE: Attributes = (None, "", "", "", None)

# The invitation counts of the response-rate line: invitations sent, and invitations answered
# (first submitted), per quarter hour. Every zone in use today is a whole number of quarter
# hours from UTC, so a viewer's day is exactly a run of these periods.
RATE_PERIOD_SECONDS = 15 * 60
INVITED = CountKey(None, "", None, "invited")
ANSWERED = CountKey(None, "", None, "answered")

# One row to add to: survey, whole, key, attributes, period (invitation counts only), delta.
CountRow = tuple[int, bool, CountKey, Attributes, dt.datetime | None, int]


def rate_period(moment: dt.datetime) -> dt.datetime:
    """The start of the quarter hour (UTC) that holds `moment`."""
    seconds = int(moment.timestamp()) // RATE_PERIOD_SECONDS * RATE_PERIOD_SECONDS
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def answer_row(answer: SurveyAnswer) -> AnswerRow:
    return (answer.question_id, answer.statement, answer.number, answer.choice, bool(answer.text))


def response_keys(answers: Iterable[AnswerRow]) -> Counter[CountKey]:
    """The keys one submitted response adds: itself, each non-text answer's value, and each
    question it answered once (however many rows a multiple choice or a matrix has)."""
    keys: Counter[CountKey] = Counter({RESPONSE_KEY: 1})
    answered: set[int] = set()
    for question_id, statement, number, choice, has_text in answers:
        if has_text:
            answered.add(question_id)
        elif number is not None or choice:
            keys[CountKey(question_id, statement, number, choice)] += 1
            answered.add(question_id)
    for question_id in answered:
        keys[CountKey(question_id, "", None, "")] += 1
    return keys


def _attributes(response: SurveyResponse) -> Attributes:
    return (
        response.cohort_id,
        response.role,
        response.country,
        response.function,
        response.seniority,
    )


def result_counts_change(
    *,
    organization: Organization,
    response: SurveyResponse,
    before: Iterable[AnswerRow] | None,
    after: Iterable[AnswerRow] | None,
    answered_at: dt.datetime | None = None,
) -> int:
    """Move the response's counts from its answers `before` (None: it was not counted) to
    `after` (None: it no longer counts), in the caller's transaction, which must hold the
    survey's row lock (`survey_results_changed`). `answered_at`: the moment its invitation is
    first answered, counted for the response-rate line in the same statement. Returns the rows
    written."""
    delta: dict[CountKey, int] = dict(response_keys(after)) if after is not None else {}
    if before is not None:
        for key, n in response_keys(before).items():
            delta[key] = delta.get(key, 0) - n
    changed = {key: n for key, n in delta.items() if n}
    survey_id = response.survey_id
    rows: list[CountRow] = []
    for attributes, whole in ((_attributes(response), False), (_WHOLE, True)):
        rows += [(survey_id, whole, key, attributes, None, n) for key, n in changed.items()]
    if answered_at is not None:
        rows.append((survey_id, True, ANSWERED, _WHOLE, rate_period(answered_at), 1))
    if not rows:
        return 0
    _upsert(organization, rows)
    return len(rows)


def invitations_sent_count(
    *, organization: Organization, survey_ids: Iterable[int], sent_at: dt.datetime
) -> int:
    """Add invitations just marked as sent at `sent_at` (one survey id per invitation) to the
    response-rate counts, in the caller's transaction: the one that marks them. One statement
    for a batch, one row per survey. Returns the rows written."""
    period = rate_period(sent_at)
    rows: list[CountRow] = [
        (survey_id, True, INVITED, _WHOLE, period, n)
        for survey_id, n in Counter(survey_ids).items()
    ]
    if rows:
        _upsert(organization, rows)
    return len(rows)


def _sort_key(row: CountRow) -> tuple[object, ...]:
    survey_id, whole, key, attributes, period, _n = row
    return (survey_id, whole, repr(key), repr(attributes), repr(period))


def _upsert(organization: Organization, rows: list[CountRow]) -> None:
    if connection.vendor != "postgresql":
        _upsert_each(organization, rows)
        return
    # One statement; rows in a fixed order so two writers lock shared rows in the same order.
    table = SurveyResultCount._meta.db_table
    columns = (
        "organization_id, created_at, survey_id, whole, question_id, statement, number, "
        "choice, cohort, role, country, function, seniority, period, n"
    )
    conflict = (
        "organization_id, survey_id, whole, question_id, statement, number, choice, cohort, "
        "role, country, function, seniority, period"
    )
    placeholders, params = [], []
    now = timezone.now()
    for survey_id, whole, key, attributes, period, n in sorted(rows, key=_sort_key):
        placeholders.append("(" + ", ".join(["%s"] * 15) + ")")
        params += [organization.pk, now, survey_id, whole, *key, *attributes, period, n]
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ({columns}) VALUES {", ".join(placeholders)} '  # noqa: S608
            f"ON CONFLICT ({conflict}) DO UPDATE SET n = {table}.n + EXCLUDED.n",
            params,
        )


def _upsert_each(organization: Organization, rows: list[CountRow]) -> None:
    """`_upsert` where the unique key cannot be named in ON CONFLICT (SQLite, the embedded
    default, creates no unique index whose NULLs are equal): add to each row, or create it. Safe
    there because SQLite lets one writer at a time into the database."""
    now = timezone.now()
    for survey_id, whole, key, attributes, period, n in sorted(rows, key=_sort_key):
        fields = {
            "organization_id": organization.pk,
            "survey_id": survey_id,
            "whole": whole,
            "question_id": key.question_id,
            "statement": key.statement,
            "number": key.number,
            "choice": key.choice,
            **dict(zip(ATTRIBUTE_COLUMNS, attributes, strict=True)),
            "period": period,
        }
        counts = SurveyResultCount.objects.for_org(organization).filter(**fields)
        if not counts.update(n=F("n") + n):
            SurveyResultCount.objects.create(created_at=now, n=n, **fields)


def _rebuild_rows(organization: Organization, survey: Survey) -> list[CountRow]:
    """The rows `survey_result_counts_rebuild` writes, counted in Python from the rows: the
    embedded database's path (SQLite has no GROUPING SETS), for the small data it holds."""
    deltas: Counter[tuple[bool, CountKey, Attributes, dt.datetime | None]] = Counter()
    answers: dict[uuid.UUID, list[AnswerRow]] = {}
    for answer in SurveyAnswer.objects.for_org(organization).filter(survey=survey):
        answers.setdefault(answer.response_id, []).append(answer_row(answer))
    submitted = SurveyResponse.objects.for_org(organization).filter(
        survey=survey, submitted_at__isnull=False
    )
    for response in submitted:
        for key, n in response_keys(answers.get(response.pk, [])).items():
            deltas[(False, key, _attributes(response), None)] += n
            deltas[(True, key, _WHOLE, None)] += n
    invitations = SurveyInvitation.objects.for_org(organization).filter(
        survey=survey, sent_at__isnull=False
    )
    for sent_at, answered_at in invitations.values_list("sent_at", "answered_at"):
        if sent_at is None:  # excluded by the filter; says so to the type checker
            continue
        deltas[(True, INVITED, _WHOLE, rate_period(sent_at))] += 1
        if answered_at is not None:
            deltas[(True, ANSWERED, _WHOLE, rate_period(answered_at))] += 1
    return [
        (survey.pk, whole, key, attributes, period, n)
        for (whole, key, attributes, period), n in deltas.items()
    ]


def _period_sql(column: str) -> str:
    """`rate_period` in SQL, of a column named by this module."""
    seconds = RATE_PERIOD_SECONDS
    return f"to_timestamp(floor(extract(epoch FROM {column}) / {seconds}) * {seconds})"


@transaction.atomic
def survey_result_counts_rebuild(*, organization: Organization, survey: Survey) -> int:
    """Count the survey's submitted responses and answers, and its invitations sent and
    answered per quarter hour, again from their rows, replacing the counts: for rows written
    outside the services (seeds, scripts, a restore). Locks the survey's row first, as a submit
    does, so no submit runs while the counts are replaced (a batch of invitations being sent
    meanwhile waits for this to commit, on the rows it adds to). Returns the count rows
    written."""
    # What `surveys.services.survey_results_changed` does (a new results version, the survey's
    # row locked until the end), written here because the services import this module.
    Survey.objects.for_org(organization).filter(pk=survey.pk).update(
        results_version=F("results_version") + 1
    )
    if connection.vendor != "postgresql":
        SurveyResultCount.objects.for_org(organization).filter(survey=survey).delete()
        rows = _rebuild_rows(organization, survey)
        _upsert_each(organization, rows)
        return len(rows)
    counts = SurveyResultCount._meta.db_table
    answers = SurveyAnswer._meta.db_table
    responses = SurveyResponse._meta.db_table
    attributes = "r.cohort_id, r.role, r.country, r.function, r.seniority"
    key = "k.question_id, k.statement, k.number, k.choice"
    # Per response its keys (as `response_keys` makes them), then every key counted per
    # combination of attributes and over the whole survey in one pass (GROUPING SETS). Only
    # table names are formatted in; every value is a parameter.
    sql = f"""
        WITH submitted AS (
            SELECT id, cohort_id, role, country, function, seniority FROM "{responses}"
            WHERE organization_id = %(org)s AND survey_id = %(survey)s
              AND submitted_at IS NOT NULL
        ), keys AS (
            SELECT a.response_id, a.question_id, a.statement, a.number, a.choice
            FROM "{answers}" a
            WHERE a.organization_id = %(org)s AND a.survey_id = %(survey)s AND a.text = ''
              AND (a.number IS NOT NULL OR a.choice <> '')
            UNION ALL
            SELECT DISTINCT a.response_id, a.question_id, '', NULL::smallint, ''
            FROM "{answers}" a
            WHERE a.organization_id = %(org)s AND a.survey_id = %(survey)s
              AND (a.text <> '' OR a.number IS NOT NULL OR a.choice <> '')
            UNION ALL
            SELECT id, NULL, '', NULL::smallint, '' FROM submitted
        )
        INSERT INTO "{counts}" (organization_id, created_at, survey_id, whole, question_id,
            statement, number, choice, cohort, role, country, function, seniority, n)
        SELECT %(org)s, now(), %(survey)s, GROUPING(r.cohort_id) = 1, {key},
            r.cohort_id, COALESCE(r.role, ''), COALESCE(r.country, ''),
            COALESCE(r.function, ''), r.seniority, COUNT(*)
        FROM keys k JOIN submitted r ON r.id = k.response_id
        GROUP BY GROUPING SETS (({key}, {attributes}), ({key}))
    """  # noqa: S608
    invitations = SurveyInvitation._meta.db_table
    # The rate line's counts: invitations sent and answered, per quarter hour, as
    # `invitations_sent_count` and the first submit add them (answered among the sent only).
    rate_sql = f"""
        INSERT INTO "{counts}" (organization_id, created_at, survey_id, whole, question_id,
            statement, number, choice, cohort, role, country, function, seniority, period, n)
        SELECT %(org)s, now(), %(survey)s, true, NULL, '', NULL, k.kind, NULL, '', '', '', NULL,
            k.period, COUNT(*)
        FROM (
            SELECT %(invited)s AS kind, {_period_sql("i.sent_at")} AS period
            FROM "{invitations}" i
            WHERE i.organization_id = %(org)s AND i.survey_id = %(survey)s
              AND i.sent_at IS NOT NULL
            UNION ALL
            SELECT %(answered)s, {_period_sql("i.answered_at")}
            FROM "{invitations}" i
            WHERE i.organization_id = %(org)s AND i.survey_id = %(survey)s
              AND i.sent_at IS NOT NULL AND i.answered_at IS NOT NULL
        ) k
        GROUP BY k.kind, k.period
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{counts}" WHERE organization_id = %s AND survey_id = %s',  # noqa: S608
            [organization.pk, survey.pk],
        )
        cursor.execute(sql, {"org": organization.pk, "survey": survey.pk})
        written = cursor.rowcount
        cursor.execute(
            rate_sql,
            {
                "org": organization.pk,
                "survey": survey.pk,
                "invited": INVITED.choice,
                "answered": ANSWERED.choice,
            },
        )
        return written + cursor.rowcount


def surveys_result_counts_rebuild(
    *, organization: Organization, survey_ids: Iterable[int] | None = None
) -> Mapping[int, int]:
    """Rebuild the counts of the organization's surveys (all of them, or `survey_ids`), each in
    its own transaction. Returns the rows written per survey."""
    surveys = Survey.objects.for_org(organization).order_by("pk")
    if survey_ids is not None:
        surveys = surveys.filter(pk__in=list(survey_ids))
    return {
        survey.pk: survey_result_counts_rebuild(organization=organization, survey=survey)
        for survey in surveys
    }
