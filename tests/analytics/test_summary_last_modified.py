"""The summary and the fairness audit of the reports API name when their figures were counted
(analytics.reports "Kept figures"): `Last-Modified` is that time, an `If-Modified-Since` not
older gets 304 with no body, an older one the figures; a round's audit is counted afresh and
names no time."""

import datetime as dt

import pytest
from django.utils.http import http_date, parse_http_date

from analytics import reports
from tests.analytics.factories import build_metrics_world
from tests.analytics.test_reports_api import MARCH_QUERY, key_client, rows

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/reports/summary/"
FAIRNESS = "/api/v1/reports/fairness/"


@pytest.fixture
def world(org):
    return build_metrics_world(org)


@pytest.fixture
def hr(api_client, org):
    return key_client(api_client, org)


def _counted_at(counted):
    assert counted.counted_at is not None
    return int(counted.counted_at.timestamp())


def test_the_summary_s_last_modified_is_when_it_was_counted(hr, org, world):
    query = {**MARCH_QUERY, "program": world.program.pk}

    response = hr.get(SUMMARY, query)

    [row] = rows(response)
    report = reports.ReportFilter(
        organization=org,
        period=reports.Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
        program_id=world.program.pk,
    )
    counted = reports.summary_counted(report)  # the kept figures the response served
    assert row["participants"] == counted.value["participants"] == 6
    assert parse_http_date(response["Last-Modified"]) == _counted_at(counted)
    assert response["Cache-Control"] == "private, no-cache"


def test_a_current_copy_of_the_summary_gets_304_and_an_older_one_the_figures(hr, world):
    query = {**MARCH_QUERY, "program": world.program.pk}
    last_modified = hr.get(SUMMARY, query)["Last-Modified"]

    current = hr.get(SUMMARY, query, HTTP_IF_MODIFIED_SINCE=last_modified)
    older = http_date(parse_http_date(last_modified) - 1)
    stale = hr.get(SUMMARY, query, HTTP_IF_MODIFIED_SINCE=older)

    assert current.status_code == 304
    assert current.content == b""
    assert current["Last-Modified"] == last_modified
    assert rows(stale)


def test_the_fairness_audit_names_when_it_was_counted(hr, world):
    query = {"program": world.program.pk, "attribute": "function"}

    response = hr.get(FAIRNESS, query)

    assert response.status_code == 200
    last_modified = response["Last-Modified"]
    assert hr.get(FAIRNESS, query, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
