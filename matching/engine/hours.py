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


WEEK_HOURS = 168.0


def _folded(windows: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Windows folded onto one repeating week, [0, 168) hours from Monday 00:00 UTC, and
    merged where they meet.

    A week's windows can reach past either end of the UTC week (Sydney's Monday starts on
    Sunday UTC; a Sunday night shift ends on Monday), and the week is compared as if it
    repeats. Folded, windows can land on each other: when a zone's clocks go back during the
    week, its Sunday shift ends later in UTC than its Monday shift starts, one week on.
    Merging counts such an hour once.
    """
    pieces: list[tuple[float, float]] = []
    for start, end in windows:
        length = end - start
        if length <= 0:
            continue
        if length >= WEEK_HOURS:
            return [(0.0, WEEK_HOURS)]
        start %= WEEK_HOURS
        if start + length <= WEEK_HOURS:
            pieces.append((start, start + length))
        else:
            pieces += [(start, WEEK_HOURS), (0.0, start + length - WEEK_HOURS)]
    merged: list[tuple[float, float]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _window_arrays(
    profiles: Sequence[Profile], round_date: dt.date
) -> tuple[np.ndarray, np.ndarray]:
    """Per profile: its folded windows (padded with empty ones) and its weekly hours."""
    folded, weekly = [], np.zeros(len(profiles), dtype=np.float64)
    for index, profile in enumerate(profiles):
        windows = utc_windows(profile, round_date)
        weekly[index] = sum(end - start for start, end in windows)
        folded.append(_folded(windows))
    width = max((len(f) for f in folded), default=0)  # pragma: no mutate
    array = np.zeros((len(profiles), max(width, 1), 2), dtype=np.float64)
    for index, pieces in enumerate(folded):
        if pieces:
            array[index, : len(pieces)] = pieces
    return array, weekly


def overlap_hours_matrix(
    mentee_profiles: Sequence[Profile], mentor_profiles: Sequence[Profile], round_date: dt.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weekly overlap hours per profile pair, plus each side's weekly working hours.

    Both sides' windows are folded onto one repeating week, so a Sydney Monday morning (Sunday
    UTC) still meets a Los Angeles Friday afternoon, as it does every week.
    """
    mentee_windows, mentee_week = _window_arrays(mentee_profiles, round_date)
    mentor_windows, mentor_week = _window_arrays(mentor_profiles, round_date)
    a_start = mentee_windows[:, None, :, None, 0]
    a_end = mentee_windows[:, None, :, None, 1]
    b_start = mentor_windows[None, :, None, :, 0]
    b_end = mentor_windows[None, :, None, :, 1]
    # Padding windows are (0, 0): against them min(end) - max(start) is never positive.
    piece = np.minimum(a_end, b_end) - np.maximum(a_start, b_start)
    overlaps = np.clip(piece, 0.0, None).sum(axis=(2, 3))
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
