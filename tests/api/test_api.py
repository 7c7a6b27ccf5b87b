import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from organizations.api_auth import OrganizationRateThrottle
from organizations.models import OrganizationAPIKey, Role
from participants.models import Participant
from programs.models import Program
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def key_client(api_client, organization, scopes):
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="test", organization=organization, scopes=scopes
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api_client


def session_client(api_client, organization, role):
    user = MembershipFactory(organization=organization, role=role, user=UserFactory()).user
    api_client.force_authenticate(user)
    api_client.credentials(HTTP_X_ORGANIZATION=organization.slug)
    return api_client


PROGRAM = {
    "name": "Crossroads",
    "program_type": "one_to_one",
    "goal": "cross_functional",
    "description": "Learn another function.",
}
COHORT = {
    "name": "Autumn",
    "starts_on": "2027-09-01",
    "ends_on": "2028-02-28",
    "enrollment_opens_at": "2027-06-01T00:00:00Z",
    "enrollment_closes_at": "2027-08-01T00:00:00Z",
    "mentor_capacity": 10,
    "mentee_capacity": 20,
    "status": "draft",
}
PARTICIPANT = {
    "email": "new.person@acme.test",
    "full_name": "New Person",
    "role": "mentee",
    "languages": [{"code": "en", "proficiency": "native"}],
    "time_zone": "Asia/Tokyo",
    "working_hours_start": "09:00",
    "working_hours_end": "18:00",
    "country": "jp",
    "function": "Product",
    "seniority": 2,
    "skills_wanted": ["pricing"],
}


# --- authentication and scopes -------------------------------------------------------------


def test_anonymous_requests_are_refused(api_client):
    response = api_client.get("/api/v1/programs/")

    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_an_unknown_key_is_refused(api_client, org):
    api_client.credentials(HTTP_AUTHORIZATION="Api-Key abc.def")

    assert api_client.get("/api/v1/programs/").status_code == 401


def test_a_revoked_key_stops_working(api_client, org):
    key, raw = OrganizationAPIKey.objects.create_key(name="t", organization=org, scopes=["read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert api_client.get("/api/v1/programs/").status_code == 200

    key.revoked = True
    key.save()

    assert api_client.get("/api/v1/programs/").status_code == 401


def test_keys_are_stored_hashed(org):
    key, raw = OrganizationAPIKey.objects.create_key(name="t", organization=org, scopes=["read"])

    assert raw.split(".")[1] not in key.hashed_key


def test_a_read_key_cannot_write(api_client, org):
    client = key_client(api_client, org, ["read"])

    response = client.post("/api/v1/programs/", PROGRAM, format="json")

    assert response.status_code == 403
    assert "write" in response.json()["error"]["message"]


def test_a_reports_only_key_cannot_read_participants(api_client, org):
    client = key_client(api_client, org, ["reports:read"])

    assert client.get("/api/v1/participants/").status_code == 403


def test_a_write_key_creates_a_program(api_client, org):
    client = key_client(api_client, org, ["read", "write"])

    response = client.post("/api/v1/programs/", PROGRAM, format="json")

    assert response.status_code == 201, response.json()
    with scopes_disabled():
        assert Program.objects.get(pk=response.json()["id"]).organization == org


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        (Role.OWNER, 200, 201),
        (Role.ADMIN, 200, 201),
        (Role.PROGRAM_MANAGER, 200, 201),
        (Role.HR_ANALYST, 200, 403),
        (Role.MEMBER, 403, 403),
    ],
)
def test_roles_decide_what_a_session_may_do_with_programs(api_client, org, role, read, write):
    client = session_client(api_client, org, role)

    assert client.get("/api/v1/programs/").status_code == read
    assert client.post("/api/v1/programs/", PROGRAM, format="json").status_code == write


def test_session_without_a_chosen_organization_is_told_how_to_choose(api_client, org):
    user = MembershipFactory(organization=org, role=Role.ADMIN, user=UserFactory()).user
    api_client.force_authenticate(user)

    response = api_client.get("/api/v1/programs/")

    assert response.status_code == 403
    assert "X-Organization" in response.json()["error"]["message"]


def test_a_session_cannot_name_an_organization_it_does_not_belong_to(api_client, org, other_org):
    ProgramFactory(organization=other_org, name="Secret")
    user = MembershipFactory(organization=org, role=Role.ADMIN, user=UserFactory()).user
    api_client.force_authenticate(user)
    api_client.credentials(HTTP_X_ORGANIZATION=other_org.slug)

    response = api_client.get("/api/v1/programs/")

    assert response.status_code == 403
    assert "Secret" not in response.content.decode()


# --- validation errors ---------------------------------------------------------------------


def test_invalid_program_gets_field_level_errors(api_client, org):
    client = key_client(api_client, org, ["read", "write"])

    response = client.post(
        "/api/v1/programs/", {**PROGRAM, "program_type": "solo", "name": ""}, format="json"
    )

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"program_type", "name"}


