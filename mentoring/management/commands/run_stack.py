"""Start web, Celery worker and Celery beat together; stop them all when one stops or on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from mentoring.celery import ensure_filesystem_broker_folders


class Command(BaseCommand):
    help = "Run the whole product: web server, Celery worker and Celery beat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr: str, **options) -> None:
        ensure_filesystem_broker_folders()
        python = sys.executable
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        embedded = str(settings.CELERY_BROKER_URL).startswith("filesystem://")
        # The embedded broker and SQLite favour one worker process; with Redis use a pool.
        pool = ["-P", "solo"] if embedded else ["--concurrency", "2"]
        commands = {
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
            "worker": [python, "-m", "celery", "-A", "mentoring", "worker", "-l", "info", *pool],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "mentoring",
                "beat",
                "-l",
                "info",
                "--schedule",
                str(settings.VAR_DIR / "celerybeat-schedule"),
            ],
        }
        processes = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}  # noqa: S603
        self.stdout.write(
            self.style.SUCCESS(f"Meridian is running at http://{addr}/  (Ctrl-C stops it)")
        )

        def stop(*_args) -> None:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(process.poll() is None for process in processes.values()):
                time.sleep(0.5)
            failed = [name for name, process in processes.items() if process.poll() is not None]
            self.stderr.write(f"{', '.join(failed)} stopped; stopping the rest.")
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
