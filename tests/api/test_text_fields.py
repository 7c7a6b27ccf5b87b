"""Text fields take text only: a number or a boolean is refused, not stored as "0" or "True"."""

import pytest

from organizations.models import OrganizationAPIKey
from tests.api.test_api import PARTICIPANT, PROGRAM

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_client(api_client, org):
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="ci", organization=org, scopes=["read", "write"]
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api_client


@pytest.mark.parametrize("value", [0, 12.5, True, ["x"], {"x": 1}])
def test_a_program_name_must_be_a_string(key_client, value):
    response = key_client.post("/api/v1/programs/", {**PROGRAM, "name": value}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("full_name", 0),
        ("email", 5),
        ("country", 81),
        ("goals", False),
        ("skills_wanted", [1, 2]),
        ("languages", [{"code": 1, "proficiency": "native"}]),
    ],
)
def test_participant_text_fields_must_be_strings(key_client, cohort, field, value):
    response = key_client.post(
        "/api/v1/participants/",
        {**PARTICIPANT, "cohort": cohort.pk, field: value},
        format="json",
    )

    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]


def test_a_string_name_is_still_accepted(key_client):
    response = key_client.post("/api/v1/programs/", {**PROGRAM, "name": "0"}, format="json")

    assert response.status_code == 201
