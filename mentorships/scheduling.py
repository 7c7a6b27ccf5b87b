"""When two people can meet: weekly availability in each person's own time zone, intersected
over real dates, so daylight-saving changes (on different Sundays on each side, or on one side
only) and half- and quarter-hour zones come out right.

Pure functions over the standard library, `zoneinfo` and `holidays`: no Django, so the rules can
be tested on their own. Offsets are never computed by hand; every local time is turned into UTC
by `zoneinfo` on its own date.

A window covers exactly the instants whose wall-clock time, in its owner's zone, falls inside
it. On the night clocks go forward, a window from 02:30 to 04:00 covers 03:00-04:00 (02:30 never
shows on the clock); on the night they go back, a window from 01:00 to 02:00 covers both passes
through that hour. The time line is cut where the zone's offset changes, and within each piece
the offset is constant, so local and UTC times differ by one fixed amount there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.rrule import WEEKLY, rrule

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class WeeklyWindow:
    """A recurring free time in its owner's zone: `weekday` 0 is Monday; minutes from local
    midnight, `end_minute` up to 1440 (midnight at the end of the day)."""

    weekday: int
    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")
        if not 0 <= self.start_minute < self.end_minute <= MINUTES_PER_DAY:
            raise ValueError(
                f"a window runs forward within one day: {self.start_minute}-{self.end_minute}"
            )

    @classmethod
    def of(cls, weekday: int, start: time, end: time) -> WeeklyWindow:
        """`end` of 00:00 means midnight at the end of the day."""
        end_minute = end.hour * 60 + end.minute or MINUTES_PER_DAY
        return cls(weekday, start.hour * 60 + start.minute, end_minute)


@dataclass(frozen=True)
class Person:
    time_zone: str
    windows: tuple[WeeklyWindow, ...]
    country: str = ""  # ISO 3166-1 alpha-2, for public holidays
    subdivision: str = ""  # ISO 3166-2 suffix, e.g. "SP" for São Paulo state


@dataclass(frozen=True)
class Holiday:
    country: str
    subdivision: str
    day: date
    name: str


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime
    holidays: tuple[Holiday, ...] = field(default=())

    def local(self, time_zone: str) -> tuple[datetime, datetime]:
        zone = ZoneInfo(time_zone)
        return self.start.astimezone(zone), self.end.astimezone(zone)


Interval = tuple[datetime, datetime]


def _offset_at(zone: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None  # a ZoneInfo always has one
    return offset


def offset_pieces(
    zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, timedelta]]:
    """[start, end) cut where the zone's UTC offset changes: (from, to, offset) pieces. Zones
    change offset at most a few times a year, so probing every six hours finds each change, and
    a search to the second places it."""
    pieces: list[tuple[datetime, datetime, timedelta]] = []
    piece_start, offset = start, _offset_at(zone, start)
    probe = start
    while probe < end:
        ahead = min(probe + _PROBE_STEP, end)
        if _offset_at(zone, ahead) != offset:
            before, after = probe, ahead  # offset(before) is the old one, offset(after) is not
            while after - before > timedelta(seconds=1):
                middle = before + timedelta(seconds=(after - before).total_seconds() // 2)
                if _offset_at(zone, middle) == offset:
                    before = middle
                else:
                    after = middle
            pieces.append((piece_start, after, offset))
            piece_start, offset = after, _offset_at(zone, after)
            probe = after
        else:
            probe = ahead
    pieces.append((piece_start, end, offset))
    return [piece for piece in pieces if piece[0] < piece[1]]


_PROBE_STEP = timedelta(hours=6)


def free_intervals(person: Person, start: datetime, end: datetime) -> list[Interval]:
    """The person's free time between two instants, as sorted, merged UTC intervals."""
    zone = ZoneInfo(person.time_zone)
    by_weekday: dict[int, list[WeeklyWindow]] = {}
    for window in person.windows:
        by_weekday.setdefault(window.weekday, []).append(window)
    intervals: list[Interval] = []
    for piece_start, piece_end, offset in offset_pieces(zone, start, end):
        # Within the piece, wall-clock time is UTC plus one fixed offset.
        local_day = (piece_start + offset).date()
        last_local_day = (piece_end + offset).date()
        while local_day <= last_local_day:
            midnight_utc = datetime.combine(local_day, time(0), tzinfo=UTC) - offset
            for window in by_weekday.get(local_day.weekday(), ()):
                begins = max(midnight_utc + timedelta(minutes=window.start_minute), piece_start)
                ends = min(midnight_utc + timedelta(minutes=window.end_minute), piece_end)
                if begins < ends:
                    intervals.append((begins, ends))
            local_day += timedelta(days=1)
    return _merge(intervals)


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for begins, ends in sorted(intervals):
        if merged and begins <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends))
        else:
            merged.append((begins, ends))
    return merged


