"""Sending a task from a web request without hanging on a broker that is down."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def task_send_once(task: Any, args: tuple[Any, ...], *, what: str) -> bool:
    """Send `task` with `args` over a connection of its own, tried once, and say whether it
    went. A broker that is down costs the caller one connect timeout (the transport options
    bound it; docs/operations.md) and a warning naming `what` was not sent: callers keep the
    work in rows a sweep sends, so a lost trigger only delays it."""
    from kombu.exceptions import OperationalError

    with task.app.connection_for_write() as broker:
        errors: tuple[type[BaseException], ...] = (
            OperationalError,
            OSError,
            *broker.connection_errors,
            *broker.channel_errors,
        )
        try:
            broker.ensure_connection(max_retries=0)
            task.apply_async(args, connection=broker, retry=False)
        except errors as error:
            logger.warning(
                "%s not queued, broker unreachable (%s: %s); the sweep sends it",
                what,
                error.__class__.__name__,
                error,
            )
            return False
    return True
