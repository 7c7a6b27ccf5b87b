"""Reminders before each check-in: planned as rows when times are set, sent by the minute scan
once per check-in, person and kind, whatever runs twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorships import services
from mentorships.models import CheckInReminder
from mentorships.tasks import send_check_in_reminders_task
from notifications.models import Notification, SentEmail
from tests.celery_helpers import wait_for
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

UTC = dt.UTC


def make_pair(org, suffix=""):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentor = ParticipantFactory(
        cohort=cohort, role="mentor", full_name=f"Kenji{suffix}", email=f"kenji{suffix}@acme.test",
        user=UserFactory(email=f"kenji{suffix}@acme.test"), time_zone="Asia/Tokyo",
    )  # fmt: skip
    mentee = ParticipantFactory(
        cohort=cohort, role="mentee", full_name=f"Ana{suffix}", email=f"ana{suffix}@acme.test",
        user=UserFactory(email=f"ana{suffix}@acme.test", language="es"),
        time_zone="America/Sao_Paulo",
    )  # fmt: skip
    with scope(organization=org.pk):
        mentorship = services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
    return mentorship, mentor, mentee


def book(org, mentorship, user, starts_at, **options):
    with scope(organization=org.pk):
        return services.check_in_book(
            organization=org, mentorship=mentorship, actor=user, starts_at=starts_at,
            duration=dt.timedelta(minutes=30), **options,
        )  # fmt: skip


def scan(org, now):
    with scope(organization=org.pk):
        return services.check_in_reminders_send(organization=org, now=now)


def reminders(org):
    with scope(organization=org.pk):
        return sorted(
            CheckInReminder.objects.for_org(org).values_list("kind", "due_at", "sent_at"),
            key=lambda r: r[1],
        )


def make_day_before_reminders_due():
    with scopes_disabled():
        CheckInReminder.objects.filter(kind="24h").update(
            due_at=timezone.now() - dt.timedelta(minutes=1)
        )


def in_days(days: float) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0)


@pytest.mark.django_db
class TestPlanning:
    def test_a_check_in_three_days_ahead_gets_both_reminders(self, org):
        mentorship, mentor, _ = make_pair(org)
        starts_at = in_days(3)
        book(org, mentorship, mentor.user, starts_at)
        assert reminders(org) == [
            ("24h", starts_at - dt.timedelta(hours=24), None),
            ("1h", starts_at - dt.timedelta(hours=1), None),
        ]

    def test_one_booked_two_hours_ahead_gets_only_the_hour_before(self, org):
        mentorship, mentor, _ = make_pair(org)
        starts_at = in_days(2 / 24)
        book(org, mentorship, mentor.user, starts_at)
        assert [kind for kind, _, _ in reminders(org)] == ["1h"]

    def test_a_series_plans_each_occurrence(self, org):
        mentorship, mentor, _ = make_pair(org)
        book(org, mentorship, mentor.user, in_days(3), every_weeks=1, occurrences=3)
        assert len(reminders(org)) == 6


@pytest.mark.django_db
class TestSending:
    def test_due_reminders_reach_each_member_once_in_their_language_and_zone(self, org):
        mentorship, mentor, _mentee = make_pair(org)
        starts_at = dt.datetime.combine(
            (timezone.now() + dt.timedelta(days=3)).date(), dt.time(0), tzinfo=UTC
        )  # 09:00 in Tokyo, 21:00 the day before in São Paulo
        book(org, mentorship, mentor.user, starts_at, agenda="Quarter goals")
        mail.outbox.clear()

        assert scan(org, starts_at - dt.timedelta(hours=25)) == 0
        assert scan(org, starts_at - dt.timedelta(hours=23)) == 2
        assert scan(org, starts_at - dt.timedelta(hours=23)) == 0  # beat fired twice
        by_recipient = {m.to[0]: m for m in mail.outbox}
        assert by_recipient["kenji@acme.test"].subject.startswith("Tomorrow:")
        assert "9 a.m." in by_recipient["kenji@acme.test"].subject
        assert "(Asia/Tokyo)" in by_recipient["kenji@acme.test"].body
        assert "Quarter goals" in by_recipient["kenji@acme.test"].body
        assert "(America/Sao_Paulo)" in by_recipient["ana@acme.test"].body
        assert "Ana" in by_recipient["kenji@acme.test"].body
        assert "Kenji" in by_recipient["ana@acme.test"].body
        assert by_recipient["ana@acme.test"].subject.startswith("Mañana")

        assert scan(org, starts_at - dt.timedelta(minutes=59)) == 2
        assert len(mail.outbox) == 4
        with scope(organization=org.pk):
            assert (
                Notification.objects.for_org(org)
                .filter(idempotency_key__startswith="check-in-reminder:")
                .count()
                == 4
            )
        assert all(sent_at is not None for _, _, sent_at in reminders(org))

    def test_a_moved_check_in_gets_fresh_reminders(self, org):
        mentorship, mentor, _ = make_pair(org)
        starts_at = in_days(3)
        (check_in,) = book(org, mentorship, mentor.user, starts_at)
        scan(org, starts_at - dt.timedelta(hours=23))  # the day-before reminder went out
        mail.outbox.clear()
        later = starts_at + dt.timedelta(days=2)
        with scope(organization=org.pk):
            services.check_in_reschedule(
                organization=org, check_in=check_in, actor=mentor.user, starts_at=later
            )
        mail.outbox.clear()
        assert scan(org, starts_at - dt.timedelta(minutes=59)) == 0  # the old hour is gone
        assert scan(org, later - dt.timedelta(hours=23)) == 2
        assert scan(org, later - dt.timedelta(minutes=59)) == 2
        kinds = [(kind, sent_at is not None) for kind, _, sent_at in reminders(org)]
        assert kinds == [("24h", True), ("24h", True), ("1h", True)]

    def test_a_cancelled_check_in_gets_none(self, org):
        mentorship, mentor, _ = make_pair(org)
        starts_at = in_days(3)
        (check_in,) = book(org, mentorship, mentor.user, starts_at)
        with scope(organization=org.pk):
            services.check_in_cancel(organization=org, check_in=check_in, actor=mentor.user)
        mail.outbox.clear()
        assert scan(org, starts_at - dt.timedelta(minutes=30)) == 0
        assert reminders(org) == []

    def test_a_reminder_found_after_its_check_in_started_is_dropped(self, org):
        mentorship, mentor, _ = make_pair(org)
        starts_at = in_days(3)
        book(org, mentorship, mentor.user, starts_at)
        mail.outbox.clear()
        assert scan(org, starts_at + dt.timedelta(minutes=5)) == 0
        assert mail.outbox == []
        assert all(sent_at is not None for _, _, sent_at in reminders(org))

    def test_one_organizations_scan_leaves_anothers_reminders(self, org, other_org):
        mentorship, mentor, _ = make_pair(org)
        theirs, their_mentor, _ = make_pair(other_org, suffix="-g")
        starts_at = in_days(3)
        book(org, mentorship, mentor.user, starts_at)
        book(other_org, theirs, their_mentor.user, starts_at)
        mail.outbox.clear()
        assert scan(org, starts_at - dt.timedelta(minutes=30)) == 4
        assert {m.to[0] for m in mail.outbox} == {"kenji@acme.test", "ana@acme.test"}
        assert all(sent_at is None for _, _, sent_at in reminders(other_org))

    def test_the_task_scans_every_organization_with_due_reminders(self, org, other_org):
        mentorship, mentor, _ = make_pair(org)
        theirs, their_mentor, _ = make_pair(other_org, suffix="-g")
        book(org, mentorship, mentor.user, in_days(3))
        book(other_org, theirs, their_mentor.user, in_days(3))
        make_day_before_reminders_due()
        mail.outbox.clear()
        send_check_in_reminders_task.apply()
        send_check_in_reminders_task.apply()
        assert len(mail.outbox) == 4


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_send_each_reminder_once(org):
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL's row locks")
    pairs = [make_pair(org, suffix=str(i)) for i in range(30)]
    starts_at = in_days(3)
    for mentorship, mentor, _ in pairs:
        book(org, mentorship, mentor.user, starts_at)
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    results: list[int] = []

    def scanner():
        barrier.wait()
        try:
            results.append(scan(org, starts_at - dt.timedelta(hours=23)))
        finally:
            connection.close()

    threads = [threading.Thread(target=scanner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 60
    keys = [m.to[0] for m in mail.outbox]
    assert len(keys) == 60 and len(set(keys)) == 60
    with scopes_disabled():
        assert (
            SentEmail.objects.filter(idempotency_key__startswith="check-in-reminder:").count() == 60
        )


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_delivers_a_due_reminder(org, redis_worker):
    mentorship, mentor, _ = make_pair(org)
    book(org, mentorship, mentor.user, in_days(3))
    make_day_before_reminders_due()

    send_check_in_reminders_task.delay()

    def delivered():
        with scopes_disabled():
            return (
                SentEmail.objects.filter(idempotency_key__startswith="check-in-reminder:").count()
                == 2
            )

    wait_for(delivered)
