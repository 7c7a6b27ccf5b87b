"""A worker killed mid-scan: every due reminder still goes out exactly once.

The scan runs in a process of its own (the reminder task, as a worker runs it) with two
reminders per batch. Its email backend records what it is handed in a mailbox file and, at its
second hand-over, says so and hangs: the first batch is committed and delivered, the second is
claimed (reminder rows locked, in-app notices and send records inserted, emails rendered) but
not committed. The test SIGKILLs it there, as the kernel's OOM killer would, then lets the next
scan run. PostgreSQL rolls the dead transaction back, so the next scan takes back exactly what
was not finished and nothing that was.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from mentorships.models import CheckInReminder
from mentorships.tasks import send_check_in_reminders_task
from notifications.models import Notification, SentEmail
from tests.kill_helpers import MailboxKill, delivered
from tests.mentorships.test_reminders import book, in_days, make_pair

pytestmark = pytest.mark.django_db(transaction=True)

REMINDER = "check-in-reminder:"
KILL = MailboxKill(
    prefix="REMINDER_TEST",
    fields={
        "to": lambda message: message.to,
        "subject": lambda message: message.subject,
        "message_id": lambda message: message.message()["Message-ID"],
    },
    backend_path=f"{__name__}.MailboxBackend",
)
MailboxBackend = KILL.backend  # the killed process loads it by this module's path

SCAN = """
from mentorships.services import reminders
reminders.REMINDER_BATCH = 2
from mentorships.tasks import send_check_in_reminders_task
send_check_in_reminders_task.apply()
"""


def test_a_scan_killed_mid_batch_is_finished_by_the_next_with_nothing_sent_twice(org, tmp_path):
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL's row locks")
    pairs = [make_pair(org, suffix=str(i)) for i in range(5)]
    for mentorship, mentor, _ in pairs:
        book(org, mentorship, mentor.user, in_days(3))
    with scopes_disabled():
        # The day-before reminders are due; the hour-before ones are not.
        CheckInReminder.objects.filter(kind="24h").update(
            due_at=timezone.now() - dt.timedelta(minutes=1)
        )
    mailbox = KILL.kill_mid_batch(SCAN, workdir=tmp_path)

    with scopes_disabled():
        # The first batch was committed and delivered; the second left no trace.
        assert len(delivered(mailbox)) == 4
        assert (
            SentEmail.objects.filter(organization=org, idempotency_key__startswith=REMINDER).count()
            == 4
        )
        assert (
            Notification.objects.filter(
                organization=org, idempotency_key__startswith=REMINDER
            ).count()
            == 4
        )
        due = CheckInReminder.objects.filter(kind="24h", sent_at__isnull=True)
        assert due.count() == 3

    with KILL.delivering(mailbox):
        send_check_in_reminders_task.apply()  # beat's next minute
        send_check_in_reminders_task.apply()  # and the one after: nothing left

    records = delivered(mailbox)
    recipients = Counter(record["to"][0] for record in records)
    assert sorted(recipients) == sorted(
        person.email for _, mentor, mentee in pairs for person in (mentor, mentee)
    )
    assert set(recipients.values()) == {1}
    assert len({record["message_id"] for record in records}) == 10
    with scopes_disabled():
        assert not CheckInReminder.objects.filter(kind="24h", sent_at__isnull=True).exists()
        assert (
            SentEmail.objects.filter(organization=org, idempotency_key__startswith=REMINDER).count()
            == 10
        )
        assert (
            Notification.objects.filter(
                organization=org, idempotency_key__startswith=REMINDER
            ).count()
            == 10
        )
