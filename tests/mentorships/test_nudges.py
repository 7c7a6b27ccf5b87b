"""Nudges: a new pair with nothing booked after 3, 7 and 14 days, a mentorship gone quiet, a goal
past its date; each once, none for paused pairs, and by the program's own rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope

from mentorships import services
from mentorships.models import CheckIn, EngagementSettings, Goal, MentorshipStatus
from mentorships.services import nudges
from mentorships.tasks import send_nudges_task
from notifications.models import EmailKind, EmailPreference, Notification
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def make_pair(org, started_days_ago=0, program=None):
    cohort = CohortFactory(program=program or ProgramFactory(organization=org))
    mentor = ParticipantFactory(cohort=cohort, role="mentor", user=UserFactory(), full_name="Mia")
    mentee = ParticipantFactory(cohort=cohort, role="mentee", user=UserFactory(), full_name="Eli")
    with scope(organization=org.pk):
        mentorship = services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
    mentorship.started_on = NOW.date() - dt.timedelta(days=started_days_ago)
    mentorship.save(update_fields=["started_on"])
    return mentorship, mentor, mentee


def scan(org, now=NOW):
    with scope(organization=org.pk):
        return nudges.nudges_send(organization=org, now=now)


def keys(org):
    with scope(organization=org.pk):
        return sorted(
            k.rsplit(":", 1)[0]
            for k in Notification.objects.for_org(org).values_list("idempotency_key", flat=True)
        )


def held_check_in(org, mentorship, days_ago):
    ends = NOW - dt.timedelta(days=days_ago)
    return CheckIn.objects.create(
        organization=org, mentorship=mentorship, organizer=mentorship.mentor, time_zone="UTC",
        starts_at=ends - dt.timedelta(minutes=30), ends_at=ends,
        ical_uid=f"held-{mentorship.pk}-{days_ago}@meridian",
    )  # fmt: skip


def test_a_new_pair_is_nudged_at_each_step_once(org):
    mentorship, *_ = make_pair(org, started_days_ago=2)
    assert scan(org) == 0
    assert scan(org, NOW + dt.timedelta(days=1)) == 2  # day 3: both members
    assert scan(org, NOW + dt.timedelta(days=2)) == 0  # still the day-3 step: already sent
    assert scan(org, NOW + dt.timedelta(days=5)) == 2  # day 7
    assert scan(org, NOW + dt.timedelta(days=12)) == 2  # day 14
    assert scan(org, NOW + dt.timedelta(days=40)) == 0  # no step after 14
    assert keys(org) == [f"nudge:first:{mentorship.pk}:{d}" for d in (14, 14, 3, 3, 7, 7)]
    assert "not booked a check-in" in mail.outbox[0].body


def test_a_pair_found_late_gets_only_the_latest_step(org):
    mentorship, *_ = make_pair(org, started_days_ago=10)
    assert scan(org) == 2
    assert keys(org) == [f"nudge:first:{mentorship.pk}:7"] * 2


def test_booking_anything_stops_first_check_in_nudges(org):
    mentorship, mentor, _ = make_pair(org, started_days_ago=5)
    with scope(organization=org.pk):
        services.check_in_book(
            organization=org, mentorship=mentorship, actor=mentor.user,
            starts_at=NOW + dt.timedelta(days=2), duration=dt.timedelta(minutes=30),
        )  # fmt: skip
    mail.outbox.clear()
    assert scan(org) == 0


def test_a_quiet_mentorship_is_nudged_once_per_quiet_spell(org):
    mentorship, *_ = make_pair(org, started_days_ago=90)
    held_check_in(org, mentorship, days_ago=29)
    assert scan(org) == 0
    assert scan(org, NOW + dt.timedelta(days=1)) == 2  # 30 days since the last check-in
    assert scan(org, NOW + dt.timedelta(days=3)) == 0
    held_check_in(org, mentorship, days_ago=0)  # they met again: a new spell may come
    assert scan(org, NOW + dt.timedelta(days=31)) == 2


def test_an_upcoming_check_in_means_not_quiet(org):
    mentorship, mentor, _ = make_pair(org, started_days_ago=90)
    held_check_in(org, mentorship, days_ago=40)
    with scope(organization=org.pk):
        services.check_in_book(
            organization=org, mentorship=mentorship, actor=mentor.user,
            starts_at=NOW + dt.timedelta(days=2), duration=dt.timedelta(minutes=30),
        )  # fmt: skip
    mail.outbox.clear()
    assert scan(org) == 0


def test_an_overdue_goal_is_nudged_once_per_date(org):
    mentorship, mentor, _ = make_pair(org, started_days_ago=1)
    goal = Goal.objects.create(
        organization=org, mentorship=mentorship, title="Run a workshop", proposed_by=mentor,
        target_date=NOW.date() - dt.timedelta(days=1),
    )  # fmt: skip
    assert scan(org) == 2
    assert scan(org) == 0
    assert "Run a workshop" in mail.outbox[0].body
    goal.status = "done"
    goal.save(update_fields=["status"])
    scan(org, NOW + dt.timedelta(days=5))  # the first-check-in nudge may come; no goal nudge
    assert [k for k in keys(org) if k.startswith("nudge:goal")] == [
        f"nudge:goal:{mentorship.pk}:{goal.pk}:{goal.target_date}"
    ] * 2


def test_paused_mentorships_are_left_in_peace(org):
    mentorship, *_ = make_pair(org, started_days_ago=10)
    mentorship.status = MentorshipStatus.PAUSED
    mentorship.save(update_fields=["status"])
    assert scan(org) == 0


def test_a_program_sets_its_own_steps(org):
    program = ProgramFactory(organization=org)
    EngagementSettings.objects.create(
        organization=org, program=program, first_check_in_nudge_days=[1], overdue_goal_nudges=False
    )
    make_pair(org, started_days_ago=1, program=program)
    assert scan(org) == 2


def test_people_who_turned_nudges_off_get_the_notice_only(org):
    _mentorship, _mentor, mentee = make_pair(org, started_days_ago=3)
    EmailPreference.objects.create(
        organization=org, user=mentee.user, kind=EmailKind.NUDGES, enabled=False
    )
    assert scan(org) == 1
    assert len(keys(org)) == 2


def test_the_task_scans_each_organization(org, other_org):
    make_pair(org, started_days_ago=3)
    make_pair(other_org, started_days_ago=3)
    send_nudges_task.apply()
    send_nudges_task.apply()
    assert len(mail.outbox) == 4
