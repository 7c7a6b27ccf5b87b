"""Each program chooses how long before a check-in its reminders go out
(EngagementSettings.reminder_hours); a program without settings reminds 24 hours and 1 hour
before."""

from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import scope

from mentorships.models import EngagementSettings
from tests.mentorships.test_reminders import book, in_days, make_pair, reminders


def hours_before(starts_at: dt.datetime, org) -> list[tuple[str, float]]:
    return [
        (kind, (starts_at - due_at).total_seconds() / 3600) for kind, due_at, _ in reminders(org)
    ]


@pytest.mark.django_db
class TestReminderHoursPerProgram:
    def test_without_settings_the_reminders_go_24_and_1_hours_before(self, org):
        mentorship, mentor, _ = make_pair(org)
        starts_at = in_days(3)
        book(org, mentorship, mentor.user, starts_at)
        assert hours_before(starts_at, org) == [("24h", 24), ("1h", 1)]

    def test_the_programs_hours_decide_when_reminders_go(self, org):
        mentorship, mentor, _ = make_pair(org)
        with scope(organization=org.pk):
            EngagementSettings.objects.create(
                organization=org, program=mentorship.cohort.program, reminder_hours=[2, 48]
            )
        starts_at = in_days(3)
        book(org, mentorship, mentor.user, starts_at)
        assert hours_before(starts_at, org) == [("48h", 48), ("2h", 2)]

    def test_another_programs_settings_do_not_apply(self, org):
        mentorship, mentor, _ = make_pair(org)
        other, _, _ = make_pair(org, suffix="2")
        with scope(organization=org.pk):
            EngagementSettings.objects.create(
                organization=org, program=other.cohort.program, reminder_hours=[72]
            )
        starts_at = in_days(4)
        book(org, mentorship, mentor.user, starts_at)
        assert hours_before(starts_at, org) == [("24h", 24), ("1h", 1)]

    def test_no_hours_means_no_reminders(self, org):
        mentorship, mentor, _ = make_pair(org)
        with scope(organization=org.pk):
            EngagementSettings.objects.create(
                organization=org, program=mentorship.cohort.program, reminder_hours=[]
            )
        book(org, mentorship, mentor.user, in_days(3))
        assert reminders(org) == []


@pytest.mark.django_db
def test_a_reminder_at_other_hours_says_coming_up_not_tomorrow(org):
    from django.core import mail
    from django.utils import timezone

    from mentorships import services
    from mentorships.models import CheckInReminder

    mentorship, mentor, _ = make_pair(org)
    with scope(organization=org.pk):
        EngagementSettings.objects.create(
            organization=org, program=mentorship.cohort.program, reminder_hours=[48]
        )
    book(org, mentorship, mentor.user, in_days(3))
    mail.outbox.clear()
    now = timezone.now()
    with scope(organization=org.pk):
        CheckInReminder.objects.for_org(org).update(due_at=now - dt.timedelta(minutes=1))
        services.check_in_reminders_send(organization=org, now=now)
    subjects = {message.subject.split(":")[0] for message in mail.outbox}
    assert len(mail.outbox) == 2
    assert subjects <= {"Coming up", "Próximamente"} and "Tomorrow" not in subjects
