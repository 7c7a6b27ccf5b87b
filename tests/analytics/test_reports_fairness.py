"""The fairness report per match round (`/api/v1/reports/fairness/?round=`): the round's
proposals audited as its review page shows them before publishing, in JSON and CSV, never
another organization's round, only with the `reports:read` scope."""

import pytest

from organizations.models import APIKeyScope, OrganizationAPIKey
from tests.analytics.test_fairness_audit import _mentees, _round
from tests.factories import CohortFactory, ProgramFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/fairness/"


def _client(api_client, org, scopes=(APIKeyScope.REPORTS_READ.value,)):
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="hr", organization=org, scopes=list(scopes)
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api_client


@pytest.fixture
def proposed_round(org, cohort):
    """Operations: 2 of 10 mentees proposed a mentor; Engineering: 9 of 10 (scores 0.8)."""
    operations = _mentees(cohort, 10, function="Operations")
    engineering = _mentees(cohort, 10, function="Engineering")
    return _round(cohort, operations[:2] + engineering[:9], operations[2:] + engineering[9:])


def _cells(rows, metric):
    return {row["group_label"]: row for row in rows if row["metric"] == metric}


def test_a_rounds_report_holds_each_groups_proposal_rate_and_score(api_client, org, proposed_round):
    response = _client(api_client, org).get(
        URL, {"round": proposed_round.pk, "attribute": "function"}
    )

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["metric"] for row in rows} == {"proposed", "score"}
    assert {row["match_round"] for row in rows} == {proposed_round.pk}
    proposed = _cells(rows, "proposed")
    # 2/10 against the rest's 9/10: 70 points less, Fisher's p = 0.0055 (Holm: doubled).
    assert proposed["Operations"]["value"] == 0.2
    assert proposed["Operations"]["rest"] == 0.9
    assert proposed["Operations"]["difference"] == pytest.approx(-0.7)
    assert proposed["Operations"]["flagged"] is True
    assert proposed["Operations"]["finding"].startswith(
        "Mentees in Operations were proposed a mentor 70 points less often"
    )
    assert proposed["Engineering"]["value"] == 0.9
    # Scores are of the 11 proposed mentees: Operations' 2 are under the threshold of 5, and
    # Engineering's 9 would give them away by subtraction from the round's total.
    scores = _cells(rows, "score")
    assert scores["Operations"]["withheld"] and scores["Engineering"]["withheld"]
    assert scores["Operations"]["value"] is None and scores["Engineering"]["value"] is None


def test_a_rounds_report_reads_as_csv_with_the_round_column_last(api_client, org, proposed_round):
    response = _client(api_client, org).get(
        URL, {"round": proposed_round.pk, "attribute": "function", "format": "csv"}
    )

    assert response.status_code == 200
    header, *lines = response.content.decode().splitlines()
    assert header.split(",")[-1] == "match_round"
    assert lines and all(line.endswith(f",{proposed_round.pk}") for line in lines)


def test_the_scope_audit_names_no_round(api_client, org, proposed_round):
    rows = _client(api_client, org).get(URL, {"attribute": "function"}).json()["results"]

    assert rows and {row["match_round"] for row in rows} == {None}
    assert "proposed" not in {row["metric"] for row in rows}


def test_another_organizations_round_has_no_rows(api_client, org, other_org):
    theirs = CohortFactory(program=ProgramFactory(organization=other_org))
    their_round = _round(theirs, _mentees(theirs, 10), _mentees(theirs, 10))

    response = _client(api_client, org).get(URL, {"round": their_round.pk})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_round_outside_the_cohort_asked_for_has_no_rows(api_client, org, proposed_round):
    elsewhere = CohortFactory(program=ProgramFactory(organization=org))

    response = _client(api_client, org).get(
        URL, {"round": proposed_round.pk, "cohort": elsewhere.pk}
    )

    assert response.json()["results"] == []


@pytest.mark.parametrize("value", ["0", "x", "-3"])
def test_a_round_that_is_no_id_is_a_400(api_client, org, value):
    response = _client(api_client, org).get(URL, {"round": value})

    assert response.status_code == 400
    assert "round" in response.json()["error"]["fields"]


def test_a_key_without_reports_read_gets_403(api_client, org, proposed_round):
    client = _client(api_client, org, scopes=[APIKeyScope.READ.value, APIKeyScope.WRITE.value])

    response = client.get(URL, {"round": proposed_round.pk})

    assert response.status_code == 403
