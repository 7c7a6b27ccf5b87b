"""A worker killed mid-dispatch: every invitation still goes out exactly once, with a link that
works.

The dispatch runs in a process of its own (the dispatch task, as a worker runs it) with two
invitations per batch. Its email backend records what it is handed in a mailbox file and, at
its second hand-over, says so and hangs: the first batch is committed and delivered, the second
is claimed (invitation rows locked, tokens' hashes stored, in-app notices and send records
inserted, emails rendered) but not committed. The test SIGKILLs it there, as the kernel's OOM
killer would, then lets the next minute's dispatch run. PostgreSQL rolls the dead transaction
back, so the next dispatch sends exactly what was not finished, with new links, and nothing
that was.
"""

from __future__ import annotations

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
from django_scopes import scopes_disabled

from notifications.models import Notification, SentEmail
from surveys.models import SurveyInvitation
from surveys.services import token_hash
from surveys.tasks import dispatch_surveys_task
from tests.celery_helpers import ROOT, subprocess_database_url, wait_for
from tests.surveys.dispatch_fixtures import LINK, make_program, make_survey

pytestmark = pytest.mark.django_db(transaction=True)

MAILBOX = "SURVEY_DISPATCH_TEST_MAILBOX"
HANG_FLAG = "SURVEY_DISPATCH_TEST_HANG_FLAG"
HANG_AT = "SURVEY_DISPATCH_TEST_HANG_AT"
INVITATION = "survey-invitation:"
BACKEND = "tests.surveys.test_dispatch_kill.MailboxBackend"


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
            # Held here until the test kills the process (the wait is the kill's, not timing).
            time.sleep(600)
        with open(os.environ[MAILBOX], "a") as mailbox:
            for message in email_messages:
                record = {"to": message.to, "links": LINK.findall(message.body)}
                mailbox.write(json.dumps(record) + "\n")
            mailbox.flush()
            os.fsync(mailbox.fileno())
        return len(email_messages)


DISPATCH = f"""
import django
django.setup()
from django.conf import settings
settings.EMAIL_BACKEND = {BACKEND!r}
from surveys import dispatch
dispatch.DISPATCH_BATCH = 2
from surveys.tasks import dispatch_surveys_task
dispatch_surveys_task.apply()
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


def _records(prefix: str) -> tuple[int, int]:
    return (
        SentEmail.objects.filter(idempotency_key__startswith=prefix).count(),
        Notification.objects.filter(idempotency_key__startswith=prefix).count(),
    )


def test_a_dispatch_killed_mid_batch_is_finished_by_the_next_with_each_invitation_sent_once(
    org, tmp_path, settings
):
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL's row locks")
    world = make_program(org, pairs=5)
    survey = make_survey(org, world.program)
    people = sorted(p.email for p in world.mentors + world.mentees)
    mailbox, flag = tmp_path / "mailbox.jsonl", tmp_path / "hanging"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mentoring.settings.test",
        "DATABASE_URL": subprocess_database_url(),
        MAILBOX: str(mailbox),
        HANG_FLAG: str(flag),
        HANG_AT: "2",
    }
    worker = subprocess.Popen([sys.executable, "-c", DISPATCH], cwd=ROOT, env=environment)
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
        invitations = SurveyInvitation.objects.filter(survey=survey)
        # Every invitation was created before sending began; the first batch was committed and
        # delivered; the second left no trace: no send mark, no stored hash, no record.
        assert invitations.count() == 10
        assert len(_delivered(mailbox)) == 2
        assert invitations.filter(sent_at__isnull=False).count() == 2
        assert invitations.filter(sent_at__isnull=True, token_hash__isnull=False).count() == 0
        assert _records(INVITATION) == (2, 2)

    settings.EMAIL_BACKEND = BACKEND
    MailboxBackend.handovers = 0
    os.environ[MAILBOX] = str(mailbox)
    try:
        dispatch_surveys_task.apply()  # beat's next minute
        dispatch_surveys_task.apply()  # and the one after: nothing left
    finally:
        del os.environ[MAILBOX]

    delivered = _delivered(mailbox)
    recipients = Counter(record["to"][0] for record in delivered)
    assert sorted(recipients) == people
    assert set(recipients.values()) == {1}
    with scopes_disabled():
        assert not invitations.filter(sent_at__isnull=True).exists()
        assert _records(INVITATION) == (10, 10)
        # Each delivered link opens its invitation: the killed batch's tokens, never delivered,
        # were replaced by the ones in the emails that went out.
        hashes = {i.email: i.token_hash for i in invitations}
    for record in delivered:
        (token,) = record["links"]
        assert hashes[record["to"][0]] == token_hash(token)
