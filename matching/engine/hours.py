"""Working-hours overlap across time zones, correct for daylight saving time on the round's date.

People share few distinct (time zone, hours, weekdays) profiles, so overlaps are computed
once per pair of profiles and looked up for every pair of people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from matching.engine.types import WorkingHours

Profile = tuple[str, dt.time, dt.time, tuple[int, ...]]


def profile_of(time_zone: str, hours: WorkingHours) -> Profile:
    return (time_zone, hours.start, hours.end, hours.weekdays)


def week_monday(round_date: dt.date) -> dt.date:
    return round_date - dt.timedelta(days=round_date.weekday())


def utc_windows(profile: Profile, round_date: dt.date) -> list[tuple[float, float]]:
    """Working windows of the round's week as hours since Monday 00:00 UTC of that week.

    Each local day is converted separately, so a week in which a clock change happens
    mid-week is still converted correctly day by day.
    """
    time_zone, start, end, weekdays = profile
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {time_zone!r}") from error
    monday = week_monday(round_date)
    origin = dt.datetime.combine(monday, dt.time(0), tzinfo=dt.UTC)
    windows = []
    for weekday in weekdays:
        day = monday + dt.timedelta(days=weekday)
        local_start = dt.datetime.combine(day, start, tzinfo=zone)
        # An end at or before the start means the shift runs past midnight.
        end_day = day if end > start else day + dt.timedelta(days=1)
        local_end = dt.datetime.combine(end_day, end, tzinfo=zone)
        start_hours = (local_start.astimezone(dt.UTC) - origin).total_seconds() / 3600
        end_hours = (local_end.astimezone(dt.UTC) - origin).total_seconds() / 3600
        windows.append((start_hours, end_hours))
    return windows


def _window_array(profiles: Sequence[Profile], round_date: dt.date) -> np.ndarray:
    array = np.zeros((len(profiles), 7, 2), dtype=np.float64)
    for index, profile in enumerate(profiles):
        for slot, window in enumerate(utc_windows(profile, round_date)):
            array[index, slot] = window
    return array


def overlap_hours_matrix(
    mentee_profiles: Sequence[Profile], mentor_profiles: Sequence[Profile], round_date: dt.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weekly overlap hours per profile pair, plus each side's weekly working hours."""
    mentee_windows = _window_array(mentee_profiles, round_date)
    mentor_windows = _window_array(mentor_profiles, round_date)
    # A mentor's week is also compared one week earlier and later, so a Sydney Monday
    # morning still meets a Los Angeles Sunday-evening-UTC Friday afternoon.
    overlaps = np.zeros((len(mentee_profiles), len(mentor_profiles)), dtype=np.float64)
    for shift in (-168.0, 0.0, 168.0):
        a_start = mentee_windows[:, None, :, None, 0]
        a_end = mentee_windows[:, None, :, None, 1]
        b_start = mentor_windows[None, :, None, :, 0] + shift
        b_end = mentor_windows[None, :, None, :, 1] + shift
        b_empty = (mentor_windows[None, :, None, :, 1] - mentor_windows[None, :, None, :, 0]) <= 0
        piece = np.minimum(a_end, b_end) - np.maximum(a_start, b_start)
        piece = np.where(b_empty, 0.0, np.clip(piece, 0.0, None))
        overlaps += piece.sum(axis=(2, 3))
    mentee_week = (mentee_windows[:, :, 1] - mentee_windows[:, :, 0]).sum(axis=1)
    mentor_week = (mentor_windows[:, :, 1] - mentor_windows[:, :, 0]).sum(axis=1)
    return overlaps, mentee_week, mentor_week


def weekly_overlap_hours(
    time_zone_a: str,
    hours_a: WorkingHours,
    time_zone_b: str,
    hours_b: WorkingHours,
    round_date: dt.date,
) -> float:
    """Hours per week in which both people are within their working hours."""
    overlaps, _, _ = overlap_hours_matrix(
        [profile_of(time_zone_a, hours_a)], [profile_of(time_zone_b, hours_b)], round_date
    )
    return float(overlaps[0, 0])
