"""Each statement of a matrix is held to the anonymity threshold on its own: an optional
matrix's statements are rated one by one, so a statement only one person rated would give away
that person's rating even when the question as a whole has enough answers. Checked in the
page, the API's JSON and CSV, and the CSV and XLSX exports."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from django_scopes import scope

from organizations.models import OrganizationAPIKey
from surveys.models import QuestionType
from surveys.results import survey_results
from tests.conftest import login
from tests.factories import CohortFactory
from tests.surveys.results_fixtures import make_survey, respond

pytestmark = pytest.mark.django_db

MATRIX = {
    "key": "approach",
    "type": QuestionType.MATRIX,
    "text": {"en": "My mentor…"},
    "statements": [
        {"key": "listens", "text": {"en": "listens"}},
        {"key": "challenges", "text": {"en": "challenges me"}},
    ],
}
# The one respondent who rated "challenges" gave it a 1: nothing may show it.
LONE_RATING = 1


@pytest.fixture
def matrix_survey(org, program):
    """Six people rated "listens" (5 each); only the last also rated "challenges"."""
    cohort = CohortFactory(program=program)
    survey = make_survey(org, program, anonymous=True, questions=[MATRIX])
    for n in range(6):
        ratings = {"listens": 5}
        if n == 5:
            ratings["challenges"] = LONE_RATING
        respond(survey, {"approach": ratings}, cohort=cohort)
    return survey


def _statements(org, survey):
    with scope(organization=org.pk):
        results = survey_results(organization=org, survey=survey)
    (question,) = results.questions
    return question, {s.key: s for s in question.statements}


def test_a_statement_rated_by_fewer_than_the_threshold_is_withheld_alone(org, matrix_survey):
    question, statements = _statements(org, matrix_survey)

    assert not question.withheld and question.answered == 6
    listens, challenges = statements["listens"], statements["challenges"]
    assert (listens.withheld, listens.answered, listens.mean) == (False, 6, 5.0)
    assert [c.count for c in listens.counts] == [0, 0, 0, 0, 6]
    assert challenges.withheld
    assert (challenges.answered, challenges.counts, challenges.mean) == (0, [], None)


def test_a_statement_shows_once_it_reaches_the_threshold(org, program, matrix_survey):
    for _ in range(4):
        respond(matrix_survey, {"approach": {"challenges": 4}})

    _question, statements = _statements(org, matrix_survey)

    assert not statements["challenges"].withheld
    assert statements["challenges"].answered == 5
    assert [c.count for c in statements["challenges"].counts] == [1, 0, 0, 4, 0]


def test_named_surveys_show_every_rated_statement(org, program):
    survey = make_survey(org, program, anonymous=False, questions=[MATRIX])
    respond(survey, {"approach": {"listens": 4, "challenges": LONE_RATING}})

    _question, statements = _statements(org, survey)

    assert not statements["challenges"].withheld
    assert statements["challenges"].counts[0].count == 1


def test_the_page_says_the_statement_has_too_few_answers_and_charts_only_the_others(
    client, org, program_manager, matrix_survey
):
    login(client, program_manager)

    body = client.get(
        reverse("surveys:results", args=[org.slug, matrix_survey.pk])
    ).content.decode()

    assert "challenges me: fewer than 5 answers, so its ratings are not shown." in body
    chart = body.split('id="survey-q0-data"')[1].split("</script>")[0]
    assert "listens" in chart and "challenges" not in chart


def _exported_rows(client, org, survey) -> list[dict[str, str]]:
    url = reverse("surveys:results_csv", args=[org.slug, survey.pk])
    return list(csv.DictReader(io.StringIO(client.get(url).content.decode())))


def test_exports_carry_a_withheld_row_for_the_statement_and_no_figure(
    client, org, program_manager, matrix_survey
):
    login(client, program_manager)

    rows = _exported_rows(client, org, matrix_survey)
    workbook = openpyxl.load_workbook(
        io.BytesIO(
            client.get(reverse("surveys:results_xlsx", args=[org.slug, matrix_survey.pk])).content
        )
    )
    sheet = list(workbook["Results"].iter_rows(values_only=True))
    header, xlsx_rows = sheet[0], [dict(zip(sheet[0], row, strict=True)) for row in sheet[1:]]

    for exported in (rows, xlsx_rows):
        about_challenges = [row for row in exported if row["statement"] == "challenges"]
        assert [row["row"] for row in about_challenges] == ["withheld"]
        assert about_challenges[0]["count"] in ("", None)
        assert about_challenges[0]["respondents"] in ("", None)
        assert {row["row"] for row in exported if row["statement"] == "listens"} == {
            "count",
            "mean",
        }
    assert "statement" in header


def test_the_api_withholds_the_statement_in_json_and_csv(api_client, org, matrix_survey):
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="reports", organization=org, scopes=["reports:read"]
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    url = f"/api/v1/surveys/{matrix_survey.pk}/results/"

    (question,) = api_client.get(url).json()["questions"]
    csv_rows = list(
        csv.DictReader(io.StringIO(api_client.get(f"{url}?format=csv").content.decode()))
    )

    statements = {s["key"]: s for s in question["statements"]}
    assert statements["challenges"] == {
        "key": "challenges",
        "label": "challenges me",
        "answered": 0,
        "withheld": True,
        "mean": None,
        "counts": [],
    }
    assert statements["listens"]["withheld"] is False
    assert [row["row"] for row in csv_rows if row["statement"] == "challenges"] == ["withheld"]


def test_one_respondent_cannot_be_isolated_through_a_matrix_statement(
    client, org, program_manager, matrix_survey
):
    """The lone rating of "challenges" appears nowhere: no count, no mean, no number of people,
    in the results, the page's chart and table, or the export."""
    login(client, program_manager)
    _question, statements = _statements(org, matrix_survey)
    page = client.get(
        reverse("surveys:results", args=[org.slug, matrix_survey.pk])
    ).content.decode()
    exported = [
        row
        for row in _exported_rows(client, org, matrix_survey)
        if row["statement"] == "challenges"
    ]

    assert statements["challenges"].withheld and not statements["challenges"].counts
    figure = page.split('id="survey-q0"')[1].split("</figure>")[0]
    assert "listens" in figure and "challenges" not in figure
    assert all(row["row"] == "withheld" and not row["mean"] for row in exported)
    assert "1 person answered" not in page
