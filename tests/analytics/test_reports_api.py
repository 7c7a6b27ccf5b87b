"""The HR reports API (`/api/v1/reports/`) against the hand-built world of
tests/analytics/factories.py (March 2025, program "Bridges"): each report's figures are the
metric functions' figures or worked out by hand from that world's docstring."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from analytics.metrics import (
    Period,
    Scope,
    check_in_figures,
    drop_off,
    enrollment_funnel,
    goal_figures,
    match_figures,
)
from analytics.reports_api import ReportViewSet
from analytics.services import organization_snapshots_take
from organizations.models import APIKeyScope, OrganizationAPIKey
from tests.analytics.factories import MARCH_END, MARCH_START, build_metrics_world
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory
from tests.surveys.results_fixtures import make_survey, respond

pytestmark = pytest.mark.django_db

MARCH = Period(MARCH_START, MARCH_END)
MARCH_QUERY = {"start": "2025-03-01", "end": "2025-03-31"}
REPORTS = [
    "summary",
    "cohorts",
    "time-series",
    "mentorships",
    "participants",
    "survey-results",
    "fairness",
    "mentors",
]


@pytest.fixture
def world(org):
    return build_metrics_world(org)


def key_client(api_client, org, scopes=(APIKeyScope.REPORTS_READ.value,)):
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="hr", organization=org, scopes=list(scopes)
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api_client


@pytest.fixture
def hr(api_client, org):
    return key_client(api_client, org)


def rows(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def by(rows_, column):
    return {row[column]: row for row in rows_}


def csv_rows(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- Figures ---------------------------------------------------------------------------------


def test_summary_holds_the_metric_functions_figures_for_the_program(hr, org, world):
    [row] = rows(hr.get("/api/v1/reports/summary/", {**MARCH_QUERY, "program": world.program.pk}))

    scope = Scope(org, program_id=world.program.pk)
    funnel = enrollment_funnel(scope=scope, period=MARCH)
    matching = match_figures(scope=scope, period=MARCH)
    leaving = drop_off(scope=scope, period=MARCH)
    goals = goal_figures(scope=scope, period=MARCH)
    assert row["check_ins_held"] == check_in_figures(scope=scope, period=MARCH).held == 3
    assert (row["invited"], row["matched"], row["completed"]) == (
        funnel.invited,
        funnel.matched,
        funnel.completed,
    )
    assert row["mentees_joined"] == matching.mentees
    assert row["match_rate"] == pytest.approx(matching.match_rate, abs=1e-4)
    assert row["mentorships_ended_early"] == leaving.ended_early == 1  # MS2, "not a fit"
    assert row["mentorships_completed"] == leaving.completed == 1  # MS3, "goals met"
    assert (row["goals_set"], row["goals_done"]) == (goals.set, goals.done)
    assert row["hours_mentored"] == 3.0  # CI1 1 h, CI2 30 min, CI5 1 h 30
    assert row["start"] == "2025-03-01" and row["end"] == "2025-03-31"


def test_mentorships_report_counts_each_pairs_check_ins_of_the_period(hr, world):
    found = by(
        rows(hr.get("/api/v1/reports/mentorships/", {**MARCH_QUERY, "program": world.program.pk})),
        "mentorship",
    )
    ms1, ms2, ms3 = (world.mentorships[name] for name in ("MS1", "MS2", "MS3"))
    assert set(found) == {ms1.pk, ms2.pk, ms3.pk}
    # MS1: CI1 (1 h, rated 5 and 4) and CI2 (30 min, rated 3); CI3 cancelled, CI4 missed.
    assert found[ms1.pk]["check_ins_held"] == 2
    assert found[ms1.pk]["hours_mentored"] == 1.5
    assert found[ms1.pk]["ratings"] == 3
    assert found[ms1.pk]["average_rating"] == 4.0
    assert found[ms1.pk]["mentees"] == 2
    # Goals now: g1 done, g2 in progress, g5 set in April; g3 dropped is left out.
    assert (found[ms1.pk]["goals_set"], found[ms1.pk]["goals_done"]) == (3, 1)
    assert found[ms1.pk]["last_check_in_on"] == "2025-04-01"  # CI7, after the period
    assert found[ms2.pk]["check_ins_held"] == 1 and found[ms2.pk]["average_rating"] == 2.0
    assert found[ms2.pk]["close_reason"] == "not_a_fit" or found[ms2.pk]["status"] == "ended"
    # MS3 ran until 15 March; its only check-in was in February.
    assert found[ms3.pk]["check_ins_held"] == 0
    assert found[ms3.pk]["last_check_in_on"] == "2025-02-20"


def test_participants_report_lists_the_periods_roster_with_engagement(hr, world):
    found = by(
        rows(hr.get("/api/v1/reports/participants/", {**MARCH_QUERY, "program": world.program.pk})),
        "participant",
    )
    people = world.people
    # E joined on 1 April: not on March's roster. X is in another program.
    assert {p.pk for p in people.values() if p.full_name not in ("E", "X")} <= set(found)
    assert people["E"].pk not in found
    a, c = found[people["A"].pk], found[people["C"].pk]
    assert (a["matched"], a["check_ins_held"], a["status"]) == (True, 2, "active")
    assert (c["matched"], c["check_ins_held"], c["withdrawn_on"]) == (False, 0, "2025-03-20")
    assert found[people["M1"].pk]["check_ins_held"] == 2  # CI1 and CI2 as MS1's mentor
    assert found[people["M1"].pk]["mentorships"] == 2  # MS1 and MS3


def test_country_and_function_filters_narrow_people_and_their_mentorships(hr, world):
    people = world.people
    query = {**MARCH_QUERY, "program": world.program.pk}
    french = rows(hr.get("/api/v1/reports/participants/", {**query, "country": "fr"}))
    assert [row["participant"] for row in french] == [people["B"].pk]
    mentorships = rows(hr.get("/api/v1/reports/mentorships/", {**query, "country": "FR"}))
    assert [row["mentorship"] for row in mentorships] == [world.mentorships["MS1"].pk]
    sales = rows(hr.get("/api/v1/reports/participants/", {**query, "function": "sales"}))
    assert {row["participant"] for row in sales} == {people[n].pk for n in ("M2", "F", "B")}


def test_snapshot_reports_sum_the_nightly_rows_to_the_metric_figures(hr, org, world):
    day = MARCH_START
    while day <= MARCH_END:
        organization_snapshots_take(organization=org, day=day)
        day += dt.timedelta(days=1)
    query = {**MARCH_QUERY, "cohort": world.cohort.pk}
    series = rows(hr.get("/api/v1/reports/time-series/", query))
    assert len(series) == 31
    cohort_scope = Scope(org, cohort_id=world.cohort.pk)
    held = check_in_figures(scope=cohort_scope, period=MARCH).held
    assert sum(row["check_ins_held"] for row in series) == held == 3
    assert by(series, "day")["2025-03-10"]["check_ins_held"] == 1  # CI1
    [cohort] = rows(hr.get("/api/v1/reports/cohorts/", query))
    assert cohort["cohort"] == world.cohort.pk
    assert cohort["check_ins_held"] == 3 and cohort["snapshot_days"] == 31
    assert cohort["last_snapshot_day"] == "2025-03-31"
    assert cohort["participants"] == series[-1]["participants"]


# --- Survey results and the anonymity threshold -----------------------------------------------


def test_survey_results_report_withholds_every_group_below_the_threshold(hr, org, program):
    cohort = CohortFactory(program=program)
    survey = make_survey(org, program, anonymous=True)
    for n in range(6):
        respond(survey, {"confidence": 5 if n % 2 else 4}, cohort=cohort, country="GB")
    respond(survey, {"confidence": 1}, cohort=cohort, country="FR", function="Sales")
    url = "/api/v1/reports/survey-results/"

    body = hr.get(url, {"survey": survey.pk}).json()
    assert body["shown"] is True
    confidence = [row for row in body["results"] if row["question"] == "confidence"]
    assert {row["value"]: row["count"] for row in confidence if row["count"]} == {
        "1": 1,
        "4": 3,
        "5": 3,
    }
    # The lone French respondent is no group of their own, through any filter or format.
    for params in (
        {"country": "FR"},
        {"function": "Sales"},
        {"country": "FR", "function": "Sales"},
        {"cohort": cohort.pk, "country": "FR"},
    ):
        response = hr.get(url, {"survey": survey.pk, **params})
        assert response.status_code in (200, 400), params
        if response.status_code == 200:
            assert response.json()["shown"] is False and response.json()["results"] == []
        csv_response = hr.get(url, {"survey": survey.pk, **params, "format": "csv"})
        if csv_response.status_code == 200:
            assert len(csv_rows(csv_response)) == 1  # the header only


def test_survey_results_default_to_the_latest_survey_in_scope(hr, org, program):
    make_survey(org, program, anonymous=False)
    latest = make_survey(org, program, anonymous=False)
    assert hr.get("/api/v1/reports/survey-results/").json()["survey"] == latest.pk


# --- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize("report", REPORTS)
def test_every_report_answers_csv_under_its_declared_columns(hr, world, report):
    url = f"/api/v1/reports/{report}/"
    by_param = csv_rows(hr.get(url, {**MARCH_QUERY, "format": "csv"}))
    by_accept = csv_rows(hr.get(url, MARCH_QUERY, HTTP_ACCEPT="text/csv"))
    action = report.replace("-", "_")
    assert by_param[0] == list(ReportViewSet.ROWS[action]().fields)
    assert by_param == by_accept


def test_csv_neutralises_formulas_in_text(hr, org, cohort):
    ParticipantFactory(cohort=cohort, full_name='=HYPERLINK("http://x")', function="+sum")
    table = csv_rows(hr.get("/api/v1/reports/participants/", {"format": "csv"}))
    header, row = table[0], table[1]
    assert row[header.index("full_name")].startswith("'=")
    assert row[header.index("function")] == "'+sum"


def test_a_list_report_pages_with_a_cursor_in_json_and_a_link_in_csv(hr, org, cohort):
    for _ in range(3):
        ParticipantFactory(cohort=cohort)
    first = hr.get("/api/v1/reports/participants/", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = hr.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    csv_page = hr.get("/api/v1/reports/participants/", {"page_size": 2, "format": "csv"})
    assert 'rel="next"' in csv_page["Link"]


# --- ETag and Last-Modified --------------------------------------------------------------------


def test_time_series_answers_304_while_no_snapshot_changed(hr, org, world):
    organization_snapshots_take(organization=org, day=dt.date(2025, 3, 10))
    url = "/api/v1/reports/time-series/"
    first = hr.get(url, MARCH_QUERY)
    etag, modified = first["ETag"], first["Last-Modified"]

    assert hr.get(url, MARCH_QUERY, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert hr.get(url, MARCH_QUERY, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    # Another filter, another format: another validator.
    assert hr.get(url, {**MARCH_QUERY, "cohort": world.cohort.pk})["ETag"] != etag
    assert hr.get(url, {**MARCH_QUERY, "format": "csv"})["ETag"] != etag

    organization_snapshots_take(organization=org, day=dt.date(2025, 3, 11))
    changed = hr.get(url, MARCH_QUERY, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert len(changed.json()["results"]) == 2


def test_cohorts_report_carries_validators_too(hr, org, world):
    organization_snapshots_take(organization=org, day=dt.date(2025, 3, 10))
    first = hr.get("/api/v1/reports/cohorts/", MARCH_QUERY)
    again = hr.get("/api/v1/reports/cohorts/", MARCH_QUERY, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


# --- Who may read, and isolation -------------------------------------------------------------


@pytest.mark.parametrize("report", REPORTS)
def test_a_key_without_reports_read_is_refused_every_report(api_client, org, report):
    client = key_client(api_client, org, [APIKeyScope.READ.value, APIKeyScope.WRITE.value])
    assert client.get(f"/api/v1/reports/{report}/").status_code == 403


@pytest.mark.parametrize("report", REPORTS)
def test_a_reports_key_cannot_post_to_a_report(hr, report):
    assert hr.post(f"/api/v1/reports/{report}/", {}, format="json").status_code in (403, 405)


def test_hr_analysts_read_reports_and_plain_members_do_not(client, org, hr_analyst, member):
    login(client, hr_analyst)
    headers = {"HTTP_X_ORGANIZATION": org.slug}
    assert client.get("/api/v1/reports/summary/", **headers).status_code == 200
    login(client, member)
    assert client.get("/api/v1/reports/summary/", **headers).status_code == 403


def test_another_organizations_rows_never_appear(hr, org, other_org, world):
    with scopes_disabled():
        theirs = build_metrics_world(other_org)
    for report, column, ours in (
        ("participants", "participant", {p.pk for p in world.people.values()}),
        ("mentorships", "mentorship", {m.pk for m in world.mentorships.values()}),
        ("mentors", "mentor", {world.people["M1"].pk, world.people["M2"].pk}),
    ):
        found = {row[column] for row in rows(hr.get(f"/api/v1/reports/{report}/", MARCH_QUERY))}
        assert found and found <= ours, report
    # Their program's id filters to nothing here, as every list filter of the API does.
    foreign = {**MARCH_QUERY, "program": theirs.program.pk}
    for report in ("participants", "mentorships", "cohorts", "mentors"):
        assert rows(hr.get(f"/api/v1/reports/{report}/", foreign)) == []
    [summary] = rows(hr.get("/api/v1/reports/summary/", foreign))
    assert summary["invited"] == summary["check_ins_held"] == summary["participants"] == 0
    assert hr.get("/api/v1/reports/survey-results/", foreign).json()["survey"] is None


def test_a_cohort_of_another_program_matches_nothing(hr, world):
    query = {**MARCH_QUERY, "program": world.other_program.pk, "cohort": world.cohort.pk}
    assert rows(hr.get("/api/v1/reports/participants/", query)) == []
    [summary] = rows(hr.get("/api/v1/reports/summary/", query))
    assert summary["invited"] == 0


def test_bad_filters_answer_400(hr):
    for params in (
        {"start": "2025-03-10", "end": "2025-03-01"},
        {"start": "2020-01-01", "end": "2025-03-01"},
        {"country": "GBR"},
        {"program": "abc"},
    ):
        assert hr.get("/api/v1/reports/participants/", params).status_code == 400, params


# --- Queries do not grow with the data -------------------------------------------------------


def _grow(org, size):
    program = ProgramFactory(organization=org)
    cohort = CohortFactory(program=program)
    for _ in range(size):
        ParticipantFactory(cohort=cohort)
    return program


@pytest.mark.parametrize("report", REPORTS)
def test_queries_are_the_same_at_two_sizes(hr, org, world, report):
    url = f"/api/v1/reports/{report}/"
    hr.get(url)  # the key's first use of the minute records it: one write, not a report's
    counts = []
    for size in (1, 12):
        _grow(org, size)
        with CaptureQueriesContext(connection) as captured:
            assert hr.get(url, MARCH_QUERY).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_fairness_report_holds_the_audits_cells(hr, org, world):
    from analytics.fairness_selectors import fairness_audit

    found = rows(hr.get("/api/v1/reports/fairness/", {"program": world.program.pk}))
    audit = fairness_audit(organization=org, program_id=world.program.pk)
    cells = [
        (item.key, group.key, metric.key)
        for item in audit.attributes
        for group in item.rows
        for metric in audit.metrics
        if metric.key in group.cells
    ]
    assert [(r["attribute"], r["group"], r["metric"]) for r in found] == cells


ID_COLUMNS = ("participant", "mentorship", "mentor", "cohort", "program", "survey")


@pytest.mark.parametrize("report", REPORTS)
def test_no_report_names_another_organizations_ids(api_client, org, other_org, world, report):
    with scopes_disabled():
        theirs = build_metrics_world(other_org)
        make_survey(other_org, theirs.program, anonymous=False)
        for offset in range(3):
            organization_snapshots_take(
                organization=other_org, day=MARCH_START + dt.timedelta(days=offset)
            )
    foreign = (
        {p.pk for p in theirs.people.values()}
        | {m.pk for m in theirs.mentorships.values()}
        | {theirs.cohort.pk, theirs.other_cohort.pk, theirs.program.pk, theirs.other_program.pk}
    )
    own = (
        {p.pk for p in world.people.values()}
        | {m.pk for m in world.mentorships.values()}
        | {world.cohort.pk, world.other_cohort.pk, world.program.pk, world.other_program.pk}
    )
    client = key_client(api_client, org)
    body = client.get(f"/api/v1/reports/{report}/", {**MARCH_QUERY, "page_size": 200}).json()
    named = {
        row[column]
        for row in body["results"]
        for column in ID_COLUMNS
        if isinstance(row.get(column), int)
    }
    assert not (named & foreign - own), report
