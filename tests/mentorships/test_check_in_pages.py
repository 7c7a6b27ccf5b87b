"""The check-in pages: slots offered in both people's zones, booking through the page (a series
by the program's cadence), refusals beside their fields, rescheduling in one step, cancelling
and recording afterwards. Only the mentorship's members reach any of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from mentorships import services
from mentorships.models import CheckIn, CheckInRecord, CheckInStatus
from tests.conftest import login
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org)


def book_url(org, mentorship):
    return reverse("mentorships:book", args=[org.slug, mentorship.pk])


def all_slots(response):
    return [slot for day in response.context["slot_days"] for slot in day.slots]


def in_days(days, hour=0):
    """An instant `days` from now at `hour`:00 UTC, which is 9:00 in Tokyo at hour 0."""
    return (timezone.now() + dt.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def test_the_mentee_sees_slots_in_her_zone_first_then_the_mentors(client, org, pair):
    mentorship, _mentor, mentee = pair
    response = login(client, mentee.user).get(book_url(org, mentorship))
    assert response.status_code == 200
    slots = all_slots(response)
    assert slots, "Tokyo mornings overlap São Paulo evenings"
    for slot in slots:
        mine, theirs = slot.times
        assert (mine.zone_label, theirs.zone_label) == ("Sao Paulo", "Tokyo")
        # Tokyo 8:00-11:00 is São Paulo 20:00-23:00 the day before (Brazil keeps no DST).
        assert 8 <= theirs.at.hour < 11
        assert 20 <= mine.at.hour < 23
        assert theirs.at.date() == mine.at.date() + dt.timedelta(days=1)
    label = slots[0].label
    assert " Sao Paulo · " in label and label.endswith(" Tokyo")


def test_the_mentor_sees_the_same_slots_in_tokyo_time_first(client, org, pair):
    mentorship, mentor, mentee = pair
    as_mentee = [
        s.value for s in all_slots(login(client, mentee.user).get(book_url(org, mentorship)))
    ]
    response = login(client, mentor.user).get(book_url(org, mentorship))
    assert [s.value for s in all_slots(response)] == as_mentee
    assert all(s.times[0].zone_label == "Tokyo" for s in all_slots(response))


def test_three_weeks_offer_more_slots_and_htmx_gets_only_the_slot_list(client, org, pair):
    mentorship, _mentor, mentee = pair
    login(client, mentee.user)
    two = client.get(book_url(org, mentorship))
    three = client.get(
        book_url(org, mentorship), {"weeks": 3, "duration": 90}, HTTP_HX_REQUEST="true"
    )
    assert three.templates[0].name == "mentorships/_slots.html"
    assert three.context["weeks"] == 3
    assert len(all_slots(two)) > 0 and len(all_slots(three)) > 0


def test_holidays_of_either_side_are_marked_and_can_be_skipped(client, org, pair, monkeypatch):
    mentorship, _mentor, mentee = pair
    # Christmas week 2030: 25 December is a public holiday in Brazil, not in Japan.
    week = (dt.datetime(2030, 12, 22, tzinfo=dt.UTC), dt.datetime(2030, 12, 29, tzinfo=dt.UTC))
    monkeypatch.setattr("mentorships.views.check_ins._slot_window", lambda weeks: week)
    login(client, mentee.user)
    marked = all_slots(client.get(book_url(org, mentorship)))
    on_christmas = [s for s in marked if s.times[0].at.date() == dt.date(2030, 12, 25)]
    assert on_christmas
    assert all(s.holidays == ["Christmas Day (BR)"] for s in on_christmas)
    assert all(not s.holidays for s in marked if s not in on_christmas)
    assert "Christmas Day (BR)" in client.get(book_url(org, mentorship)).content.decode()
    skipped = all_slots(client.get(book_url(org, mentorship), {"skip_holidays": "1"}))
    assert [s.value for s in skipped] == [s.value for s in marked if s not in on_christmas]


def test_booking_a_slot_books_a_series_by_the_programs_cadence_and_invites_both(
    client, org, pair, django_capture_on_commit_callbacks
):
    mentorship, _mentor, mentee = pair
    login(client, mentee.user)
    slot = all_slots(client.get(book_url(org, mentorship)))[0]
    page = client.get(book_url(org, mentorship))
    form = page.context["form"]
    assert (form["repeat"].value(), form["every_weeks"].value()) == (True, 2)  # biweekly
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            book_url(org, mentorship),
            {
                "slot": slot.value,
                "duration": 45,
                "agenda": "Introductions",
                "location": "https://meet.example.com/x",
                "repeat": "on",
                "every_weeks": 2,
                "occurrences": 3,
            },
        )
    assert response.status_code == 302
    with scope(organization=org.pk):
        booked = list(CheckIn.objects.filter(mentorship=mentorship).order_by("starts_at"))
    assert len(booked) == 3
    assert booked[0].starts_at.strftime("%Y-%m-%dT%H:%MZ") == slot.value
    assert booked[0].ends_at - booked[0].starts_at == dt.timedelta(minutes=45)
    assert booked[1].starts_at - booked[0].starts_at == dt.timedelta(weeks=2)
    assert booked[0].organizer == mentee
    assert {m.to[0] for m in mail.outbox} == {"kenji@acme.test", "ana@acme.test"}


def test_an_ad_hoc_program_books_a_single_check_in_by_default(client, org):
    mentorship, _mentor, mentee = tokyo_sao_paulo_pair(org, cadence="ad_hoc")
    page = login(client, mentee.user).get(book_url(org, mentorship))
    assert page.context["form"]["repeat"].value() is False


def test_a_custom_time_is_read_in_the_viewers_zone(client, org, pair):
    mentorship, _mentor, mentee = pair
    # Her account shows times in Tokyo's zone; she takes part from São Paulo, which counts here.
    mentee.user.time_zone = "Asia/Tokyo"
    mentee.user.save(update_fields=["time_zone"])
    day = (timezone.now() + dt.timedelta(days=5)).date()
    response = login(client, mentee.user).post(
        book_url(org, mentorship),
        {
            "custom_start": f"{day:%Y-%m-%d}T07:30",
            "duration": 30,
            "every_weeks": 2,
            "occurrences": 2,
        },
    )
    assert response.status_code == 302
    with scope(organization=org.pk):
        check_in = CheckIn.objects.get(mentorship=mentorship)
    # 7:30 in São Paulo (UTC-3) is 10:30 UTC.
    assert check_in.starts_at == dt.datetime.combine(day, dt.time(10, 30), tzinfo=dt.UTC)


def test_booking_without_a_time_says_so_beside_the_slots(client, org, pair):
    mentorship, _mentor, mentee = pair
    response = login(client, mentee.user).post(
        book_url(org, mentorship), {"duration": 45, "every_weeks": 2, "occurrences": 2}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["slot"] == ["Choose a time, or type one below."]
    assert 'id="id_slot_error"' in response.content.decode()


def test_a_time_in_the_past_is_refused_beside_the_custom_time(client, org, pair):
    mentorship, _mentor, mentee = pair
    yesterday = (timezone.now() - dt.timedelta(days=1)).date()
    response = login(client, mentee.user).post(
        book_url(org, mentorship),
        {
            "custom_start": f"{yesterday:%Y-%m-%d}T10:00",
            "duration": 45,
            "every_weeks": 2,
            "occurrences": 2,
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["custom_start"] == ["Choose a time in the future."]


def test_a_clash_with_another_check_in_is_refused_beside_the_slot(client, org, pair):
    mentorship, mentor, mentee = pair
    starts = in_days(4)
    with scope(organization=org.pk):
        services.check_in_book(
            organization=org, mentorship=mentorship, actor=mentor.user,
            starts_at=starts, duration=dt.timedelta(minutes=60),
        )  # fmt: skip
    response = login(client, mentee.user).post(
        book_url(org, mentorship),
        {
            "slot": starts.strftime("%Y-%m-%dT%H:%MZ"),
            "duration": 45,
            "every_weeks": 2,
            "occurrences": 2,
        },
    )
    assert response.status_code == 400
    assert "already has a check-in" in response.context["form"].errors["slot"][0]


def test_a_series_too_long_is_refused_beside_its_count(client, org, pair):
    mentorship, _mentor, mentee = pair
    slot = all_slots(login(client, mentee.user).get(book_url(org, mentorship)))[0]
    response = client.post(
        book_url(org, mentorship),
        {"slot": slot.value, "duration": 45, "repeat": "on", "every_weeks": 2, "occurrences": 40},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["occurrences"]


def test_the_list_shows_upcoming_and_past_check_ins_in_both_zones(client, org, pair):
    mentorship, mentor, mentee = pair
    with scope(organization=org.pk):
        (upcoming,) = services.check_in_book(
            organization=org, mentorship=mentorship, actor=mentor.user,
            starts_at=in_days(6), duration=dt.timedelta(minutes=45),
        )  # fmt: skip
    past = CheckIn.objects.create(
        organization=org, mentorship=mentorship, organizer=mentor,
        starts_at=in_days(-3), ends_at=in_days(-3) + dt.timedelta(hours=1),
        time_zone="Asia/Tokyo", ical_uid="past@meridian",
    )  # fmt: skip
    response = login(client, mentee.user).get(
        reverse("mentorships:check_ins", args=[org.slug, mentorship.pk])
    )
    assert [r.check_in for r in response.context["upcoming"]] == [upcoming]
    assert [r.check_in for r in response.context["past"]] == [past]
    (row,) = response.context["upcoming"]
    assert [t.zone_label for t in row.times] == ["Sao Paulo", "Tokyo"]
    page = response.content.decode()
    assert reverse("mentorships:check_in_record", args=[org.slug, past.pk]) in page
    assert reverse("mentorships:check_in_reschedule", args=[org.slug, upcoming.pk]) in page


def test_a_missed_check_in_is_rescheduled_in_one_step(client, org, pair):
    mentorship, mentor, mentee = pair
    missed = CheckIn.objects.create(
        organization=org, mentorship=mentorship, organizer=mentor,
        starts_at=in_days(-2), ends_at=in_days(-2) + dt.timedelta(minutes=30),
        time_zone="Asia/Tokyo", ical_uid="missed@meridian",
    )  # fmt: skip
    url = reverse("mentorships:check_in_reschedule", args=[org.slug, missed.pk])
    login(client, mentee.user)
    slot = all_slots(client.get(url))[0]
    response = client.post(url, {"slot": slot.value})
    assert response.status_code == 302
    missed.refresh_from_db()
    assert missed.starts_at.strftime("%Y-%m-%dT%H:%MZ") == slot.value
    assert missed.ends_at - missed.starts_at == dt.timedelta(minutes=30)
    assert missed.sequence == 1


def test_cancelling_keeps_the_reason_and_moves_it_to_the_past_list(client, org, pair):
    mentorship, mentor, mentee = pair
    with scope(organization=org.pk):
        (check_in,) = services.check_in_book(
            organization=org, mentorship=mentorship, actor=mentor.user,
            starts_at=in_days(6), duration=dt.timedelta(minutes=45),
        )  # fmt: skip
    login(client, mentee.user)
    response = client.post(
        reverse("mentorships:check_in_cancel", args=[org.slug, check_in.pk]), {"reason": "Ill"}
    )
    assert response.status_code == 302
    check_in.refresh_from_db()
    assert (check_in.status, check_in.cancel_reason) == (CheckInStatus.CANCELLED, "Ill")
    listing = client.get(reverse("mentorships:check_ins", args=[org.slug, mentorship.pk]))
    assert listing.context["upcoming"] == []
    assert "Cancelled: Ill" in listing.content.decode()


def test_recording_a_check_in_saves_the_rating_and_refuses_one_not_yet_started(client, org, pair):
    mentorship, mentor, mentee = pair
    past = CheckIn.objects.create(
        organization=org, mentorship=mentorship, organizer=mentor,
        starts_at=in_days(-1), ends_at=in_days(-1) + dt.timedelta(hours=1),
        time_zone="Asia/Tokyo", ical_uid="held@meridian",
    )  # fmt: skip
    login(client, mentee.user)
    url = reverse("mentorships:check_in_record", args=[org.slug, past.pk])
    response = client.post(url, {"happened": "yes", "rating": "4", "comment": "Useful"})
    assert response.status_code == 302
    with scope(organization=org.pk):
        record = CheckInRecord.objects.get(check_in=past)
    assert (record.participant, record.happened, record.rating) == (mentee, True, 4)
    with scope(organization=org.pk):
        (future,) = services.check_in_book(
            organization=org, mentorship=mentorship, actor=mentor.user,
            starts_at=in_days(6), duration=dt.timedelta(minutes=45),
        )  # fmt: skip
    early = client.post(
        reverse("mentorships:check_in_record", args=[org.slug, future.pk]), {"happened": "yes"}
    )
    assert early.status_code == 400
    assert early.context["form"].non_field_errors() == [
        "You can say how it went once it has started."
    ]


@pytest.mark.parametrize("role", ["member", "admin", "program_manager"])
def test_outsiders_reach_none_of_the_check_in_pages(client, org, pair, role):
    mentorship, mentor, _mentee = pair
    with scope(organization=org.pk):
        (check_in,) = services.check_in_book(
            organization=org, mentorship=mentorship, actor=mentor.user,
            starts_at=in_days(6), duration=dt.timedelta(minutes=45),
        )  # fmt: skip
    login(client, member_of(org, f"{role}@acme.test", role=role))
    for name, arg in [("check_ins", mentorship.pk), ("book", mentorship.pk)]:
        assert client.get(reverse(f"mentorships:{name}", args=[org.slug, arg])).status_code == 404
    for name in ("check_in_reschedule", "check_in_record"):
        url = reverse(f"mentorships:{name}", args=[org.slug, check_in.pk])
        assert client.get(url).status_code == 404
    cancel = reverse("mentorships:check_in_cancel", args=[org.slug, check_in.pk])
    assert client.post(cancel).status_code == 404
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.SCHEDULED


def test_a_malformed_custom_time_is_refused_on_its_field(client, org, pair):
    mentorship, _mentor, mentee = pair
    response = login(client, mentee.user).post(
        book_url(org, mentorship),
        {"custom_start": "next tuesday", "duration": 45, "every_weeks": 2, "occurrences": 2},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["custom_start"] == ["Enter a date and time."]
