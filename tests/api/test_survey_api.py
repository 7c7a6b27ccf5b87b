"""`/api/v1/surveys/`: definitions, results with the anonymity threshold (JSON and CSV), a named
survey's responses, scopes and roles, other organizations' ids, bounded queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import OrganizationAPIKey, Role
from tests.factories import CohortFactory, MembershipFactory, ParticipantFactory, UserFactory
from tests.surveys.results_fixtures import make_survey, respond

pytestmark = pytest.mark.django_db

FORMULA = "=cmd|' /C calc'!A0"


def _key(api_client, org, scopes=("reports:read",)):
    _api_key, raw = OrganizationAPIKey.objects.create_key(
        name="hr", organization=org, scopes=list(scopes)
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api_client


@pytest.fixture
def anonymous(org, program):
    cohort = CohortFactory(program=program)
    survey = make_survey(org, program, anonymous=True)
    for n in range(6):
        respond(
            survey,
            {"recommend": 10, "highlight": FORMULA if n == 0 else "ok"},
            cohort=cohort,
            country="GB",
        )
    for _ in range(5):
        respond(survey, {"recommend": 2}, cohort=cohort, country="FR", role="mentor")
    respond(survey, {"recommend": 0}, cohort=cohort, country="FR", role="mentee")
    return survey


@pytest.fixture
def named(org, program):
    cohort = CohortFactory(program=program)
    survey = make_survey(org, program, anonymous=False)
    ana = ParticipantFactory(cohort=cohort, full_name="Ana Souza", email="ana@acme.test")
    respond(
        survey,
        {"confidence": 4, "skills": ["sql", "leading"], "approach": {"listens": 5}},
        cohort=cohort,
        participant=ana,
    )
    return survey


def test_definitions_list_sections_and_questions_in_every_language(api_client, org, named):
    response = _key(api_client, org).get("/api/v1/surveys/")

    assert response.status_code == 200
    (survey,) = response.json()["results"]
    assert survey["name"] == {"en": "Midpoint check", "es": "Revisión intermedia"}
    (section,) = survey["sections"]
    confidence = section["questions"][0]
    assert (confidence["key"], confidence["type"]) == ("confidence", "scale_1_5")
    assert confidence["text"]["es"] == "¿Cuánta confianza sientes?"
    assert [q["key"] for q in section["questions"]][-1] == "approach"


def test_results_come_as_json_with_nps_and_anonymous_texts_without_attributes(
    api_client, org, anonymous
):
    body = _key(api_client, org).get(f"/api/v1/surveys/{anonymous.pk}/results/").json()

    recommend = next(q for q in body["questions"] if q["key"] == "recommend")
    assert recommend["nps"] == {"promoters": 6, "passives": 0, "detractors": 6, "score": 0}
    highlight = next(q for q in body["questions"] if q["key"] == "highlight")
    assert {t["respondent"] for t in highlight["texts"]} == {""}
    assert {t["submitted_on"] for t in highlight["texts"]} == {None}
    assert (body["shown"], body["total"], body["threshold"]) == (True, 12, 5)


def test_results_refuse_a_filter_that_isolates_one_person(api_client, org, anonymous):
    client = _key(api_client, org)

    narrow = client.get(f"/api/v1/surveys/{anonymous.pk}/results/?country=FR&role=mentee").json()
    csv_rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    f"/api/v1/surveys/{anonymous.pk}/results/?country=FR&role=mentee&format=csv"
                ).content.decode()
            )
        )
    )

    assert (narrow["shown"], narrow["refusal"], narrow["questions"]) == (
        False,
        "combination_too_narrow",
        [],
    )
    assert len(csv_rows) == 1


def test_results_as_csv_by_format_or_accept_header_with_formulas_neutralised(
    api_client, org, anonymous
):
    client = _key(api_client, org)

    by_format = client.get(f"/api/v1/surveys/{anonymous.pk}/results/?format=csv")
    by_accept = client.get(f"/api/v1/surveys/{anonymous.pk}/results/", HTTP_ACCEPT="text/csv")

    assert by_format["Content-Type"].startswith("text/csv")
    assert by_accept["Content-Type"].startswith("text/csv")
    assert by_format.content == by_accept.content
    rows = list(csv.DictReader(io.StringIO(by_format.content.decode())))
    texts = [r["label"] for r in rows if r["row"] == "text"]
    assert "'" + FORMULA in texts
    assert next(r for r in rows if r["row"] == "nps")["value"] == "0"


def test_a_named_surveys_responses_list_each_person_and_answer(api_client, org, named):
    body = _key(api_client, org).get(f"/api/v1/surveys/{named.pk}/responses/").json()

    (response,) = body["results"]
    assert (response["full_name"], response["email"]) == ("Ana Souza", "ana@acme.test")
    assert response["answers"] == {
        "confidence": 4,
        "skills": ["leading", "sql"],
        "approach": {"listens": 5},
    }


def test_an_anonymous_survey_has_no_responses_route(api_client, org, anonymous):
    response = _key(api_client, org).get(f"/api/v1/surveys/{anonymous.pk}/responses/")

    assert response.status_code == 404
    assert "anonymous" in response.json()["error"]["message"]


@pytest.mark.parametrize("path", ["", "{pk}/", "{pk}/results/", "{pk}/responses/"])
def test_a_read_key_without_reports_read_gets_403(api_client, org, named, path):
    client = _key(api_client, org, scopes=["read", "write"])

    response = client.get("/api/v1/surveys/" + path.format(pk=named.pk))

    assert response.status_code == 403
    assert "reports:read" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.OWNER, True),
        (Role.ADMIN, True),
        (Role.PROGRAM_MANAGER, True),
        (Role.HR_ANALYST, True),
        (Role.MEMBER, False),
    ],
)
def test_roles_that_read_program_pages_read_survey_reports(api_client, org, named, role, allowed):
    user = MembershipFactory(organization=org, role=role, user=UserFactory()).user
    api_client.force_authenticate(user)
    api_client.credentials(HTTP_X_ORGANIZATION=org.slug)

    response = api_client.get(f"/api/v1/surveys/{named.pk}/results/")

    assert response.status_code == (200 if allowed else 403)


def test_another_organizations_survey_is_404_on_every_route(api_client, org, other_org):
    foreign = make_survey(
        other_org, CohortFactory(program__organization=other_org).program, anonymous=False
    )
    client = _key(api_client, org)

    for path in ("", "results/", "responses/", "results/?format=csv"):
        assert client.get(f"/api/v1/surveys/{foreign.pk}/{path}").status_code == 404, path
    assert client.get("/api/v1/surveys/").json()["results"] == []


def test_results_take_the_same_queries_for_few_and_many_responses(api_client, org, program):
    client = _key(api_client, org)
    cohort = CohortFactory(program=program)
    counts = []
    for size in (6, 30):
        survey = make_survey(org, program, anonymous=True)
        for n in range(size):
            respond(
                survey,
                {"confidence": 1 + n % 5, "skills": ["sql"], "highlight": "x"},
                cohort=cohort,
            )
        client.get(f"/api/v1/surveys/{survey.pk}/results/")
        with CaptureQueriesContext(connection) as queries:
            assert (
                client.get(f"/api/v1/surveys/{survey.pk}/results/?role=mentee").status_code == 200
            )
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 14


def test_the_schema_documents_the_survey_routes_with_examples(client):
    schema = client.get("/api/v1/schema/?format=json").json()

    results = schema["paths"]["/api/v1/surveys/{id}/results/"]["get"]
    assert "text/csv" in results["responses"]["200"]["content"]
    assert results["responses"]["200"]["content"]["application/json"]["examples"]
    assert "/api/v1/surveys/{id}/responses/" in schema["paths"]
    assert {p["name"] for p in results["parameters"]} >= {
        "cohort",
        "role",
        "country",
        "function",
        "seniority",
        "format",
    }


def test_errors_stay_json_when_csv_was_asked_for(api_client, org, other_org):
    foreign = make_survey(
        other_org, CohortFactory(program__organization=other_org).program, anonymous=False
    )
    refused = _key(api_client, org, scopes=["read"]).get(
        f"/api/v1/surveys/{foreign.pk}/results/?format=csv"
    )
    missing = _key(api_client, org).get(
        f"/api/v1/surveys/{foreign.pk}/results/", HTTP_ACCEPT="text/csv"
    )

    assert (refused.status_code, refused["Content-Type"]) == (403, "application/json")
    assert (missing.status_code, missing["Content-Type"]) == (404, "application/json")
    assert missing.json()["error"]["code"] == "not_found"
