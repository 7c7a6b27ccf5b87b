"""Meeting slots across time zones. Expected times are worked out by hand from each zone's rules
(written beside each case), and a property test compares the interval arithmetic with a
minute-by-minute scan that asks `zoneinfo` for every minute's wall-clock time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorships.scheduling import (
    Person,
    WeeklyWindow,
    common_slots,
    free_intervals,
    offset_pieces,
    series,
    series_rule,
)

MONDAY, SUNDAY = 0, 6


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def weekdays_9_to_17(time_zone: str, **place: str) -> Person:
    return Person(
        time_zone,
        tuple(WeeklyWindow.of(day, time(9), time(17)) for day in range(5)),
        **place,
    )


def starts(slots) -> list[datetime]:
    return [slot.start for slot in slots]


class TestDaylightSavingOnOneSide:
    new_york = weekdays_9_to_17("America/New_York")
    berlin = weekdays_9_to_17("Europe/Berlin")

    def _monday_overlap(self, monday: date) -> list[tuple[datetime, datetime]]:
        start = datetime.combine(monday, time(0), tzinfo=UTC)
        return [
            (slot.start, slot.end)
            for slot in common_slots(
                [self.new_york, self.berlin],
                start,
                start + timedelta(days=1),
                duration=timedelta(hours=1),
                step=timedelta(hours=1),
            )
        ]

    def test_before_either_change_they_share_two_hours(self):
        # 3 March 2025: New York EST (UTC-5) 14:00-22:00 UTC, Berlin CET (UTC+1) 08:00-16:00 UTC.
        assert self._monday_overlap(date(2025, 3, 3)) == [
            (utc(2025, 3, 3, 14), utc(2025, 3, 3, 15)),
            (utc(2025, 3, 3, 15), utc(2025, 3, 3, 16)),
        ]

    def test_when_only_new_york_has_changed_they_share_three_hours(self):
        # 10 March 2025: New York moved to EDT on 9 March (13:00-21:00 UTC); Berlin is still on
        # CET until 30 March (08:00-16:00 UTC).
        assert starts_of(self._monday_overlap(date(2025, 3, 10))) == [
            utc(2025, 3, 10, 13),
            utc(2025, 3, 10, 14),
            utc(2025, 3, 10, 15),
        ]

    def test_after_both_changed_they_share_two_hours_again(self):
        # 7 April 2025: EDT 13:00-21:00 UTC, CEST (UTC+2) 07:00-15:00 UTC.
        assert starts_of(self._monday_overlap(date(2025, 4, 7))) == [
            utc(2025, 4, 7, 13),
            utc(2025, 4, 7, 14),
        ]

    def test_each_side_sees_the_slot_at_its_own_wall_clock_time(self):
        slot = common_slots(
            [self.new_york, self.berlin],
            utc(2025, 3, 10),
            utc(2025, 3, 11),
            duration=timedelta(hours=1),
        )[0]
        assert slot.local("America/New_York")[0].time() == time(9)
        assert slot.local("Europe/Berlin")[0].time() == time(14)


def starts_of(pairs: list[tuple[datetime, datetime]]) -> list[datetime]:
    return [begins for begins, _ in pairs]


def test_half_and_quarter_hour_zones_meet_in_the_quarter_hour_they_share():
    # Kolkata is UTC+5:30 and Kathmandu UTC+5:45: 09:00-10:00 on both sides is 03:30-04:30 and
    # 03:15-04:15 UTC, which share 03:30-04:15.
    kolkata = Person("Asia/Kolkata", (WeeklyWindow.of(MONDAY, time(9), time(10)),))
    kathmandu = Person("Asia/Kathmandu", (WeeklyWindow.of(MONDAY, time(9), time(10)),))
    slots = common_slots(
        [kolkata, kathmandu],
        utc(2025, 6, 2),
        utc(2025, 6, 3),
        duration=timedelta(minutes=30),
        step=timedelta(minutes=15),
    )
    assert starts(slots) == [utc(2025, 6, 2, 3, 30), utc(2025, 6, 2, 3, 45)]
    assert slots[0].local("Asia/Kathmandu")[0].time() == time(9, 15)


class TestHolidays:
    # A mentee in São Paulo (UTC-3, no daylight saving since 2019) free on Sunday evenings, and
    # a mentor in Tokyo (UTC+9) free on Monday mornings: Sunday 20:00-23:00 in São Paulo is
    # Sunday 23:00 to Monday 02:00 UTC; Monday 08:00-10:00 in Tokyo is Sunday 23:00 to Monday
    # 01:00 UTC. 15 September 2025 is Respect for the Aged Day in Japan (third Monday of
    # September); 14 September is no holiday in Brazil.
    sao_paulo = Person(
        "America/Sao_Paulo",
        (WeeklyWindow.of(SUNDAY, time(20), time(23)),),
        country="BR",
        subdivision="SP",
    )
    tokyo = Person("Asia/Tokyo", (WeeklyWindow.of(MONDAY, time(8), time(10)),), country="JP")

    def _slots(self, **options):
        return common_slots(
            [self.sao_paulo, self.tokyo],
            utc(2025, 9, 14),
            utc(2025, 9, 23),
            duration=timedelta(hours=1),
            **options,
        )

    def test_a_holiday_of_only_one_side_is_marked_with_that_sides_country(self):
        slots = self._slots()
        holiday_week = [slot for slot in slots if slot.start < utc(2025, 9, 16)]
        assert starts(holiday_week) == [
            utc(2025, 9, 14, 23),
            utc(2025, 9, 14, 23, 30),
            utc(2025, 9, 15, 0),
        ]
        for slot in holiday_week:
            assert [(h.country, h.day) for h in slot.holidays] == [("JP", date(2025, 9, 15))]
        next_week = [slot for slot in slots if slot.start >= utc(2025, 9, 16)]
        assert len(next_week) == 3
        assert all(slot.holidays == () for slot in next_week)

    def test_people_can_skip_holidays(self):
        assert starts(self._slots(skip_holidays=True)) == [
            utc(2025, 9, 21, 23),
            utc(2025, 9, 21, 23, 30),
            utc(2025, 9, 22, 0),
        ]

    def test_a_country_without_a_calendar_has_no_holidays(self):
        nowhere = Person("Asia/Tokyo", self.tokyo.windows, country="XX")
        assert all(
            slot.holidays == ()
            for slot in common_slots(
                [nowhere], utc(2025, 9, 14), utc(2025, 9, 16), duration=timedelta(hours=1)
            )
        )


class TestClockChangeNights:
    def test_the_skipped_hour_is_not_free_time(self):
        # 9 March 2025, New York: 02:00 EST jumps to 03:00 EDT (07:00 UTC). A 02:30-04:00 window
        # covers 03:00-04:00 EDT, 07:00-08:00 UTC.
        person = Person("America/New_York", (WeeklyWindow.of(SUNDAY, time(2, 30), time(4)),))
        assert free_intervals(person, utc(2025, 3, 9), utc(2025, 3, 10)) == [
            (utc(2025, 3, 9, 7), utc(2025, 3, 9, 8))
        ]

    def test_the_repeated_hour_is_free_twice(self):
        # 2 November 2025, New York: 02:00 EDT goes back to 01:00 EST (06:00 UTC). A 01:00-02:00
        # window covers 01:00-02:00 EDT (05:00-06:00 UTC) and 01:00-02:00 EST (06:00-07:00 UTC).
        person = Person("America/New_York", (WeeklyWindow.of(SUNDAY, time(1), time(2)),))
        assert free_intervals(person, utc(2025, 11, 2), utc(2025, 11, 3)) == [
            (utc(2025, 11, 2, 5), utc(2025, 11, 2, 7))
        ]

    def test_the_offset_changes_exactly_at_the_transition(self):
        pieces = offset_pieces(ZoneInfo("Europe/Berlin"), utc(2025, 3, 29), utc(2025, 4, 1))
        assert [(begins, offset) for begins, _, offset in pieces] == [
            (utc(2025, 3, 29), timedelta(hours=1)),
            (utc(2025, 3, 30, 1), timedelta(hours=2)),  # 02:00 CET becomes 03:00 CEST
        ]


def test_a_window_to_midnight_joins_the_next_days_window():
    person = Person(
        "UTC",
        (WeeklyWindow.of(MONDAY, time(22), time(0)), WeeklyWindow.of(1, time(0), time(2))),
    )
    slots = common_slots(
        [person],
        utc(2025, 6, 2),
        utc(2025, 6, 4),
        duration=timedelta(hours=3),
        step=timedelta(hours=1),
    )
    assert starts(slots) == [utc(2025, 6, 2, 22), utc(2025, 6, 2, 23)]


def test_no_common_time_gives_no_slots():
    early = Person("UTC", (WeeklyWindow.of(MONDAY, time(6), time(8)),))
    late = Person("UTC", (WeeklyWindow.of(MONDAY, time(8), time(10)),))
    assert (
        common_slots(
            [early, late], utc(2025, 6, 2), utc(2025, 6, 3), duration=timedelta(minutes=30)
        )
        == []
    )


@pytest.mark.parametrize(
    ("weekday", "start", "end"), [(7, 0, 60), (-1, 0, 60), (0, 60, 60), (0, 90, 60), (0, 0, 1441)]
)
def test_windows_must_run_forward_within_one_day(weekday, start, end):
    with pytest.raises(ValueError):
        WeeklyWindow(weekday, start, end)


def test_duration_and_step_must_be_positive():
    person = Person("UTC", (WeeklyWindow.of(MONDAY, time(9), time(10)),))
    with pytest.raises(ValueError):
        common_slots([person], utc(2025, 6, 2), utc(2025, 6, 3), duration=timedelta(0))
    with pytest.raises(ValueError):
        common_slots(
            [person],
            utc(2025, 6, 2),
            utc(2025, 6, 3),
            duration=timedelta(hours=1),
            step=timedelta(0),
        )


class TestRecurringSeries:
    def test_a_series_keeps_the_organizers_local_time_across_a_clock_change(self):
        # New York leaves EDT on 2 November 2025: 09:00 is 13:00 UTC before and 14:00 UTC after.
        occurrences = list(
            series(utc(2025, 10, 27, 13), "America/New_York", every_weeks=1, count=3)
        )
        assert occurrences == [utc(2025, 10, 27, 13), utc(2025, 11, 3, 14), utc(2025, 11, 10, 14)]

    def test_every_two_weeks(self):
        occurrences = list(series(utc(2025, 1, 6, 9), "UTC", every_weeks=2, count=3))
        assert occurrences == [utc(2025, 1, 6, 9), utc(2025, 1, 20, 9), utc(2025, 2, 3, 9)]
        assert series_rule(every_weeks=2, count=3) == "FREQ=WEEKLY;INTERVAL=2;COUNT=3"

    def test_a_series_repeats_at_least_weekly_at_least_once(self):
        with pytest.raises(ValueError):
            list(series(utc(2025, 1, 6, 9), "UTC", every_weeks=0, count=3))
        with pytest.raises(ValueError):
            list(series(utc(2025, 1, 6, 9), "UTC", every_weeks=1, count=0))


# --- an independent check: minute by minute --------------------------------------------------

ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "Australia/Lord_Howe",  # moves by half an hour
    "UTC",
]
# Weeks around clock changes: US and EU in spring and autumn, and the southern hemisphere.
WEEK_STARTS = [
    utc(2025, 3, 6),
    utc(2025, 3, 27),
    utc(2025, 4, 3),
    utc(2025, 10, 23),
    utc(2025, 10, 30),
    utc(2025, 9, 25),
    utc(2025, 6, 5),
]

windows = st.builds(
    lambda weekday, start, length: WeeklyWindow(
        weekday, start * 30, min(start * 30 + length * 30, 1440)
    ),
    st.integers(0, 6),
    st.integers(0, 47),
    st.integers(1, 16),
)
people = st.builds(
    lambda zone, ws: Person(zone, tuple(ws)),
    st.sampled_from(ZONES),
    st.lists(windows, min_size=1, max_size=6),
)


def free_minutes(person: Person, start: datetime, minutes: int) -> set[int]:
    zone = ZoneInfo(person.time_zone)
    free = set()
    for index in range(minutes):
        local = (start + timedelta(minutes=index)).astimezone(zone)
        minute = local.hour * 60 + local.minute
        if any(
            w.weekday == local.weekday() and w.start_minute <= minute < w.end_minute
            for w in person.windows
        ):
            free.add(index)
    return free


@settings(max_examples=60, deadline=None)
@given(first=people, second=people, week=st.sampled_from(WEEK_STARTS))
def test_slots_agree_with_a_minute_by_minute_scan(first, second, week):
    minutes = 4 * 24 * 60
    end = week + timedelta(minutes=minutes)
    both = free_minutes(first, week, minutes) & free_minutes(second, week, minutes)
    slots = common_slots(
        [first, second], week, end, duration=timedelta(minutes=30), step=timedelta(minutes=30)
    )
    for slot in slots:
        offset = int((slot.start - week).total_seconds() // 60)
        assert set(range(offset, offset + 30)) <= both
    # Every maximal free stretch of 30 minutes or more yields at least one slot at its start.
    stretch_starts = [
        m for m in sorted(both) if m - 1 not in both and all(m + k in both for k in range(30))
    ]
    slot_minutes = {int((slot.start - week).total_seconds() // 60) for slot in slots}
    assert set(stretch_starts) <= slot_minutes
