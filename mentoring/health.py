"""Liveness of the parts the product needs: database, broker and a recent worker heartbeat."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEAT_CACHE_KEY = "meridian:worker-heartbeat"
BROKER_CHECK_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str


def record_worker_heartbeat() -> None:
    cache.set(HEARTBEAT_CACHE_KEY, timezone.now().isoformat(), timeout=24 * 60 * 60)


def check_database() -> CheckResult:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.warning("healthz database check failed: %s", exc)
        return CheckResult(False, f"error: {exc.__class__.__name__}")
    return CheckResult(True, connection.vendor)


def check_broker() -> CheckResult:
    from mentoring.celery import app

    try:
        # One attempt, bounded well under a second: a load balancer's probe must get its 503
        # before its own timeout, and a retry after a refused connection tells nothing new.
        with app.connection_for_write(
            connect_timeout=BROKER_CHECK_TIMEOUT_SECONDS,
            transport_options={
                "socket_connect_timeout": BROKER_CHECK_TIMEOUT_SECONDS,
                "socket_timeout": BROKER_CHECK_TIMEOUT_SECONDS,
            },
        ) as conn:
            # celery-types say whole seconds; kombu compares it with elapsed time, a float.
            conn.ensure_connection(max_retries=0, timeout=BROKER_CHECK_TIMEOUT_SECONDS)  # type: ignore[arg-type]
            transport = conn.transport_cls
    except Exception as exc:
        logger.warning("healthz broker check failed: %s", exc)
        return CheckResult(False, f"error: {exc.__class__.__name__}")
    return CheckResult(True, str(transport))


def check_worker_heartbeat() -> CheckResult:
    stamp = cache.get(HEARTBEAT_CACHE_KEY)
    if stamp is None:
        return CheckResult(False, "no heartbeat yet")
    age = (timezone.now() - datetime.fromisoformat(stamp)).total_seconds()
    # Three missed beats in a row means the worker or beat is gone.
    if age > 3 * settings.HEARTBEAT_INTERVAL_SECONDS:
        return CheckResult(False, f"last heartbeat {int(age)} s ago")
    return CheckResult(True, f"last heartbeat {int(age)} s ago")


def run_checks() -> dict[str, CheckResult]:
    return {
        "database": check_database(),
        "broker": check_broker(),
        "worker": check_worker_heartbeat(),
    }
