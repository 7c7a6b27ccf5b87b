"""The snapshot figures at their edges, where test_snapshots.py lets a small change through
(docs/testing.md, fourth round)."""

import datetime as dt

import pytest

from analytics.metrics import ACTIVE_WINDOW_DAYS
from analytics.services import cohort_day_figures
from tests.analytics.factories import _check_in, _mentorship
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def test_a_mentorship_is_active_for_exactly_the_window_after_a_held_check_in(org):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentor = ParticipantFactory(cohort=cohort, role="mentor")
    mentee = ParticipantFactory(cohort=cohort, role="mentee")
    mentorship = _mentorship(mentor, [mentee], started=dt.datetime(2025, 1, 2, tzinfo=dt.UTC))
    _check_in(mentorship, dt.datetime(2025, 2, 3, 12, tzinfo=dt.UTC), 60)
    held_on = dt.date(2025, 2, 3)

    def active(day):
        return cohort_day_figures(organization=org, day=day)[cohort.pk]["mentorships_active"]

    last = held_on + dt.timedelta(days=ACTIVE_WINDOW_DAYS - 1)
    assert ACTIVE_WINDOW_DAYS == 30
    assert [active(held_on), active(last), active(last + dt.timedelta(days=1))] == [1, 1, 0]


def test_each_rating_from_1_to_5_is_counted_on_its_own(org):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentor = ParticipantFactory(cohort=cohort, role="mentor")
    mentee = ParticipantFactory(cohort=cohort, role="mentee")
    mentorship = _mentorship(mentor, [mentee], started=dt.datetime(2025, 1, 2, tzinfo=dt.UTC))
    for hour, (mentor_rating, mentee_rating) in zip(
        (9, 11, 13), ((1, 1), (2, 5), (3, 4)), strict=True
    ):
        _check_in(
            mentorship,
            dt.datetime(2025, 2, 3, hour, tzinfo=dt.UTC),
            30,
            records=((mentor, True, mentor_rating), (mentee, True, mentee_rating)),
        )

    figures = cohort_day_figures(organization=org, day=dt.date(2025, 2, 3))[cohort.pk]

    assert [figures[f"rating_{value}"] for value in range(1, 6)] == [2, 1, 1, 1, 1]
    assert (figures["ratings"], figures["rating_total"], figures["satisfied_ratings"]) == (6, 16, 2)
    assert (figures["check_ins_held"], figures["minutes_mentored"]) == (3, 90)
