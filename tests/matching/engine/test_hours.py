"""Working-hours overlap follows each zone's clock changes on the round's date."""

from __future__ import annotations

import datetime as dt

import pytest

from matching.engine import WorkingHours, weekly_overlap_hours

NINE_TO_FIVE = WorkingHours(dt.time(9), dt.time(17))


@pytest.mark.parametrize(
    ("round_date", "daily_overlap"),
    [
        (dt.date(2025, 2, 12), 3),  # both on standard time: London is 5 h ahead
        (dt.date(2025, 3, 12), 4),  # New York switched on 9 March, London not until 30 March
        (dt.date(2025, 4, 16), 3),  # both on summer time
        (dt.date(2025, 10, 29), 4),  # London back on 26 October, New York not until 2 November
    ],
)
def test_new_york_and_london_overlap_changes_in_the_weeks_between_clock_changes(
    round_date, daily_overlap
):
    hours = weekly_overlap_hours(
        "America/New_York", NINE_TO_FIVE, "Europe/London", NINE_TO_FIVE, round_date
    )
    assert hours == pytest.approx(5 * daily_overlap)


@pytest.mark.parametrize(
    ("round_date", "daily_overlap"),
    [
        # January: Sydney on daylight time (UTC+11), Berlin on standard time (UTC+1): 10 h apart.
        (dt.date(2025, 1, 15), 0),
        # July: Sydney standard (UTC+10), Berlin summer time (UTC+2): 8 h apart.
        (dt.date(2025, 7, 16), 0),
    ],
)
def test_sydney_and_berlin_nine_to_five_never_overlap_in_either_half_of_the_year(
    round_date, daily_overlap
):
    hours = weekly_overlap_hours(
        "Australia/Sydney", NINE_TO_FIVE, "Europe/Berlin", NINE_TO_FIVE, round_date
    )
    assert hours == pytest.approx(5 * daily_overlap)


@pytest.mark.parametrize(
    ("round_date", "weekly_overlap"),
    [
        # Sydney 07:00-15:00 vs Berlin 07:00-15:00. January: 10 h apart, Sydney's 14:00-15:00
        # is Berlin's 04:00-05:00: no overlap. Extend Berlin to start at 04:00 instead.
        (dt.date(2025, 1, 15), 5 * 1),  # Berlin 04:00-05:00 = Sydney 14:00-15:00
        (dt.date(2025, 7, 16), 5 * 3),  # 8 h apart: Berlin 04:00-07:00 = Sydney 12:00-15:00
    ],
)
def test_sydney_and_berlin_early_shift_overlap_depends_on_the_half_of_the_year(
    round_date, weekly_overlap
):
    sydney = WorkingHours(dt.time(7), dt.time(15))
    berlin_early = WorkingHours(dt.time(4), dt.time(12))
    hours = weekly_overlap_hours(
        "Australia/Sydney", sydney, "Europe/Berlin", berlin_early, round_date
    )
    assert hours == pytest.approx(weekly_overlap)


def test_only_shared_weekdays_count():
    monday_to_wednesday = WorkingHours(dt.time(9), dt.time(17), (0, 1, 2))
    wednesday_to_friday = WorkingHours(dt.time(9), dt.time(17), (2, 3, 4))
    hours = weekly_overlap_hours(
        "Europe/Paris",
        monday_to_wednesday,
        "Europe/Paris",
        wednesday_to_friday,
        dt.date(2025, 5, 14),
    )
    assert hours == pytest.approx(8)
