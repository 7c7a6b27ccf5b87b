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
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from mentorships.models import CheckInReminder
from mentorships.tasks import send_check_in_reminders_task
from notifications.models import Notification, SentEmail
from tests.celery_helpers import ROOT, subprocess_database_url, wait_for
from tests.mentorships.test_reminders import book, in_days, make_pair

pytestmark = pytest.mark.django_db(transaction=True)

MAILBOX = "REMINDER_TEST_MAILBOX"
HANG_FLAG = "REMINDER_TEST_HANG_FLAG"
HANG_AT = "REMINDER_TEST_HANG_AT"
REMINDER = "check-in-reminder:"
BACKEND = "tests.mentorships.test_reminders_kill.MailboxBackend"


class MailboxBackend(BaseEmailBackend):
    """The mail server of this test: appends each message handed over to the file `MAILBOX`
    names, so what a killed process delivered survives it. With `HANG_AT` set, hand-over
    number `HANG_AT` writes this process's database session id to `HANG_FLAG` and hangs."""

    handovers = 0

    def send_messages(self, email_messages):
        type(self).handovers += 1
        if os.environ.get(HANG_AT) == str(type(self).handovers):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (session,) = cursor.fetchone()
            Path(os.environ[HANG_FLAG]).write_text(str(session))
            time.sleep(600)
        with open(os.environ[MAILBOX], "a") as mailbox:
            for message in email_messages:
                record = {
                    "to": message.to,
                    "subject": message.subject,
                    "message_id": message.message()["Message-ID"],
                }
                mailbox.write(json.dumps(record) + "\n")
            mailbox.flush()
            os.fsync(mailbox.fileno())
        return len(email_messages)


SCAN = f"""
import django
django.setup()
from django.conf import settings
settings.EMAIL_BACKEND = {BACKEND!r}
from mentorships.services import reminders
reminders.REMINDER_BATCH = 2
from mentorships.tasks import send_check_in_reminders_task
send_check_in_reminders_task.apply()
"""


def _delivered(mailbox: Path) -> list[dict]:
    if not mailbox.exists():
        return []
    return [json.loads(line) for line in mailbox.read_text().splitlines()]


def _session_gone(session: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [session])
        (count,) = cursor.fetchone()
    return count == 0


def test_a_scan_killed_mid_batch_is_finished_by_the_next_with_nothing_sent_twice(
    org, tmp_path, settings
):
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
    mailbox, flag = tmp_path / "mailbox.jsonl", tmp_path / "hanging"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mentoring.settings.test",
        "DATABASE_URL": subprocess_database_url(),
        MAILBOX: str(mailbox),
        HANG_FLAG: str(flag),
        HANG_AT: "2",
    }
    worker = subprocess.Popen([sys.executable, "-c", SCAN], cwd=ROOT, env=environment)
    try:
        wait_for(lambda: flag.exists() and flag.read_text(), seconds=120)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    # PostgreSQL ends the dead worker's session and rolls its open transaction back.
    wait_for(lambda: _session_gone(int(flag.read_text())), seconds=30)

    with scopes_disabled():
        # The first batch was committed and delivered; the second left no trace.
        assert len(_delivered(mailbox)) == 4
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

    settings.EMAIL_BACKEND = BACKEND
    MailboxBackend.handovers = 0
    os.environ[MAILBOX] = str(mailbox)
    try:
        send_check_in_reminders_task.apply()  # beat's next minute
        send_check_in_reminders_task.apply()  # and the one after: nothing left
    finally:
        del os.environ[MAILBOX]

    delivered = _delivered(mailbox)
    recipients = Counter(record["to"][0] for record in delivered)
    assert sorted(recipients) == sorted(
        person.email for _, mentor, mentee in pairs for person in (mentor, mentee)
    )
    assert set(recipients.values()) == {1}
    assert len({record["message_id"] for record in delivered}) == 10
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
