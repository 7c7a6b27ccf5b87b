"""A real Celery worker on the Redis broker for tests, and a bounded wait for its results;
for fault tests, a Redis server and workers in processes of their own."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from kombu import pools

from mentoring.celery import app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
T = TypeVar("T")


def redis_or_skip() -> None:
    """Locally a missing Redis skips with the reason; in CI it fails, never skips silently."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI and is not reachable at {REDIS_URL}: {error}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {error}")


def _reset_connections() -> None:
    # Connection and producer pools are cached per broker URL, in the app and in kombu's
    # process-wide registry: forget them so no test gets a pool for the previous broker.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def redis_worker_thread() -> Iterator[None]:
    """A worker thread on Redis consuming a queue of its own, so parallel runs never take each
    other's messages; the app's broker settings are restored afterwards."""
    redis_or_skip()
    queue = f"test-{uuid.uuid4().hex}"
    saved = {
        "broker_url": app.conf.broker_url,
        "broker_transport_options": app.conf.broker_transport_options,
        "task_default_queue": app.conf.task_default_queue,
    }
    _reset_connections()
    app.conf.broker_url = REDIS_URL
    app.conf.broker_transport_options = {}
    app.conf.task_default_queue = queue
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=20
        ):
            yield
    finally:
        _reset_connections()
        app.conf.update(saved)
        redis.Redis.from_url(REDIS_URL).delete(queue)


def wait_for(predicate: Callable[[], T | None], seconds: float = 60.0) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"the worker did not finish within {seconds} s")


# ------------------------------------------------------------------------------
# Faults: a Redis server and Celery workers as processes of their own, so a test can stop the
# broker or SIGKILL a worker as an outage or the kernel's OOM killer would.
# ------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """`redis-server` on a port of its own, without persistence: stopping it loses every
    queued message, as losing a Redis host does."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log_dir / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            if os.environ.get("CI") == "true":
                pytest.fail("redis-server is required in CI and is not installed")
            pytest.skip("redis-server is not installed")
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--daemonize", "no", "--logfile", str(self.log)]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        wait_for(lambda: _pings(client), seconds=10)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@contextmanager
def app_on_broker(url: str) -> Iterator[None]:
    """Point this process's Celery app (what `round_start` and the sweep send with) at `url`,
    with the production Redis transport options; restored afterwards."""
    saved = {
        "broker_url": app.conf.broker_url,
        "broker_transport_options": app.conf.broker_transport_options,
    }
    _reset_connections()
    app.conf.broker_url = url
    app.conf.broker_transport_options = dict(settings.REDIS_BROKER_TRANSPORT_OPTIONS)
    try:
        yield
    finally:
        _reset_connections()
        app.conf.update(saved)


def subprocess_database_url() -> str:
    """The test database as a URL, for processes started by the test (they see only what the
    test committed: use `django_db(transaction=True)`)."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    """`celery -A mentoring worker -P solo` in a process of its own, on the test database.

    Solo pool: the task runs in the process the test kills, so SIGKILL loses it with nothing
    left to reject or acknowledge the message, as when a worker machine dies."""

    def __init__(self, broker_url: str, log_dir: Path, name: str, **env: str) -> None:
        self.broker_url, self.name = broker_url, name
        self.log = log_dir / f"worker-{name}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "mentoring.settings.test",
            "DATABASE_URL": subprocess_database_url(),
            "TEST_CELERY_BROKER_URL": broker_url,
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        command = [str(ROOT / ".venv" / "bin" / "celery"), "-A", "mentoring", "worker"]
        command += ["-P", "solo", "-l", "info", "-n", f"{self.name}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, the lease is left to expire."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
