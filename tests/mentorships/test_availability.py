"""Weekly availability: each person's windows in their own zone, replaced as a whole, refused
when a window runs backwards, two overlap or there are too many; the page edits it and booking
offers slots only inside it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scope

from core.errors import DomainError
from mentorships.services.availability import MOST_WINDOWS, Window, availability_replace
from participants.models import WeeklyAvailability
from tests.conftest import login
from tests.factories import ParticipantFactory
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db

T = dt.time


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org, windows=False)


def replace(org, participant, windows, actor=None):
    with scope(organization=org.pk):
        return availability_replace(
            organization=org,
            participant=participant,
            actor=actor or participant.user,
            windows=windows,
        )


def stored(org, participant):
    with scope(organization=org.pk):
        return list(
            WeeklyAvailability.objects.filter(participant=participant).values_list(
                "weekday", "starts_at", "ends_at"
            )
        )


def test_the_week_is_replaced_as_a_whole_and_sorted(org, pair):
    _mentorship, mentor, _mentee = pair
    replace(org, mentor, [Window(2, T(14), T(16)), Window(0, T(9), T(12))])
    replace(org, mentor, [Window(4, T(18), T(0)), Window(0, T(8), T(10)), Window(0, T(10), T(11))])
    # Touching windows are fine; 00:00 at the end means midnight.
    assert stored(org, mentor) == [(0, T(8), T(10)), (0, T(10), T(11)), (4, T(18), T(0))]


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ([Window(0, T(12), T(9))], "On Monday, 12:00\u20139:00 ends before it starts"),
        ([Window(1, T(9), T(9))], "On Tuesday, 9:00\u20139:00 ends before it starts"),
        (
            [Window(2, T(9), T(12)), Window(2, T(11), T(13))],
            "On Wednesday, 9:00\u201312:00 and 11:00\u201313:00 overlap",
        ),
        ([Window(3, T(0), T(0)), Window(3, T(22), T(23))], "On Thursday, 0:00\u20130:00 and 22:00"),
        ([Window(7, T(9), T(10))], "Choose a day of the week."),
    ],
)
def test_backwards_or_overlapping_windows_are_refused_and_nothing_changes(
    org, pair, windows, message
):
    _mentorship, mentor, _mentee = pair
    replace(org, mentor, [Window(0, T(9), T(12))])
    with pytest.raises(DomainError) as refused:
        replace(org, mentor, windows)
    assert refused.value.field == "windows"
    assert refused.value.message.startswith(message)
    assert stored(org, mentor) == [(0, T(9), T(12))]


def test_more_than_the_most_windows_are_refused(org, pair):
    _mentorship, mentor, _mentee = pair
    too_many = [Window(day, T(hour), T(hour + 1)) for day in range(7) for hour in range(5)]
    assert len(too_many) > MOST_WINDOWS
    with pytest.raises(DomainError, match="Keep to 30 windows a week"):
        replace(org, mentor, too_many)


def test_only_the_participant_edits_their_week(org, pair):
    _mentorship, mentor, mentee = pair
    with pytest.raises(DomainError) as refused:
        replace(org, mentor, [Window(0, T(9), T(12))], actor=mentee.user)
    assert refused.value.code == "permission_denied"


def test_another_organizations_participant_is_not_found(org, other_org, pair):
    _mentorship, mentor, _mentee = pair
    foreign = ParticipantFactory(cohort__program__organization=other_org, user=mentor.user)
    with pytest.raises(DomainError) as refused:
        replace(org, foreign, [Window(0, T(9), T(12))], actor=mentor.user)
    assert refused.value.code == "not_found"


def form_data(rows, extra=0):
    data = {
        "windows-TOTAL_FORMS": str(len(rows) + extra),
        "windows-INITIAL_FORMS": "0",
        "windows-MIN_NUM_FORMS": "0",
        "windows-MAX_NUM_FORMS": "30",
    }
    for index, (day, start, end) in enumerate(rows):
        data |= {
            f"windows-{index}-weekday": str(day),
            f"windows-{index}-starts_at": start,
            f"windows-{index}-ends_at": end,
        }
    for index in range(len(rows), len(rows) + extra):
        data |= {f"windows-{index}-weekday": "", f"windows-{index}-starts_at": ""}
    return data


def test_the_page_saves_the_week_and_shows_it_in_the_persons_zone(client, org, pair):
    _mentorship, _mentor, mentee = pair
    login(client, mentee.user)
    url = reverse("mentorships:availability", args=[org.slug])
    first = client.get(url)
    assert first.context["uses_working_hours"] is True
    assert "Sao Paulo" in first.content.decode()
    response = client.post(url, form_data([(6, "19:00", "23:00"), (0, "19:00", "22:00")], extra=2))
    assert response.status_code == 302
    assert stored(org, mentee) == [(0, T(19), T(22)), (6, T(19), T(23))]
    week = dict(client.get(url).context["week"])
    assert week["Sunday"] == ["19:00\u201323:00"] and week["Monday"] == ["19:00\u201322:00"]


def test_the_page_shows_an_overlap_above_the_windows_and_keeps_the_week(client, org, pair):
    _mentorship, _mentor, mentee = pair
    replace(org, mentee, [Window(0, T(9), T(12))])
    login(client, mentee.user)
    url = reverse("mentorships:availability", args=[org.slug])
    response = client.post(url, form_data([(2, "09:00", "12:00"), (2, "11:00", "13:00")]))
    assert response.status_code == 400
    assert response.context["errors"] == [
        "On Wednesday, 9:00\u201312:00 and 11:00\u201313:00 overlap: make them one window."
    ]
    assert 'id="windows-error"' in response.content.decode()
    assert stored(org, mentee) == [(0, T(9), T(12))]


def test_a_row_with_a_day_but_no_times_is_refused_on_its_field(client, org, pair):
    _mentorship, _mentor, mentee = pair
    login(client, mentee.user)
    url = reverse("mentorships:availability", args=[org.slug])
    data = form_data([(1, "09:00", "")])
    response = client.post(url, data)
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["ends_at"]


def test_someone_not_enrolled_is_told_what_to_do(client, org):
    login(client, member_of(org, "new@acme.test"))
    response = client.get(reverse("mentorships:availability", args=[org.slug]))
    assert response.status_code == 200
    assert "You take part in no program here yet" in response.content.decode()


def test_booking_offers_slots_only_inside_both_weeks(client, org, pair):
    mentorship, mentor, mentee = pair
    replace(org, mentor, [Window(d, T(9), T(10)) for d in range(5)])  # Tokyo 9:00-10:00
    replace(org, mentee, [Window(d, T(20), T(22)) for d in range(7)])  # São Paulo 20:00-22:00
    response = login(client, mentee.user).get(
        reverse("mentorships:book", args=[org.slug, mentorship.pk]), {"duration": 30}
    )
    slots = [s for day in response.context["slot_days"] for s in day.slots]
    assert slots
    # Tokyo 9:00-10:00 is São Paulo 21:00-22:00: two half-hour slots a weekday.
    assert {(s.times[0].clock, s.times[1].clock) for s in slots} == {
        ("21:00", "9:00"),
        ("21:30", "9:30"),
    }
