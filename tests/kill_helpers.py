"""A worker process SIGKILLed mid-batch, for the tests that prove each email still goes once.

A kill test runs a scan (a task, as a worker runs it) in a process of its own. The process's
email backend appends each message it is handed to a mailbox file, so what the killed process
delivered survives it, and at its Nth hand-over writes its database session's id to a flag
file and hangs: the batches before are committed and delivered, the Nth is claimed but not
committed. The test SIGKILLs the process there, as the kernel's OOM killer would, waits until
PostgreSQL has ended the session (rolling its open transaction back), and then runs the next
scans in its own process through the same backend into the same mailbox.

Each test names its environment variables by a prefix of its own and chooses the fields of a
message its mailbox records.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import override_settings
from django.utils.module_loading import import_string

from tests.celery_helpers import ROOT, subprocess_database_url, wait_for

Fields = Mapping[str, Callable[[EmailMessage], object]]

# Prepended to each test's script: the process is a worker of the test database, with the
# test's mailbox backend.
PREAMBLE = """
import django
django.setup()
from django.conf import settings
settings.EMAIL_BACKEND = {backend!r}
"""


class MailboxBackend(BaseEmailBackend):
    """Appends each message handed over to the file its test's mailbox variable names. With
    the hang variable set, hand-over number N writes this process's database session id to the
    flag file and hangs. Each test has a subclass of its own (`MailboxKill.backend`)."""

    kill: ClassVar[MailboxKill]
    handovers: ClassVar[int] = 0

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        kill = type(self).kill
        type(self).handovers += 1
        if os.environ.get(kill.hang_at_variable) == str(type(self).handovers):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (session,) = cursor.fetchone()
            Path(os.environ[kill.flag_variable]).write_text(str(session))
            # Held here until the test kills the process (the wait is the kill's, not timing).
            time.sleep(600)
        with open(os.environ[kill.mailbox_variable], "a") as mailbox:
            for message in email_messages:
                record = {name: read(message) for name, read in kill.fields.items()}
                mailbox.write(json.dumps(record) + "\n")
            mailbox.flush()
            os.fsync(mailbox.fileno())
        return len(email_messages)


class MailboxKill:
    """The mail server and the killed process of one test.

    `prefix` names the environment variables passed to the process; `fields` maps each field a
    mailbox record holds to how it is read from a message; `backend_path` is where the test
    module exposes `self.backend` (the process loads its backend by that dotted path).
    """

    def __init__(self, *, prefix: str, fields: Fields, backend_path: str) -> None:
        self.mailbox_variable = f"{prefix}_MAILBOX"
        self.flag_variable = f"{prefix}_HANG_FLAG"
        self.hang_at_variable = f"{prefix}_HANG_AT"
        self.fields = fields
        self.backend_path = backend_path
        self.backend: type[MailboxBackend] = type(
            "MailboxBackend", (MailboxBackend,), {"kill": self, "handovers": 0}
        )

    def kill_mid_batch(self, script: str, *, workdir: Path, hang_at: int = 2) -> Path:
        """Runs `script` (after django.setup() and the mailbox backend) in a process of its own
        until its backend hangs at hand-over `hang_at`, SIGKILLs the process and waits until
        PostgreSQL has ended its session. Returns the mailbox file."""
        if import_string(self.backend_path) is not self.backend:
            raise AssertionError(f"{self.backend_path} is not this test's mailbox backend")
        mailbox, flag = workdir / "mailbox.jsonl", workdir / "hanging"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "mentoring.settings.test",
            "DATABASE_URL": subprocess_database_url(),
            self.mailbox_variable: str(mailbox),
            self.flag_variable: str(flag),
            self.hang_at_variable: str(hang_at),
        }
        program = PREAMBLE.format(backend=self.backend_path) + script
        worker = subprocess.Popen([sys.executable, "-c", program], cwd=ROOT, env=environment)
        try:
            wait_for(lambda: flag.exists() and flag.read_text(), seconds=120)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        session = int(flag.read_text())
        wait_for(lambda: _session_gone(session), seconds=30)
        return mailbox

    @contextmanager
    def delivering(self, mailbox: Path) -> Iterator[None]:
        """Within the block, this process sends through the mailbox backend into `mailbox`,
        without hanging."""
        self.backend.handovers = 0
        saved = os.environ.get(self.mailbox_variable)
        os.environ[self.mailbox_variable] = str(mailbox)
        try:
            with override_settings(EMAIL_BACKEND=self.backend_path):
                yield
        finally:
            if saved is None:
                del os.environ[self.mailbox_variable]
            else:
                os.environ[self.mailbox_variable] = saved


def delivered(mailbox: Path) -> list[dict[str, Any]]:
    """The records of every message handed to the mailbox backend, in order."""
    if not mailbox.exists():
        return []
    return [json.loads(line) for line in mailbox.read_text().splitlines()]


def _session_gone(session: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [session])
        (count,) = cursor.fetchone()
    return count == 0
