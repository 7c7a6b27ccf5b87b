"""The live reports kept under the organization's data version (analytics/reports.py): a
repeated request reads the kept copy, any write to a row the figures read counts afresh, and a
new anonymity threshold applies at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import APIKeyScope, OrganizationAPIKey
from tests.analytics.test_fairness_audit import _mentees
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(api_client, org):
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="hr", organization=org, scopes=[APIKeyScope.REPORTS_READ.value]
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    api_client.get("/api/v1/reports/cohorts/")  # the key's first use of the minute: one write
    return api_client


def _get(client, path, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()["results"], len(captured)


def test_a_repeated_summary_is_read_from_the_kept_copy_until_a_write(hr, cohort):
    ParticipantFactory(cohort=cohort)
    [first], counted = _get(hr, "/api/v1/reports/summary/")
    [again], kept = _get(hr, "/api/v1/reports/summary/")

    ParticipantFactory(cohort=cohort)
    [after], recounted = _get(hr, "/api/v1/reports/summary/")

    assert again == first and kept < counted
    assert after["participants"] == first["participants"] + 1
    # The first count also read the organization's size (kept for an hour).
    assert recounted == counted - 1


def test_the_summary_of_another_period_or_scope_is_its_own(hr, cohort, program):
    ParticipantFactory(cohort=cohort)
    _get(hr, "/api/v1/reports/summary/")

    [other], _queries = _get(hr, "/api/v1/reports/summary/", program=program.pk + 1000)

    assert other["participants"] == 0


def test_the_fairness_audit_counts_again_after_a_write_or_a_new_threshold(hr, org, cohort):
    _mentees(cohort, 6, function="Sales")
    _mentees(cohort, 6, function="Legal")
    first, counted = _get(hr, "/api/v1/reports/fairness/", attribute="function")
    again, kept = _get(hr, "/api/v1/reports/fairness/", attribute="function")
    assert again == first and kept < counted

    org.survey_anonymity_threshold = 7  # both groups of 6 now fold into one, under it
    org.save(update_fields=["survey_anonymity_threshold"])
    folded, _queries = _get(hr, "/api/v1/reports/fairness/", attribute="function")
    assert {row["group_label"] for row in first} == {"Sales", "Legal"}
    assert {row["group_label"] for row in folded} == {"Other"}

    _mentees(cohort, 7, function="Ops")
    grown, _queries = _get(hr, "/api/v1/reports/fairness/", attribute="function")
    assert "Ops" in {row["group_label"] for row in grown}
