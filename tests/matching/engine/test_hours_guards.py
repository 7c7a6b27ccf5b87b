"""Working-hours windows, their folding onto one repeating week, and the weekly hours, on
cases small enough to work out by hand (offsets of January 2025: London UTC+0, Tokyo +9,
Sydney +11, New York -5; of July 2025: New York -4)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from matching.engine import WorkingHours, weekly_overlap_hours
from matching.engine.hours import overlap_hours_matrix, profile_of, utc_windows

WEEKDAYS = (0, 1, 2, 3, 4)
JANUARY = dt.date(2025, 1, 15)  # a Wednesday; its week starts on Monday 13 January
JULY = dt.date(2025, 7, 16)


def _hours(start: int | str, end: int | str, weekdays: tuple[int, ...] = WEEKDAYS):
    def clock(value: int | str) -> dt.time:
        return dt.time(value) if isinstance(value, int) else dt.time.fromisoformat(value)

    return WorkingHours(clock(start), clock(end), weekdays)


def test_an_unknown_time_zone_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        weekly_overlap_hours("Mars/Olympus", _hours(9, 17), "UTC", _hours(9, 17), JANUARY)


@pytest.mark.parametrize(
    ("time_zone", "hours", "round_date", "expected"),
    [
        # Hours since Monday 00:00 UTC of the round's week.
        ("Europe/London", _hours(9, 17, (0,)), JANUARY, [(9.0, 17.0)]),
        ("Asia/Tokyo", _hours(9, 17, (0,)), JANUARY, [(0.0, 8.0)]),
        # Sydney's Monday 09:00 is Sunday 22:00 UTC, two hours before the week starts.
        ("Australia/Sydney", _hours(9, 17, (0,)), JANUARY, [(-2.0, 6.0)]),
        # Friday is day 4: 96 h, plus 13 h (09:00 in New York on summer time).
        ("America/New_York", _hours(9, 17, (4,)), JULY, [(109.0, 117.0)]),
        # A night shift ends on the next day.
        ("Europe/London", _hours(22, 6, (0, 2)), JANUARY, [(22.0, 30.0), (70.0, 78.0)]),
    ],
)
def test_windows_are_hours_since_monday_midnight_utc(time_zone, hours, round_date, expected):
    windows = utc_windows(profile_of(time_zone, hours), round_date)
    assert np.array(windows) == pytest.approx(np.array(expected))


def test_the_matrix_gives_every_pair_of_profiles_and_each_sides_weekly_hours():
    """Mentees: London 9-17 (UTC 9-17) and Tokyo 9-17 (UTC 0-8), Monday to Friday.
    Mentors: London 13-15 on Monday and Wednesday; UTC 06-11 on Friday.
    London/London: 2 h on two days = 4. London/UTC Friday: 9-11 = 2.
    Tokyo/London: 0-8 against 13-15 = 0. Tokyo/UTC Friday: 6-8 = 2."""
    mentees = [
        profile_of("Europe/London", _hours(9, 17)),
        profile_of("Asia/Tokyo", _hours(9, 17)),
    ]
    mentors = [
        profile_of("Europe/London", _hours(13, 15, (0, 2))),
        profile_of("UTC", _hours(6, 11, (4,))),
    ]
    overlaps, mentee_week, mentor_week = overlap_hours_matrix(mentees, mentors, JANUARY)
    assert overlaps == pytest.approx(np.array([[4.0, 2.0], [0.0, 2.0]]))
    assert mentee_week.tolist() == pytest.approx([40.0, 40.0])
    assert mentor_week.tolist() == pytest.approx([4.0, 5.0])


def test_weekly_hours_count_a_night_shift_in_full():
    _, week, _ = overlap_hours_matrix(
        [profile_of("Europe/London", _hours(22, 6, (0, 1, 2)))], [], JANUARY
    )
    assert week.tolist() == pytest.approx([24.0])


def test_a_window_shorter_than_an_hour_still_counts():
    hours = weekly_overlap_hours(
        "Europe/London", _hours("09:00", "09:30"), "Europe/London", _hours(9, 17), JANUARY
    )
    assert hours == pytest.approx(5 * 0.5)


def test_working_around_the_clock_every_day_overlaps_the_whole_week():
    always = _hours(0, 0, (0, 1, 2, 3, 4, 5, 6))
    assert weekly_overlap_hours("UTC", always, "UTC", always, JANUARY) == pytest.approx(168)
    assert weekly_overlap_hours("UTC", always, "Europe/London", _hours(9, 17), JANUARY) == (
        pytest.approx(40)
    )


def test_a_sunday_night_shift_meets_the_monday_morning_of_the_repeating_week():
    """UTC Sunday 22:00 to Monday 06:00 is hours 166-174: folded, 166-168 and 0-6. Against
    Monday 00:00-08:00 that is 6 h."""
    hours = weekly_overlap_hours("UTC", _hours(22, 6, (6,)), "UTC", _hours(0, 8, (0,)), JANUARY)
    assert hours == pytest.approx(6)


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        (_hours(0, 0, (0,)), 6),  # all Monday UTC: Sydney's 00:00-06:00 UTC part
        (_hours(0, 0, (6,)), 2),  # all Sunday UTC: its 22:00-24:00 part
        (_hours(21, 23, (6,)), 1),  # Sunday 21-23 UTC against Sydney's 22-24
    ],
)
def test_a_sydney_monday_starting_on_sunday_utc_is_split_across_the_week_end(other, expected):
    sydney_monday = _hours(9, 17, (0,))
    hours = weekly_overlap_hours("Australia/Sydney", sydney_monday, "UTC", other, JANUARY)
    assert hours == pytest.approx(expected)
