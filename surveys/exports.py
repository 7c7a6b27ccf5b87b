"""Survey results as CSV and XLSX: exactly what the results page shows, nothing more.

An export is drawn from the same `SurveyResults` the page draws, so the anonymity threshold
holds in it by construction: a refused group exports its header alone, a withheld question
exports no figures. Every text cell that a spreadsheet would run as a formula (starting with
=, +, -, @, a tab or a carriage return) gets a leading apostrophe, as the participants' export
does (its helper, reused).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from participants.csv_io import _escape_cell as neutralise_formula
from surveys.results import NamedAnswer, QuestionResult, SurveyResults

RESULT_COLUMNS = [
    "question_key",
    "question",
    "type",
    "statement",
    "row",
    "value",
    "label",
    "count",
    "percent",
    "respondents",
    "mean",
    "respondent",
    "submitted_on",
]
RESPONSE_COLUMNS = [
    "respondent",
    "email",
    "cohort",
    "role",
    "country",
    "function",
    "seniority",
    "submitted_at",
]

Cell = str | int | float | None


def _row(question: QuestionResult, kind: str, **cells: Cell) -> list[Cell]:
    values: dict[str, Cell] = {
        "question_key": question.key,
        "question": question.text,
        "type": question.type,
        "row": kind,
        **cells,
    }
    return [values.get(column, "") for column in RESULT_COLUMNS]


def result_rows(results: SurveyResults) -> Iterator[list[Cell]]:
    """The header, then one row per figure: `row` says what it is (`count` of one value, the
    `mean`, the `nps` score, a `text` answer, or `withheld`). Cells are not yet neutralised."""
    yield list(RESULT_COLUMNS)
    if not results.shown:
        return
    for question in results.questions:
        if question.withheld:
            yield _row(question, "withheld")
            continue
        if question.statements:
            for statement in question.statements:
                if statement.withheld:
                    yield _row(question, "withheld", statement=statement.key, label=statement.label)
                    continue
                for value in statement.counts:
                    yield _row(
                        question,
                        "count",
                        statement=statement.key,
                        value=value.value,
                        label=f"{statement.label}: {value.label}",
                        count=value.count,
                        percent=value.percent,
                        respondents=statement.answered,
                    )
                yield _row(
                    question,
                    "mean",
                    statement=statement.key,
                    label=statement.label,
                    respondents=statement.answered,
                    mean=statement.mean,
                )
            continue
        for value in question.counts:
            yield _row(
                question,
                "count",
                value=value.value,
                label=value.label,
                count=value.count,
                percent=value.percent,
                respondents=question.answered,
            )
        if question.mean is not None:
            yield _row(question, "mean", respondents=question.answered, mean=question.mean)
        if question.nps is not None:
            nps = question.nps
            for name, count in (
                ("promoters", nps.promoters),
                ("passives", nps.passives),
                ("detractors", nps.detractors),
            ):
                yield _row(
                    question,
                    "nps_group",
                    value=name,
                    count=count,
                    percent=round(100 * count / question.answered, 1) if question.answered else 0,
                    respondents=question.answered,
                )
            yield _row(question, "nps", value=nps.score, respondents=question.answered)
        for text in question.texts:
            yield _row(
                question,
                "text",
                label=text.text,
                respondents=question.answered,
                respondent=text.respondent,
                submitted_on=text.submitted_on.isoformat() if text.submitted_on else "",
            )


def _safe(cell: Cell) -> Cell:
    return neutralise_formula(cell) if isinstance(cell, str) else cell


def csv_text(rows: Iterable[Iterable[Cell]]) -> str:
    """Rows as CSV, every text cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if cell is None else _safe(cell) for cell in row])
    return out.getvalue()


def response_rows(
    responses: Iterable[Any], answers: dict[object, list[NamedAnswer]], keys: list[str]
) -> Iterator[list[Cell]]:
    """A named survey's people, one row each, one column per question key."""
    yield [*RESPONSE_COLUMNS, *keys]
    for response in responses:
        by_key = {answer.key: answer.shown for answer in answers.get(response.pk, [])}
        participant = response.participant
        yield [
            participant.full_name if participant else "",
            participant.email if participant else "",
            response.cohort.name if response.cohort else "",
            response.role,
            response.country,
            response.function,
            response.seniority,
            response.submitted_at.isoformat() if response.submitted_at else "",
            *(by_key.get(key, "") for key in keys),
        ]


def xlsx_bytes(
    results: SurveyResults,
    about: list[tuple[str, Cell]],
    responses: Iterable[list[Cell]] | None = None,
) -> bytes:
    """A workbook: "Results" (the rows of `result_rows`), "About" (the survey, filters, group
    size, threshold) and, for a named survey, "Responses" (one row per person)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Results"))
    for row in result_rows(results):
        sheet.append([_safe(cell) for cell in row])
    about_sheet = book.create_sheet(_("About"))
    for label, value in about:
        about_sheet.append([_safe(label), _safe(value)])
    if responses is not None:
        people = book.create_sheet(_("Responses"))
        for row in responses:
            people.append([_safe(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
