"""The program-health dashboard (analytics/views.py, analytics/dashboard.py): the home loads it,
it shows the figures of docs/metrics.md with their trend, draws its charts with their tables,
exports each table as CSV or XLSX with formulas neutralised, is read-only for HR analysts,
refused to members, never shows another organization's rows, and costs the same queries
whatever the data's size."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from openpyxl import load_workbook

from analytics.dashboard import program_health
from analytics.exports import table_csv, table_xlsx
from analytics.metrics import Period, Scope
from mentorships.models import CheckIn, Mentorship, MentorshipMentee
from tests.analytics.factories import MARCH_END, MARCH_START, at, build_metrics_world
from tests.conftest import login
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

MARCH = {"period": "custom", "start": "2025-03-01", "end": "2025-03-31"}


@pytest.fixture
def world(org):
    return build_metrics_world(org)


def _url(org, name="analytics:dashboard", **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def _export(client, org, table, params=None):
    return client.get(_url(org, "analytics:dashboard_export"), {**(params or {}), "table": table})


def _panel(client, org, params=None):
    return client.get(_url(org), params or {}, headers={"HX-Request": "true"})


def test_the_home_loads_the_dashboard_under_what_needs_a_decision(client, org, org_admin):
    login(client, org_admin)

    html = client.get(reverse("dashboard", args=[org.slug])).content.decode()

    assert f'hx-get="{_url(org)}"' in html
    assert 'hx-trigger="load"' in html
    assert html.index('id="decisions-title"') < html.index('id="program-health"')


def test_headlines_show_this_period_against_the_previous_one(client, org, org_admin, world):
    login(client, org_admin)

    response = _panel(client, org, {**MARCH, "program": world.program.pk})

    health = response.context["health"]
    figures = {h.key: h for h in health.headlines}
    assert (figures["check_ins_held"].value, figures["check_ins_held"].previous) == (3, 1)
    assert figures["check_ins_held"].trend.direction == "up"
    assert figures["check_ins_held"].delta == "200%"
    assert figures["match_rate"].display == "60%"
    assert figures["days_to_match"].display == "3.5 days"
    assert figures["days_to_match"].good == "down"
    assert figures["active_mentorships"].value == 1
    assert figures["satisfaction"].display == "3.5"
    html = response.content.decode()
    assert "Up 200%" in html
    assert "March 1, 2025 to March 31, 2025, compared with Jan. 29, 2025 to Feb. 28, 2025" in html


def test_the_charts_come_with_their_tables(client, org, org_admin, world):
    login(client, org_admin)

    html = _panel(client, org, {**MARCH, "program": world.program.pk}).content.decode()

    for chart in ("health-funnel", "health-engagement", "health-satisfaction"):
        assert f'data-chart="{chart}-data"' in html
        assert f'id="{chart}-data"' in html
    assert html.count("Show the data as a table") == 3
    # The funnel's table: 6, 5, 4, 4, 4, 1 (tests/analytics/test_metrics.py works it out).
    funnel = html[html.index('id="health-funnel"') :]
    funnel = funnel[: funnel.index("</figure>")]
    assert [cell.split(">")[-1] for cell in funnel.split("</td>")[:-1]] == [
        "6",
        "5",
        "4",
        "4",
        "4",
        "1",
    ]


def test_the_at_risk_count_links_to_the_at_risk_list(client, org, org_admin, world):
    login(client, org_admin)

    response = _panel(client, org, MARCH)

    # MS1 has not met since 1 April 2025 and books nothing: quiet for longer than 30 days.
    assert response.context["health"].at_risk == 1
    assert reverse("mentorships:at_risk", args=[org.slug]) in response.content.decode()


def test_a_cohort_narrows_every_figure(client, org, org_admin, world):
    login(client, org_admin)

    health = _panel(client, org, {**MARCH, "cohort": world.other_cohort.pk}).context["health"]

    assert health.funnel.invited == 1  # X
    assert health.check_ins.held == 0
    assert health.at_risk == 0


def test_an_empty_period_says_what_to_do(client, org, org_admin):
    login(client, org_admin)

    html = _panel(client, org).content.decode()

    assert "Nothing happened in this period yet" in html
    assert "<canvas" not in html


def test_a_wrong_filter_falls_back_to_the_last_90_days_and_says_why(client, org, org_admin):
    login(client, org_admin)

    response = _panel(client, org, {"period": "custom", "start": "2025-03-31", "end": "2025-03-01"})

    assert response.context["health"].period.days == 90
    assert "The period must end on or after its start." in response.content.decode()


def test_the_page_stands_alone_without_htmx(client, org, org_admin, world):
    login(client, org_admin)

    response = client.get(_url(org), MARCH)

    html = response.content.decode()
    assert "<html" in html
    assert 'id="program-health"' in html
    assert "css/dashboard.css" in html


def test_hr_analysts_see_the_same_figures_read_only(client, org, hr_analyst, world):
    login(client, hr_analyst)

    response = _panel(client, org, MARCH)

    assert response.status_code == 200
    assert "You see these figures read-only." in response.content.decode()
    assert _export(client, org, "funnel").status_code == 200


def test_program_managers_are_not_told_it_is_read_only(client, org, program_manager, world):
    login(client, program_manager)

    assert "read-only" not in _panel(client, org, MARCH).content.decode()


def test_members_are_refused(client, org, member):
    login(client, member)

    assert _panel(client, org).status_code == 403
    assert _export(client, org, "funnel").status_code == 403


# --- Exports -------------------------------------------------------------------------------------


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_each_chart_exports_its_table_as_csv(client, org, org_admin, world):
    login(client, org_admin)
    params = {**MARCH, "program": world.program.pk, "format": "csv"}

    funnel = _export(client, org, "funnel", params)
    weeks = _export(client, org, "engagement", params)
    ratings = _export(client, org, "satisfaction", params)
    headline = _export(client, org, "headline", params)

    assert funnel["Content-Type"].startswith("text/csv")
    assert "attachment" in funnel["Content-Disposition"]
    assert _csv(funnel) == [
        ["Stage", "People"],
        ["Invited", "6"],
        ["Enrolled", "5"],
        ["Matched", "4"],
        ["First check-in", "4"],
        ["Active", "4"],
        ["Completed", "1"],
    ]
    assert _csv(weeks)[0] == ["Week of", "Check-ins held"]
    assert ["2025-03-10", "2"] in _csv(weeks)
    assert _csv(ratings)[1:] == [["1", "0"], ["2", "1"], ["3", "1"], ["4", "1"], ["5", "1"]]
    rows = {row[0]: row[1:] for row in _csv(headline)[1:]}
    assert rows["Check-ins held"] == ["3", "1", "200.0"]


def test_exports_neutralise_formulas_in_text_cells_and_keep_numbers():
    header = ["Figure", '=HYPERLINK("http://evil")']
    rows = [["@SUM(A1)", 3], ["+1", 2.5], ["-2", dt.date(2025, 3, 10)]]

    csv_rows = list(csv.reader(io.StringIO(table_csv(header, rows, filename="t").content.decode())))
    sheet = load_workbook(io.BytesIO(table_xlsx(header, rows, filename="t", title="t").content))

    assert csv_rows == [
        ["Figure", '\'=HYPERLINK("http://evil")'],
        ["'@SUM(A1)", "3"],
        ["'+1", "2.5"],
        ["'-2", "2025-03-10"],
    ]
    cells = [list(row) for row in sheet.active.iter_rows()]
    assert [c.value for c in cells[0]] == ["Figure", '\'=HYPERLINK("http://evil")']
    assert all(c.data_type != "f" for row in cells for c in row)  # no formula anywhere
    assert [c.value for c in cells[1]] == ["'@SUM(A1)", 3]
    assert cells[3][1].value == dt.datetime(2025, 3, 10)


def test_each_chart_exports_its_table_as_xlsx(client, org, org_admin, world):
    login(client, org_admin)

    response = _export(
        client, org, "engagement", {**MARCH, "program": world.program.pk, "format": "xlsx"}
    )

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Week of", "Check-ins held"]
    assert [dt.datetime(2025, 3, 10), 2] in rows  # a real date and a real number


def test_an_unknown_table_is_404(client, org, org_admin):
    login(client, org_admin)

    assert _export(client, org, "secrets").status_code == 404


# --- Isolation and cost ------------------------------------------------------------------------


def test_another_organizations_rows_never_reach_the_dashboard(
    client, org, other_org, org_admin, world
):
    foreign = build_metrics_world(other_org)
    login(client, org_admin)

    mine = _panel(client, org, MARCH).context["health"]
    theirs_by_id = _panel(client, org, {**MARCH, "program": foreign.program.pk})

    assert mine.funnel.invited == 7
    assert mine.check_ins.held == 3
    # Another organization's program is not a choice: the filter falls back to everything.
    assert theirs_by_id.context["health"].scope.program_id is None


def _grow(organization, cohort, pairs):
    with scopes_disabled():
        for n in range(pairs):
            mentor = ParticipantFactory(cohort=cohort, role="mentor")
            mentee = ParticipantFactory(cohort=cohort, role="mentee")
            mentorship = Mentorship.objects.create(
                organization=organization,
                cohort=cohort,
                mentor=mentor,
                started_on=dt.date(2025, 3, 2),
            )
            MentorshipMentee.objects.create(
                organization=organization, mentorship=mentorship, mentee=mentee
            )
            CheckIn.objects.create(
                organization=organization,
                mentorship=mentorship,
                organizer=mentor,
                starts_at=at(3, 3 + n % 20, 9),
                ends_at=at(3, 3 + n % 20, 10),
                time_zone="UTC",
                ical_uid=f"grow-{mentorship.pk}@test",
            )


def test_the_dashboard_costs_the_same_queries_with_more_data(
    client, org, org_admin, world, django_assert_max_num_queries
):
    login(client, org_admin)
    params = {**MARCH, "program": world.program.pk}
    _panel(client, org, params)  # warm process-wide caches

    counts = []
    for pairs in (2, 12):
        _grow(org, world.cohort, pairs)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert _panel(client, org, params).status_code == 200
        counts.append(len(captured))

    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[1]):
        _panel(client, org, params)


def test_program_health_reads_as_the_metrics_do(org, world):
    with scope(organization=org.pk):
        health = program_health(
            organization=org,
            scope=Scope(org, program_id=world.program.pk),
            period=Period(MARCH_START, MARCH_END),
            today=dt.date(2025, 4, 30),
        )

    assert [stage.count for stage in health.funnel.stages] == [6, 5, 4, 4, 4, 1]
    assert sum(w.held for w in health.weeks) == 3
    assert health.pairs.pairs == 3


def test_the_panel_says_when_its_figures_were_counted_in_the_viewer_s_zone(
    client, org, org_admin, world, monkeypatch
):
    """A panel may be served from the cache for a while: it names the time it was counted."""
    counted = dt.datetime(2025, 4, 2, 9, 5, tzinfo=dt.UTC)
    monkeypatch.setattr("analytics.dashboard.timezone.now", lambda: counted)
    org_admin.time_zone = "Asia/Kolkata"
    org_admin.save(update_fields=["time_zone"])
    login(client, org_admin)

    html = _panel(client, org, MARCH).content.decode()

    # 09:05 UTC is 14:35 in Kolkata.
    assert "Counted at 2:35 p.m." in html


@pytest.mark.parametrize(
    "params",
    [
        {"period": "garbage"},
        {"period": "custom", "start": "2025-03-01", "end": "not a day"},
        {"period": "custom", "start": "2025-03-31", "end": "2025-03-01"},
    ],
)
def test_an_export_of_a_period_that_is_not_one_is_a_400_naming_the_error(
    client, org, org_admin, world, params
):
    """Not the default 90 days under the name of a download the viewer asked otherwise."""
    login(client, org_admin)

    response = _export(client, org, "headline", params)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()["errors"]
    assert errors and all(messages for messages in errors.values())
