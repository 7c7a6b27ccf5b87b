"""A real Celery worker on the Redis broker for tests, and a bounded wait for its results."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
import redis
from celery.contrib.testing.worker import start_worker
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