def intersect(first: Sequence[Interval], second: Sequence[Interval]) -> list[Interval]:
    """Where two sorted, merged interval lists overlap."""
    overlap: list[Interval] = []
    i = j = 0
    while i < len(first) and j < len(second):
        begins = max(first[i][0], second[j][0])
        ends = min(first[i][1], second[j][1])
        if begins < ends:
            overlap.append((begins, ends))
        if first[i][1] <= second[j][1]:
            i += 1
        else:
            j += 1
    return overlap


@lru_cache(maxsize=256)
def _holiday_calendar(country: str, subdivision: str, year: int) -> dict[date, str]:
    try:
        calendar = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    except NotImplementedError:  # a country the package has no calendar for
        return {}
    return dict(calendar.items())


def holidays_on(person: Person, instant: datetime) -> tuple[Holiday, ...]:
    """The public holiday of the person's country (and subdivision) on the local date of an
    instant, if there is one."""
    if not person.country:
        return ()
    day = instant.astimezone(ZoneInfo(person.time_zone)).date()
    name = _holiday_calendar(person.country, person.subdivision, day.year).get(day)
    if name is None:
        return ()
    return (Holiday(person.country, person.subdivision, day, name),)


def common_slots(
    people: Sequence[Person],
    start: datetime,
    end: datetime,
    *,
    duration: timedelta,
    step: timedelta = timedelta(minutes=30),
    skip_holidays: bool = False,
) -> list[Slot]:
    """Meeting slots of `duration` when everyone is free, starting every `step` from the start
    of each shared stretch (so a stretch that begins at a person's 09:00 offers 09:00, 09:30…
    in that person's zone, whatever their offset). Each slot names the public holidays it falls
    on for any of the people; `skip_holidays` leaves those slots out."""
    if duration <= timedelta(0) or step <= timedelta(0):
        raise ValueError("duration and step must be positive")
    if not people:
        return []
    shared = free_intervals(people[0], start, end)
    for person in people[1:]:
        shared = intersect(shared, free_intervals(person, start, end))
    slots: list[Slot] = []
    for begins, ends in shared:
        slot_start = begins
        while slot_start + duration <= ends:
            slot_end = slot_start + duration
            on_holiday = tuple(
                holiday for person in people for holiday in holidays_on(person, slot_start)
            )
            if not (skip_holidays and on_holiday):
                slots.append(Slot(slot_start, slot_end, on_holiday))
            slot_start += step
    return slots


def series(
    first_start: datetime, time_zone: str, *, every_weeks: int, count: int
) -> Iterator[datetime]:
    """A recurring series that keeps the organizer's wall-clock time across daylight-saving
    changes: the occurrences of `first_start` every `every_weeks` weeks, in UTC."""
    if every_weeks < 1 or count < 1:
        raise ValueError("a series repeats at least every week, at least once")
    zone = ZoneInfo(time_zone)
    local_first = first_start.astimezone(zone).replace(tzinfo=None)
    for occurrence in rrule(WEEKLY, interval=every_weeks, count=count, dtstart=local_first):
        yield occurrence.replace(tzinfo=zone).astimezone(UTC)


def series_rule(*, every_weeks: int, count: int) -> str:
    """The RFC 5545 RRULE that `series` expands."""
    return f"FREQ=WEEKLY;INTERVAL={every_weeks};COUNT={count}"
