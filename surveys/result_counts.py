"""The results' counts (`SurveyResultCount`): written with each submitted response, rebuilt from
the answers when rows were written some other way.

A submit adds the response's keys (the response itself, each answer's value, each question it
answered) to two rows per key: the response's combination of attributes and the survey's
`whole`. An edit after submitting adds the new keys and takes away the old ones, so only the
changed answers touch any row. Every change is one `INSERT … ON CONFLICT DO UPDATE SET n = n +
excluded.n` statement: two submits at once each add their own delta to the row, never a value
read before the other wrote. Submits to one survey also lock its row first (the results
version), which orders them; the rebuild takes the same lock, so it never interleaves with one.
"""

from __future__ import annotations

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
_WHOLE: tuple[int | None, str, str, str, int | None] = (None, "", "", "", None)


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


def _attributes(response: SurveyResponse) -> tuple[int | None, str, str, str, int | None]:
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
) -> int:
    """Move the response's counts from its answers `before` (None: it was not counted) to
    `after` (None: it no longer counts), in the caller's transaction, which must hold the
    survey's row lock (`survey_results_changed`). Returns the rows written."""
    delta: dict[CountKey, int] = dict(response_keys(after)) if after is not None else {}
    if before is not None:
        for key, n in response_keys(before).items():
            delta[key] = delta.get(key, 0) - n
    changed = {key: n for key, n in delta.items() if n}
    if not changed:
        return 0
    rows = []
    for attributes, whole in ((_attributes(response), False), (_WHOLE, True)):
        rows += [(whole, key, attributes, n) for key, n in changed.items()]
    _upsert(organization, response.survey_id, rows)
    return len(rows)


def _sort_key(row: tuple[bool, CountKey, tuple[object, ...], int]) -> tuple[object, ...]:
    whole, key, attributes, _n = row
    return (whole, repr(key), repr(attributes))


def _upsert(
    organization: Organization,
    survey_id: int,
    rows: list[tuple[bool, CountKey, tuple[int | None, str, str, str, int | None], int]],
) -> None:
    # One statement; rows in a fixed order so two writers lock shared rows in the same order.
    table = SurveyResultCount._meta.db_table
    columns = (
        "organization_id, created_at, survey_id, whole, question_id, statement, number, "
        "choice, cohort, role, country, function, seniority, n"
    )
    conflict = (
        "organization_id, survey_id, whole, question_id, statement, number, choice, cohort, "
        "role, country, function, seniority"
    )
    placeholders, params = [], []
    now = timezone.now()
    for whole, key, attributes, n in sorted(rows, key=_sort_key):
        placeholders.append("(" + ", ".join(["%s"] * 14) + ")")
        params += [organization.pk, now, survey_id, whole, *key, *attributes, n]
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ({columns}) VALUES {", ".join(placeholders)} '  # noqa: S608
            f"ON CONFLICT ({conflict}) DO UPDATE SET n = {table}.n + EXCLUDED.n",
            params,
        )


@transaction.atomic
def survey_result_counts_rebuild(*, organization: Organization, survey: Survey) -> int:
    """Count the survey's submitted responses and answers again from their rows, replacing
    the counts: for rows written outside the services (seeds, scripts, data from before the
    counts existed). Locks the survey's row first, as a submit does, so no submit runs while
    the counts are replaced. Returns the count rows written."""
    # What `surveys.services.survey_results_changed` does (a new results version, the survey's
    # row locked until the end), written here because the services import this module.
    Survey.objects.for_org(organization).filter(pk=survey.pk).update(
        results_version=F("results_version") + 1
    )
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
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{counts}" WHERE organization_id = %s AND survey_id = %s',  # noqa: S608
            [organization.pk, survey.pk],
        )
        cursor.execute(sql, {"org": organization.pk, "survey": survey.pk})
        return cursor.rowcount


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
