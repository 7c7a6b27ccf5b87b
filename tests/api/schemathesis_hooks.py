"""Schemathesis hooks for `test_schemathesis.py` (loaded through `SCHEMATHESIS_HOOKS`).

Generated data that the schema calls valid still names ids that exist only in the database and
values that must be unique there. For positive cases only, these hooks point references at the
organization's own program and cohort (the test passes their ids in the environment), give
unique fields fresh values, order the pairs of dates and times a cross-field rule compares and
keep the cohort's seats ample.
Negative cases go out as generated.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from typing import Any

import schemathesis
from hypothesis import strategies as st

_counter = itertools.count(1)

# The schema's named formats, with a few values the server knows (it checks the full lists).
schemathesis.openapi.format(
    "iana-time-zone", st.sampled_from(["Europe/Paris", "America/Sao_Paulo", "Asia/Tokyo", "UTC"])
)
schemathesis.openapi.format("iso-3166-1-alpha-2", st.sampled_from(["GB", "DE", "BR", "JP", "IN"]))
schemathesis.openapi.format("iso-639-1", st.sampled_from(["en", "es", "pt", "ja", "hi"]))


def _positive(case: schemathesis.Case) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


def _unique_name(body: dict[str, Any], limit: int) -> None:
    if isinstance(body.get("name"), str):
        suffix = f" {next(_counter)}"
        body["name"] = body["name"].strip()[: limit - len(suffix)] + suffix


def _parsed(body: dict[str, Any], first: str, last: str, parse) -> tuple[Any, Any] | None:
    try:
        return parse(body[first]), parse(body[last])
    except (KeyError, TypeError, ValueError):
        return None


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def _pairs_complete(body: dict[str, Any], *pairs: tuple[str, str]) -> None:
    # A partial update with one side of a pair is compared with the stored other side, which
    # generation cannot see.
    for first, last in pairs:
        if (first in body) != (last in body):
            body.pop(first, None)
            body.pop(last, None)


def _order_cohort(body: dict[str, Any]) -> None:
    _pairs_complete(body, ("starts_on", "ends_on"), ("enrollment_opens_at", "enrollment_closes_at"))
    dates = _parsed(body, "starts_on", "ends_on", dt.date.fromisoformat)
    if dates and dates[1] < dates[0]:
        body["starts_on"], body["ends_on"] = body["ends_on"], body["starts_on"]
    window = _parsed(body, "enrollment_opens_at", "enrollment_closes_at", dt.datetime.fromisoformat)
    if window and window[1] < window[0]:
        body["enrollment_opens_at"], body["enrollment_closes_at"] = (
            body["enrollment_closes_at"],
            body["enrollment_opens_at"],
        )
    elif window and window[1] == window[0]:
        body["enrollment_opens_at"] = "2030-01-01T09:00:00Z"
        body["enrollment_closes_at"] = "2030-02-01T09:00:00Z"


def _working_hours(body: dict[str, Any]) -> None:
    _pairs_complete(body, ("working_hours_start", "working_hours_end"))
    # A mentor takes at least one mentee; the role may be the stored one.
    if body.get("mentor_capacity") == 0:
        body["mentor_capacity"] = 1
    hours = _parsed(body, "working_hours_start", "working_hours_end", _time)
    if hours and hours[0] == hours[1]:
        body["working_hours_end"] = "23:59" if hours[0] != dt.time(23, 59) else "00:00"


@schemathesis.hook
def before_call(context, case: schemathesis.Case, kwargs) -> None:
    if not _positive(case) or not isinstance(case.body, dict):
        return
    body = case.body
    path = case.operation.path
    if path.startswith("/api/v1/programs/"):
        _unique_name(body, 120)
    elif path.startswith("/api/v1/cohorts/"):
        if "program" in body:
            body["program"] = int(os.environ["MERIDIAN_ST_PROGRAM"])
        _unique_name(body, 120)
        _order_cohort(body)
        # A smaller cohort would refuse later enrollments for want of a seat, which depends on
        # what is stored, not on the request.
        for seats in ("mentor_capacity", "mentee_capacity"):
            if isinstance(body.get(seats), int):
                body[seats] = max(body[seats], 100_000)
    elif path.startswith("/api/v1/participants/"):
        if "cohort" in body:
            body["cohort"] = int(os.environ["MERIDIAN_ST_COHORT"])
        if "email" in body:
            body["email"] = f"person-{next(_counter)}@example.com"
        _working_hours(body)
