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
