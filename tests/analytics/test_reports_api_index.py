"""The reports API's directory and its refusals: `GET /api/v1/reports/` lists every report
with its URL, description, filters, formats and columns; a cursor the API did not hand out
and a fairness attribute the audit does not know are bad requests (400 naming the parameter),
not a missing page or an empty audit."""

import csv
import io

import pytest
from django_scopes import scopes_disabled

from analytics.reports_api import ReportViewSet
from organizations.models import APIKeyScope
from programs.models import EnrollmentQuestion
from tests.analytics.factories import build_metrics_world
from tests.analytics.test_reports_api import REPORTS, key_client
from tests.conftest import login

pytestmark = pytest.mark.django_db

INDEX = "/api/v1/reports/"


@pytest.fixture
def hr(api_client, org):
    return key_client(api_client, org)


def _index(client):
    response = client.get(INDEX)
    assert response.status_code == 200, response.content
    return {entry["report"]: entry for entry in response.json()["results"]}


# --- The index -------------------------------------------------------------------------------


def test_the_index_lists_every_report_with_a_url_that_answers(hr, org):
    index = _index(hr)

    assert sorted(index) == sorted(REPORTS)
    for name, entry in index.items():
        assert entry["url"] == f"http://testserver/api/v1/reports/{name}/"
        assert entry["title"] and entry["description"]
        assert entry["formats"] == ["json", "csv"]
        assert hr.get(entry["url"]).status_code == 200, name


def test_the_index_gives_each_reports_filters_and_its_csv_columns(hr, org):
    index = _index(hr)

    assert index["participants"]["filters"] == [
        "program",
        "cohort",
        "start",
        "end",
        "country",
        "function",
    ]
    assert index["fairness"]["filters"] == ["program", "cohort", "attribute", "round"]
    assert index["mentors"]["filters"] == ["program", "cohort", "start", "end"]
    assert [name for name, e in index.items() if e["paginated"]] == [
        "cohorts",
        "mentorships",
        "participants",
        "mentors",
    ]
    assert sorted(name for name, e in index.items() if e["conditional"]) == [
        "cohorts",
        "time-series",
    ]
    # The columns are the CSV's header, in order.
    for name, entry in index.items():
        response = hr.get(entry["url"], {"format": "csv"})
        header = next(csv.reader(io.StringIO(response.content.decode())))
        assert entry["columns"] == header, name


def test_the_index_is_json_only(hr):
    assert hr.get(INDEX, HTTP_ACCEPT="text/csv").status_code == 406


def test_a_key_without_reports_read_cannot_read_the_index(api_client, org):
    client = key_client(api_client, org, scopes=[APIKeyScope.READ.value])

    assert client.get(INDEX).status_code == 403


def test_hr_analysts_read_the_index_and_plain_members_do_not(client, org, hr_analyst, member):
    headers = {"HTTP_X_ORGANIZATION": org.slug}
    login(client, hr_analyst)
    assert client.get(INDEX, **headers).status_code == 200
    login(client, member)
    assert client.get(INDEX, **headers).status_code == 403


def test_the_index_shows_nothing_of_any_organization(api_client, org, other_org):
    with scopes_disabled():
        ours, theirs = build_metrics_world(org), build_metrics_world(other_org)

    mine = key_client(api_client, org).get(INDEX)
    others = key_client(api_client, other_org).get(INDEX)

    # The same answer for both organizations: no name, id or count of either.
    assert mine.json() == others.json()
    body = mine.content.decode()
    for world in (ours, theirs):
        assert world.program.name not in body
        assert world.cohort.name not in body


def test_the_index_is_in_the_schema_with_an_example(hr):
    schema = hr.get("/api/v1/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/reports/"]["get"]
    content = operation["responses"]["200"]["content"]["application/json"]
    assert content["schema"]["$ref"].endswith("/ReportIndexPage")
    [example] = content["examples"].values()
    assert example["value"]["results"][0]["report"] == "participants"
    assert "/api/v1/reports/mentors/" in schema["paths"]


# --- A cursor the API did not hand out -------------------------------------------------------


@pytest.mark.parametrize("report", ["participants", "mentorships", "cohorts", "mentors"])
def test_a_garbage_cursor_is_a_bad_request_naming_the_cursor(hr, report):
    response = hr.get(f"/api/v1/reports/{report}/", {"cursor": "garbage"})

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["cursor"]
    assert "cursor" in fields["cursor"][0]


def test_a_cursor_the_api_handed_out_still_pages(hr, org, cohort):
    from tests.factories import ParticipantFactory

    for _ in range(3):
        ParticipantFactory(cohort=cohort)
    first = hr.get("/api/v1/reports/participants/", {"page_size": 2}).json()

    second = hr.get(first["next"])

    assert second.status_code == 200
    assert len(second.json()["results"]) == 1


# --- A fairness attribute the audit does not know --------------------------------------------


def test_an_unknown_fairness_attribute_is_refused_with_the_known_ones(hr, org, world_with_question):
    response = hr.get("/api/v1/reports/fairness/", {"attribute": "shoe_size"})

    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["attribute"]
    for known in ("country", "function", "seniority", world_with_question.answer_key):
        assert known in message


def test_known_fairness_attributes_still_answer(hr, org, world_with_question):
    for attribute in ("country", world_with_question.answer_key):
        response = hr.get("/api/v1/reports/fairness/", {"attribute": attribute})
        assert response.status_code == 200, attribute
        assert {row["attribute"] for row in response.json()["results"]} <= {attribute}


def test_a_sensitive_question_of_another_program_is_not_an_attribute_of_this_one(
    hr, org, world_with_question
):
    from tests.factories import ProgramFactory

    elsewhere = ProgramFactory(organization=org)
    response = hr.get(
        "/api/v1/reports/fairness/",
        {"attribute": world_with_question.answer_key, "program": elsewhere.pk},
    )

    assert response.status_code == 400


def test_another_organizations_question_is_not_an_attribute(api_client, org, other_org):
    with scopes_disabled():
        theirs = build_metrics_world(other_org)
        question = _sensitive_question(theirs.cohort)
    client = key_client(api_client, org)

    response = client.get("/api/v1/reports/fairness/", {"attribute": question.answer_key})

    assert response.status_code == 400
    assert question.label not in response.content.decode()


def _sensitive_question(cohort):
    return EnrollmentQuestion.objects.create(
        organization=cohort.organization,
        cohort=cohort,
        label="Caring responsibilities",
        kind="single_choice",
        choices=["Yes", "No"],
        sensitive=True,
    )


@pytest.fixture
def world_with_question(org):
    with scopes_disabled():
        world = build_metrics_world(org)
        return _sensitive_question(world.cohort)


def test_the_viewset_declares_a_row_for_every_indexed_report():
    from analytics.reports_api import REPORT_INDEX

    assert [info.action for info in REPORT_INDEX] == list(ReportViewSet.ROWS)
