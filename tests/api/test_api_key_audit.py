"""Writes made with an API key are audited under the key: its prefix and name."""

import pytest
from django_scopes import scopes_disabled

from organizations.models import AuditLogEntry, OrganizationAPIKey
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db

PROGRAM = {"name": "Crossroads", "program_type": "one_to_one", "goal": "cross_functional"}


@pytest.fixture
def key(org):
    key, raw = OrganizationAPIKey.objects.create_key(
        name="HR sync", organization=org, scopes=["read", "write"]
    )
    key.raw = raw
    return key


@pytest.fixture
def key_client(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key.raw}")
    return api_client


def _entry(org, action):
    with scopes_disabled():
        return AuditLogEntry.objects.filter(organization=org, action=action).get()


def test_a_program_created_with_a_key_is_audited_with_the_keys_prefix_and_name(
    org, key, key_client
):
    response = key_client.post("/api/v1/programs/", PROGRAM, format="json")

    assert response.status_code == 201, response.json()
    entry = _entry(org, "program.create")
    assert entry.actor is None
    assert entry.data["api_key"] == {"prefix": key.prefix, "name": "HR sync"}
    assert entry.data["actor_label"] == f"API key {key.prefix} (HR sync)"


def test_a_participant_withdrawn_with_a_key_is_audited_with_the_key(org, key, key_client):
    participant = ParticipantFactory(cohort=CohortFactory(program=ProgramFactory(organization=org)))

    response = key_client.post(f"/api/v1/participants/{participant.pk}/withdraw/")

    assert response.status_code == 200, response.json()
    assert _entry(org, "participant.withdraw").data["api_key"]["prefix"] == key.prefix
