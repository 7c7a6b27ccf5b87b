"""The participant serializer's plain-value `to_representation` answers exactly what DRF's
field-by-field walk answered, for every field and for the values that take a special path."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework import serializers

from participants.apis import ParticipantSerializer
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def _drf_representation(participant) -> dict:
    serializer = ParticipantSerializer(participant)
    return serializers.ModelSerializer.to_representation(serializer, participant)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {
            "languages": [{"code": "es"}, {"code": "en", "proficiency": "basic"}],
            "working_hours_start": dt.time(8, 30, 15, 250),
            "working_hours_end": dt.time(0, 0),
            "skills_offered": [],
            "board_roles": ["chair", "treasurer"],
            "answers": {"format": "Video call", "topics": ["a", "b"], "n": 3},
            "withdrawn_at": dt.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=dt.UTC),
            "status": "withdrawn",
            "seniority": 4,
            "country": "DE",
            "manager_email": "boss@example.com",
            "cultural_background": "",
        },
    ],
)
def test_participant_json_is_the_same_as_drf_field_walk(overrides):
    participant = ParticipantFactory(**overrides)
    participant.refresh_from_db()

    fast = ParticipantSerializer(participant).data
    assert fast == _drf_representation(participant)
    assert list(fast) == list(_drf_representation(participant))


def test_participant_list_json_is_the_same_as_drf_field_walk():
    participants = [ParticipantFactory(), ParticipantFactory(role="mentor", mentor_capacity=3)]
    for participant in participants:
        participant.refresh_from_db()

    listed = ParticipantSerializer(participants, many=True).data
    assert listed == [_drf_representation(p) for p in participants]


def test_participant_times_keep_the_current_time_zone_of_drf(settings):
    participant = ParticipantFactory(withdrawn_at=timezone.now())
    participant.refresh_from_db()
    with timezone.override("Asia/Tokyo"):
        assert ParticipantSerializer(participant).data == _drf_representation(participant)
