import pytest
from django.urls import reverse

from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_user_chooses_language_and_time_zone(client, member):
    login(client, member)

    response = client.post(
        reverse("accounts:settings"),
        {"full_name": "Mia", "language": "es", "time_zone": "Asia/Tokyo"},
    )

    member.refresh_from_db()
    assert response.status_code == 302
    assert (member.language, member.time_zone, member.full_name) == ("es", "Asia/Tokyo", "Mia")


def test_unknown_time_zone_is_a_field_error(client, member):
    login(client, member)

    response = client.post(
        reverse("accounts:settings"), {"full_name": "Mia", "language": "", "time_zone": "Moon/Base"}
    )

    assert "time_zone" in response.context["form"].errors
    member.refresh_from_db()
    assert member.time_zone == ""
