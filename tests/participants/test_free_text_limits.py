"""Free text and lists have limits that fit each field, the same in the model (so every service,
the CSV import and the forms) and in the API."""

import pytest
from django.core.exceptions import ValidationError

from organizations.models import OrganizationAPIKey
from participants.models import BOARD_ROLES_LIMIT, GOALS_MAX_LENGTH
from participants.services import participant_create
from programs.forms import ProgramForm
from programs.models import DESCRIPTION_MAX_LENGTH
from tests.api.test_api import PARTICIPANT, PROGRAM
from tests.conftest import login
from tests.participants.test_csv_import_export import GOOD_ROWS, HEADER, _count, _upload

pytestmark = pytest.mark.django_db

MEGABYTE = "a" * (1024 * 1024)


@pytest.fixture
def key_client(api_client, org):
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="ci", organization=org, scopes=["read", "write"]
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api_client


def _fields(response) -> dict:
    assert response.status_code == 400, response.content[:300]
    return response.json()["error"]["fields"]


def test_the_api_refuses_a_megabyte_program_description(key_client):
    response = key_client.post(
        "/api/v1/programs/", {**PROGRAM, "description": MEGABYTE}, format="json"
    )

    assert "description" in _fields(response)


def test_the_api_refuses_megabyte_goals_and_five_thousand_board_roles(key_client, cohort):
    roles = [f"role{n}" for n in range(5000)]
    response = key_client.post(
        "/api/v1/participants/",
        {**PARTICIPANT, "cohort": cohort.pk, "goals": MEGABYTE, "board_roles": roles},
        format="json",
    )

    assert {"goals", "board_roles"} <= set(_fields(response))


def test_the_api_accepts_text_at_the_limit(key_client):
    response = key_client.post(
        "/api/v1/programs/",
        {**PROGRAM, "description": "a" * DESCRIPTION_MAX_LENGTH},
        format="json",
    )

    assert response.status_code == 201, response.json()


def test_the_service_refuses_too_many_board_roles_and_too_long_goals(org, cohort):
    data = {key: value for key, value in PARTICIPANT.items() if key not in ("email", "country")}
    data |= {
        "country": "JP",
        "goals": "g" * (GOALS_MAX_LENGTH + 1),
        "board_roles": ["seat"] * (BOARD_ROLES_LIMIT.max_items + 1),
    }

    with pytest.raises(ValidationError) as refused:
        participant_create(
            organization=org, cohort=cohort, actor=None, email="limits@acme.test", data=data
        )

    assert {"goals", "board_roles"} <= set(refused.value.message_dict)


def test_the_program_form_refuses_a_description_over_the_limit():
    form = ProgramForm(
        data={**PROGRAM, "description": "a" * (DESCRIPTION_MAX_LENGTH + 1)},
    )

    assert "description" in form.errors


def test_a_csv_row_with_too_many_board_seats_is_reported_on_its_line(
    client, org, org_admin, cohort
):
    login(client, org_admin)
    seats = "; ".join(f"seat{n}" for n in range(BOARD_ROLES_LIMIT.max_items + 1))
    text = "\n".join([f"{HEADER},board_roles", f"{GOOD_ROWS[0]},", f'{GOOD_ROWS[1]},"{seats}"'])

    response = _upload(client, org, cohort, text)

    assert response.status_code == 400
    [error] = response.context["row_errors"]
    assert (error.line, error.field) == (3, "board_roles")
    assert _count(cohort) == 0
