"""The "How did it go?" page opens only for a check-in that has started and was not cancelled:
a future one's form would be refused on Save, so the link sends the member to the mentorship
home with the reason (when it starts, in the member's own zone) instead of a form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from mentorships import services
from mentorships.models import CheckIn, CheckInRecord
from tests.conftest import login
from tests.mentorships.pages import tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org)


def record_url(org, check_in):
    return reverse("mentorships:check_in_record", args=[org.slug, check_in.pk])


def home_url(org, mentorship):
    return reverse("mentorships:detail", args=[org.slug, mentorship.pk])


def book(org, mentorship, mentor, starts_at):
    with scope(organization=org.pk):
        (check_in,) = services.check_in_book(
            organization=org, mentorship=mentorship, actor=mentor.user,
            starts_at=starts_at, duration=dt.timedelta(minutes=45),
        )  # fmt: skip
    return check_in


def flashed(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_future_check_in_sends_the_member_home_saying_when_it_starts(client, org, pair):
    mentorship, mentor, mentee = pair
    # 12:00 UTC on a day six days ahead is 9:00 in São Paulo (no DST) and 21:00 in Tokyo.
    starts_at = (timezone.now() + dt.timedelta(days=6)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    future = book(org, mentorship, mentor, starts_at)
    response = login(client, mentee.user).get(record_url(org, future))
    assert response.status_code == 302
    assert response["Location"] == home_url(org, mentorship)
    (message,) = flashed(response)
    local_day = starts_at.astimezone(dt.timezone(dt.timedelta(hours=-3)))
    assert f" {local_day.day} " in message
    assert "at 9:00 (Sao Paulo time)" in message
    assert message.endswith("You can say how it went once it has started.")
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert "You can say how it went once it has started." in home.content.decode()


def test_the_mentor_reads_the_same_start_in_tokyo_time(client, org, pair):
    mentorship, mentor, _mentee = pair
    starts_at = (timezone.now() + dt.timedelta(days=6)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    future = book(org, mentorship, mentor, starts_at)
    response = login(client, mentor.user).get(record_url(org, future))
    assert response.status_code == 302
    (message,) = flashed(response)
    assert "at 21:00 (Tokyo time)" in message


def test_a_cancelled_check_in_sends_the_member_home_without_a_form(client, org, pair):
    mentorship, mentor, mentee = pair
    check_in = CheckIn.objects.create(
        organization=org, mentorship=mentorship, organizer=mentor,
        starts_at=timezone.now() - dt.timedelta(days=2),
        ends_at=timezone.now() - dt.timedelta(days=2) + dt.timedelta(hours=1),
        time_zone="Asia/Tokyo", ical_uid="cancelled@meridian", status="cancelled",
    )  # fmt: skip
    response = login(client, mentee.user).get(record_url(org, check_in))
    assert response.status_code == 302
    assert response["Location"] == home_url(org, mentorship)
    assert flashed(response) == ["This check-in was cancelled, so there is nothing to record."]


def test_a_check_in_that_has_started_shows_the_form_and_saves(client, org, pair):
    mentorship, mentor, mentee = pair
    started = CheckIn.objects.create(
        organization=org, mentorship=mentorship, organizer=mentor,
        starts_at=timezone.now() - dt.timedelta(minutes=10),
        ends_at=timezone.now() + dt.timedelta(minutes=35),
        time_zone="Asia/Tokyo", ical_uid="started@meridian",
    )  # fmt: skip
    login(client, mentee.user)
    page = client.get(record_url(org, started))
    assert page.status_code == 200
    assert 'name="happened"' in page.content.decode()
    saved = client.post(record_url(org, started), {"happened": "yes", "rating": "5"})
    assert saved.status_code == 302
    with scope(organization=org.pk):
        assert CheckInRecord.objects.get(check_in=started).rating == 5


def test_the_home_link_is_for_members_only(client, org, pair, outsider):
    mentorship, mentor, _mentee = pair
    future = book(org, mentorship, mentor, timezone.now() + dt.timedelta(days=6))
    assert login(client, outsider).get(record_url(org, future)).status_code == 404
