"""Each list endpoint answers a page in three queries, however many rows there are: the API key
(with its organization), the row-level-security setting, the page, between the request's BEGIN
and COMMIT. As in production, the
request's transaction is the outermost one (ATOMIC_REQUESTS, no test transaction around it),
so the setting is not restored: it ends with the transaction."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import OrganizationAPIKey
from tests.factories import CohortFactory, OrganizationFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db(transaction=True)

LIST_ENDPOINTS = [
    "/api/v1/programs/",
    "/api/v1/cohorts/",
    "/api/v1/participants/",
    "/api/v1/participants/?page_size=200",
]


def _organization_with_rows(rows: int) -> str:
    organization = OrganizationFactory()
    for _ in range(rows):
        cohort = CohortFactory(program=ProgramFactory(organization=organization))
        ParticipantFactory(cohort=cohort)
        ParticipantFactory(cohort=cohort, role="mentor")
    _key, secret = OrganizationAPIKey.objects.create_key(
        name="reporting", organization=organization, scopes=["read"]
    )
    return secret


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_list_endpoint_answers_in_three_queries_for_few_and_many_rows(client, endpoint):
    for rows in (1, 12):
        secret = _organization_with_rows(rows)
        headers = {"HTTP_AUTHORIZATION": f"Api-Key {secret}"}
        client.get(endpoint, **headers)  # records the key's last use (once a minute)

        with CaptureQueriesContext(connection) as queries:
            response = client.get(endpoint, **headers)

        assert response.status_code == 200
        assert len(response.json()["results"]) >= rows
        sql = [
            query["sql"]
            for query in queries.captured_queries
            if query["sql"] not in ("BEGIN", "COMMIT")
        ]
        assert len(sql) == 3, sql
        assert "set_config" in sql[1]


def test_the_organization_setting_does_not_outlive_the_request(client):
    secret = _organization_with_rows(1)

    client.get("/api/v1/participants/", HTTP_AUTHORIZATION=f"Api-Key {secret}")

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting('app.current_org', true), '')")
        assert cursor.fetchone()[0] == ""
