"""Nightly snapshots (analytics/services.py, analytics/tasks.py): one row per live cohort and
day with the figures docs/metrics.md defines, written idempotently, per organization; the
check-in time series reads them for past days and counts today live."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled

from analytics.metrics import Period, Scope
from analytics.models import CohortDaySnapshot
from analytics.selectors import check_ins_per_week
from analytics.services import cohort_day_figures, snapshots_take
from analytics.tasks import take_daily_snapshots_task
from mentorships.models import CheckIn
from programs.models import CohortStatus
from tests.analytics.factories import MARCH_END, MARCH_START, at, build_metrics_world
from tests.factories import CohortFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org):
    return build_metrics_world(org)


def _snapshots(organization, **filters):
    with scopes_disabled():
        return list(CohortDaySnapshot.objects.filter(organization=organization, **filters))


def test_a_days_figures_follow_the_metric_definitions(org, world):
    figures = cohort_day_figures(organization=org, day=dt.date(2025, 3, 10))[world.cohort.pk]

    # End of 10 March: M1, M2, G, A, F, B, C on the roster (D and E join later).
    assert figures["participants"] == 7
    assert figures["mentees"] == 5  # G, A, F (both), B, C
    assert figures["matched_mentees"] == 4  # A, B (MS1), F (MS2), G (MS3, open until the 15th)
    assert figures["joined"] == 1  # C
    assert figures["withdrawals"] == 0
    assert figures["mentorships_open"] == 3
    # MS1 met that day, MS3 on 20 February; MS2 had not met yet.
    assert figures["mentorships_active"] == 2
    assert figures["check_ins_held"] == 1  # CI1
    assert figures["minutes_mentored"] == 60
    assert figures["ratings"] == 2
    assert figures["rating_total"] == 9
    assert figures["satisfied_ratings"] == 2


def test_closures_withdrawals_and_missed_check_ins_on_their_days(org, world):
    by_day = {
        day: cohort_day_figures(organization=org, day=dt.date(2025, 3, day))[world.cohort.pk]
        for day in (15, 20, 25, 26)
    }

    assert by_day[15]["mentorships_completed"] == 1  # MS3
    assert by_day[20]["withdrawals"] == 1  # C
    assert by_day[20]["check_ins_held"] == 0  # CI3 was cancelled
    assert by_day[25]["check_ins_held"] == 0  # CI4 did not happen
    assert by_day[25]["withdrawals"] == 1  # F
    assert by_day[26]["mentorships_ended_early"] == 1  # MS2
    assert by_day[26]["mentorships_open"] == 2  # MS1, and MS2 on its last day


def test_every_cohort_gets_a_snapshot_whatever_its_status(org, world):
    # A day's snapshots must cover every cohort of a scope for the dashboard to read them:
    # a closed cohort's members are still on the roster, a draft's rows cost little.
    draft = CohortFactory(program=world.program, status=CohortStatus.DRAFT)
    closed = CohortFactory(program=world.program, status=CohortStatus.CLOSED)

    snapshots_take(timezone.localdate())

    cohorts = {s.cohort_id for s in _snapshots(org)}
    assert {world.cohort.pk, draft.pk, closed.pk} <= cohorts


def test_the_task_run_twice_leaves_one_snapshot_per_cohort_and_day(org, other_org, world):
    build_metrics_world(other_org)

    take_daily_snapshots_task("2025-03-10")
    with scopes_disabled():
        CheckIn.objects.filter(organization=org, starts_at=at(3, 10, 10)).update(
            ends_at=at(3, 10, 12)
        )
    take_daily_snapshots_task("2025-03-10")

    ours = _snapshots(org, day=dt.date(2025, 3, 10))
    assert sorted(s.cohort_id for s in ours) == sorted([world.cohort.pk, world.other_cohort.pk])
    spring = next(s for s in ours if s.cohort_id == world.cohort.pk)
    assert spring.minutes_mentored == 120  # rewritten with the day's figures as they are now
    assert len(_snapshots(other_org, day=dt.date(2025, 3, 10))) == 2


def test_the_nightly_task_snapshots_the_day_that_ended(org, world):
    take_daily_snapshots_task()

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert {s.day for s in _snapshots(org)} == {yesterday}


def test_each_organization_gets_only_its_own_figures(org, other_org, world):
    foreign = build_metrics_world(other_org)
    with scopes_disabled():
        CheckIn.objects.filter(organization=other_org).delete()

    snapshots_take(dt.date(2025, 3, 10))

    ours = next(s for s in _snapshots(org) if s.cohort_id == world.cohort.pk)
    theirs = next(s for s in _snapshots(other_org) if s.cohort_id == foreign.cohort.pk)
    assert ours.check_ins_held == 1
    assert theirs.check_ins_held == 0
    assert theirs.participants == 7


def test_beat_takes_the_snapshots_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["take-daily-snapshots"]

    assert entry["task"] == "analytics.tasks.take_daily_snapshots_task"
    assert entry["schedule"].hour == {0}


# --- Time series ----------------------------------------------------------------------------------


def test_weekly_check_ins_read_snapshots_for_past_days(org, world):
    for day in range(1, 32):
        snapshots_take(dt.date(2025, 3, day))
    # A snapshot is the record of its day: a later change to the check-ins does not alter it.
    with scopes_disabled():
        CheckIn.objects.filter(organization=org).delete()

    weeks = check_ins_per_week(
        scope=Scope(org, program_id=world.program.pk), period=Period(MARCH_START, MARCH_END)
    )

    # Weeks start on Monday: 24 Feb (1-2 Mar), 3 Mar (CI1 on the 10th is the next), …
    assert [(w.starts_on, w.held) for w in weeks] == [
        (dt.date(2025, 2, 24), 0),
        (dt.date(2025, 3, 3), 0),
        (dt.date(2025, 3, 10), 2),  # CI1, CI5
        (dt.date(2025, 3, 17), 0),
        (dt.date(2025, 3, 24), 1),  # CI2
        (dt.date(2025, 3, 31), 0),
    ]


def test_weekly_check_ins_count_days_without_a_snapshot_live(org, world):
    snapshots_take(dt.date(2025, 3, 10))  # CI1 only; CI5 (12 March) has no snapshot

    weeks = check_ins_per_week(scope=Scope(org), period=Period(MARCH_START, MARCH_END))

    assert sum(w.held for w in weeks) == 3
    assert next(w for w in weeks if w.starts_on == dt.date(2025, 3, 10)).held == 2


def test_weekly_check_ins_cost_the_same_queries_with_or_without_snapshots(
    org, world, django_assert_max_num_queries
):
    scope = Scope(org)
    # Where the snapshots begin, the snapshots, then the days left: check-ins and ratings.
    with django_assert_max_num_queries(4):
        check_ins_per_week(scope=scope, period=Period(MARCH_START, MARCH_END))
    for day in range(1, 32):
        snapshots_take(dt.date(2025, 3, day))
    with django_assert_max_num_queries(4):
        check_ins_per_week(scope=scope, period=Period(MARCH_START, MARCH_END))
