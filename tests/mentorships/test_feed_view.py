"""The calendar feed's address: anyone with the token reads the person's check-ins as a calendar
(no sign-in), nobody else's; a revoked or unknown token is 404; the person manages it in their
account settings, and sees the address once."""

from __future__ import annotations

import datetime as dt

import pytest
import recurring_ical_events
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from icalendar import Calendar

from accounts import services as account_services
from accounts.models import CalendarFeed
from mentorships import services
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_pair(org, mentor_user, mentee_user, names=("Mia", "Eli")):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentor = ParticipantFactory(cohort=cohort, role="mentor", user=mentor_user, full_name=names[0])
    mentee = ParticipantFactory(cohort=cohort, role="mentee", user=mentee_user, full_name=names[1])
    with scope(organization=org.pk):
        return services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )


def book(org, mentorship, user, days, agenda=""):
    with scope(organization=org.pk):
        (check_in,) = services.check_in_book(
            organization=org, mentorship=mentorship, actor=user,
            starts_at=(timezone.now() + dt.timedelta(days=days)).replace(microsecond=0),
            duration=dt.timedelta(minutes=30), agenda=agenda,
        )  # fmt: skip
    return check_in


def feed_url(token):
    return reverse("calendar_feed", args=[token])


def events_in(response):
    calendar = Calendar.from_ical(response.content)
    return list(calendar.walk("VEVENT"))


def test_the_feed_is_a_calendar_of_the_persons_check_ins_in_every_organization(
    client, org, other_org
):
    mia, eli, zoe = UserFactory(), UserFactory(), UserFactory()
    here = book(org, make_pair(org, mia, eli), mia, 3, agenda="Here")
    there = book(other_org, make_pair(other_org, mia, zoe, ("Mia", "Zoe")), zoe, 4, "There")
    token = account_services.calendar_feed_create(user=mia)

    response = client.get(feed_url(token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"].startswith("private")
    events = events_in(response)
    assert [str(e["DESCRIPTION"]) for e in events] == ["Here", "There"]
    assert [e.decoded("DTSTART") for e in events] == [here.starts_at, there.starts_at]
    window = recurring_ical_events.of(Calendar.from_ical(response.content)).between(
        timezone.now(), timezone.now() + dt.timedelta(days=30)
    )
    assert len(window) == 2


def test_another_persons_check_ins_never_appear(client, org):
    mia, eli = UserFactory(), UserFactory()
    book(org, make_pair(org, mia, eli), mia, 3, agenda="Ours")
    stranger_pair = make_pair(org, UserFactory(), UserFactory(), ("Ann", "Bo"))
    book(org, stranger_pair, stranger_pair.mentor.user, 5, agenda="Theirs")
    token = account_services.calendar_feed_create(user=eli)
    assert [str(e["DESCRIPTION"]) for e in events_in(client.get(feed_url(token)))] == ["Ours"]


def test_a_revoked_replaced_or_unknown_address_is_not_found(client, org):
    mia = UserFactory()
    book(org, make_pair(org, mia, UserFactory()), mia, 3)
    first = account_services.calendar_feed_create(user=mia)
    second = account_services.calendar_feed_create(user=mia)
    assert client.get(feed_url(first)).status_code == 404
    assert client.get(feed_url(second)).status_code == 200
    account_services.calendar_feed_revoke(user=mia)
    assert client.get(feed_url(second)).status_code == 404
    assert client.get(feed_url("not-a-token")).status_code == 404


def test_the_settings_page_shows_a_new_address_once_and_revokes_it(client, org):
    mia = UserFactory()
    login(client, mia)
    page = reverse("calendar_feed_settings")
    assert "Create my calendar address" in client.get(page).content.decode()

    created = client.post(page, {"action": "create"})
    address = created.context["address"]
    assert address.startswith("http://testserver/calendar/") and address.endswith(".ics")
    assert address in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    assert client.get(address).status_code == 200
    # Shown once: the next visit says there is an address but cannot show it.
    again = client.get(page)
    assert address not in again.content.decode()
    assert again.context["feed"] is not None

    revoked = client.post(page, {"action": "revoke"})
    assert revoked.status_code == 302
    assert client.get(address).status_code == 404
    assert not CalendarFeed.objects.filter(user=mia, revoked_at__isnull=True).exists()


def test_account_settings_need_a_sign_in(client):
    response = client.get(reverse("calendar_feed_settings"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_account_settings_lead_to_the_calendar_address(client):
    login(client, UserFactory())
    page = client.get(reverse("accounts:settings")).content.decode()
    assert reverse("calendar_feed_settings") in page
    assert "Google Calendar, Outlook or Apple Calendar" in page