def test_duplicate_program_name_is_a_field_error(api_client, org, program):
    client = key_client(api_client, org, ["read", "write"])

    response = client.post("/api/v1/programs/", {**PROGRAM, "name": program.name}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]


def test_cohort_dates_out_of_order_are_field_errors(api_client, org, program):
    client = key_client(api_client, org, ["read", "write"])

    response = client.post(
        "/api/v1/cohorts/",
        {**COHORT, "program": program.pk, "ends_on": "2027-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert "ends_on" in response.json()["error"]["fields"]


def test_cohort_cannot_be_created_in_another_organizations_program(api_client, org, other_org):
    foreign = ProgramFactory(organization=other_org)
    client = key_client(api_client, org, ["read", "write"])

    response = client.post("/api/v1/cohorts/", {**COHORT, "program": foreign.pk}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"program": ["No such program."]}


def test_participant_is_created_updated_and_withdrawn(api_client, org, cohort):
    client = key_client(api_client, org, ["read", "write"])

    created = client.post(
        "/api/v1/participants/", {**PARTICIPANT, "cohort": cohort.pk}, format="json"
    )
    participant_id = created.json()["id"]
    updated = client.patch(
        f"/api/v1/participants/{participant_id}/", {"function": "Design"}, format="json"
    )
    withdrawn = client.post(f"/api/v1/participants/{participant_id}/withdraw/")

    assert created.status_code == 201, created.json()
    assert created.json()["country"] == "JP"
    assert updated.status_code == 200, updated.json()
    assert updated.json()["function"] == "Design"
    assert withdrawn.json()["status"] == "withdrawn"


def test_participant_with_bad_fields_reports_each_and_saves_nothing(api_client, org, cohort):
    client = key_client(api_client, org, ["read", "write"])

    response = client.post(
        "/api/v1/participants/",
        {
            **PARTICIPANT,
            "cohort": cohort.pk,
            "time_zone": "Nowhere/Town",
            "languages": [{"code": "xx"}],
            "seniority": 9,
            "email": "nope",
        },
        format="json",
    )

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"email", "seniority"} <= set(fields)
    with scopes_disabled():
        assert not Participant.objects.exists()


def test_participant_profile_rules_from_the_service_are_field_errors(api_client, org, cohort):
    client = key_client(api_client, org, ["read", "write"])

    response = client.post(
        "/api/v1/participants/",
        {
            **PARTICIPANT,
            "cohort": cohort.pk,
            "time_zone": "Nowhere/Town",
            "languages": [{"code": "xx"}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert {"time_zone", "languages"} <= set(response.json()["error"]["fields"]), response.json()


# --- listing -------------------------------------------------------------------------------


def test_cursor_pagination_walks_every_row_once(api_client, org, cohort):
    for index in range(7):
        ParticipantFactory(cohort=cohort, email=f"p{index}@acme.test")
    client = key_client(api_client, org, ["read"])

    seen, url = [], "/api/v1/participants/?page_size=3"
    while url:
        page = client.get(url).json()
        seen += [row["email"] for row in page["results"]]
        url = page["next"]

    assert sorted(seen) == sorted(f"p{i}@acme.test" for i in range(7))


def test_participants_filter_by_role_cohort_and_search(api_client, org, cohort, program):
    other_cohort = CohortFactory(program=program)
    ParticipantFactory(cohort=cohort, role="mentor", full_name="Maya Mentor")
    ParticipantFactory(cohort=cohort, role="mentee", full_name="Tom Mentee")
    ParticipantFactory(cohort=other_cohort, role="mentor", full_name="Other Cohort")
    client = key_client(api_client, org, ["read"])

    by_role = client.get(f"/api/v1/participants/?cohort={cohort.pk}&role=mentor").json()["results"]
    by_search = client.get("/api/v1/participants/?q=tom").json()["results"]

    assert [row["full_name"] for row in by_role] == ["Maya Mentor"]
    assert [row["full_name"] for row in by_search] == ["Tom Mentee"]


def test_invalid_filter_value_is_a_field_error(api_client, org):
    client = key_client(api_client, org, ["read"])

    response = client.get("/api/v1/participants/?role=captain")

    assert response.status_code == 400
    assert "role" in response.json()["error"]["fields"]


def test_throttling_answers_429_past_the_organizations_budget(api_client, org, monkeypatch):
    monkeypatch.setattr(OrganizationRateThrottle, "THROTTLE_RATES", {"organization": "3/min"})
    client = key_client(api_client, org, ["read"])

    statuses = [client.get("/api/v1/programs/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


# --- schema and docs -----------------------------------------------------------------------


def test_openapi_schema_describes_the_endpoints(client):
    response = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")

    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/programs/", "/api/v1/cohorts/", "/api/v1/participants/{id}/withdraw/"} <= set(
        schema["paths"]
    )


def test_docs_page_loads_its_assets_locally(client):
    response = client.get(reverse("api-docs"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in body
    assert "cdn." not in body and "unpkg" not in body
