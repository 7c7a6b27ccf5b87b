"""Papercuts of a participant's home and a mentorship's home: the next check-in reads the same
hour on both (the viewer's zone in that mentorship), "Write to …" opens the pair's thread, and
the mentorship's home reads its members once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django_scopes import scope

from mentorships import services
from tests.conftest import login
from tests.mentorships.pages import tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org)


def _book_at_midnight_utc(org, mentorship, mentor) -> dt.datetime:
    """A check-in in three days at 00:00 UTC: 21:00 the day before in São Paulo, 01:00 in
    Berlin, 09:00 in Tokyo."""
    starts = (timezone.now() + dt.timedelta(days=3)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    with scope(organization=org.pk):
        services.check_in_book(
            organization=org,
            mentorship=mentorship,
            actor=mentor.user,
            starts_at=starts,
            duration=dt.timedelta(minutes=45),
        )
    return starts


def test_the_home_and_the_mentorship_home_show_the_next_check_in_at_the_same_hour(
    client, org, pair
):
    mentorship, mentor, mentee = pair
    # The account's zone differs from the zone the mentee gave in the program's profile.
    mentee.user.time_zone = "Europe/Berlin"
    mentee.user.save(update_fields=["time_zone"])
    starts = _book_at_midnight_utc(org, mentorship, mentor)
    login(client, mentee.user)

    detail = client.get(reverse("mentorships:detail", args=[org.slug, mentorship.pk]))
    home = client.get(reverse("dashboard", args=[org.slug]))

    yours = detail.context["home"].next_check_in_times[0]
    assert (yours.time_zone, yours.clock) == ("America/Sao_Paulo", "21:00")
    (shown,) = home.context["participant_home"].mentorships
    assert shown.next_check_in is not None
    assert (shown.next_check_in.day, shown.next_check_in.clock) == (yours.day, yours.clock)
    page = home.content.decode()
    assert f"Next check-in: {yours.day}, 21:00 (Sao Paulo time)" in page
    # Not the account zone's hour (Berlin, 01:00 of the next day).
    berlin = date_format(starts.astimezone(ZoneInfo("Europe/Berlin")), "D j M, G:i")
    assert berlin.endswith(", 1:00")
    assert berlin not in page


def test_a_mentor_sees_the_next_check_in_in_their_own_zone(client, org, pair):
    mentorship, mentor, _mentee = pair
    _book_at_midnight_utc(org, mentorship, mentor)
    login(client, mentor.user)

    (shown,) = (
        client.get(reverse("dashboard", args=[org.slug])).context["participant_home"].mentorships
    )

    assert (shown.next_check_in.time_zone, shown.next_check_in.clock) == ("Asia/Tokyo", "9:00")


def test_write_to_opens_the_mentorships_message_thread(client, org, pair):
    mentorship, _mentor, mentee = pair
    login(client, mentee.user)

    page = client.get(reverse("dashboard", args=[org.slug])).content.decode()

    thread = reverse("mentorships:messages", args=[org.slug, mentorship.pk])
    assert f'<a href="{thread}" class="next-step mentorship-card__write"' in page
    assert "Write to Kenji" in page
    assert "mailto:" not in page
    assert client.get(thread).status_code == 200


def _participant_reads(captured: CaptureQueriesContext) -> list[str]:
    """Queries that load participants' rows (any query selecting their columns)."""
    column = '"participants_participant"."goals"'
    return [q["sql"] for q in captured.captured_queries if column in q["sql"]]


def test_the_mentorship_home_reads_its_members_once(client, org, pair):
    mentorship, _mentor, mentee = pair
    login(client, mentee.user)
    url = reverse("mentorships:detail", args=[org.slug, mentorship.pk])
    client.get(url)  # warm process-wide caches

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)

    assert response.status_code == 200
    # The mentorship with its mentor, then its mentees: nothing looked up a second time.
    assert len(_participant_reads(captured)) == 2, _participant_reads(captured)
    home = response.context["home"]
    assert [p.full_name for p in home.members] == ["Kenji Watanabe", "Ana Souza"]
    assert home.viewer == mentee
