"""A Redis cache that keeps the site up while Redis is down.

Rate limits (allauth's login counters, the API throttles) and the worker heartbeat live in the
cache. Django's Redis backend raises on every call when Redis is unreachable, which turned each
login and each API request into a 500. This backend answers from a per-process memory cache
instead and logs a warning: rate limits keep counting, per process, until Redis is back.

After a failure Redis is not asked again for `RETRY_AFTER_SECONDS`, so a request pays the
connect timeout (`OPTIONS["socket_connect_timeout"]`) once per pause, not once per cache call.
Each call is tried once: a timed-out command is not sent again (see `ONE_TRY`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger(__name__)

# Long enough that a request with a dozen cache calls pays at most one connect timeout; short
# enough that counters move back to the shared cache within seconds of Redis returning.
RETRY_AFTER_SECONDS = 5.0

# redis-py's client retries a failed command 10 times with back-off by default; the connections
# of a pool built from options, as Django builds it, happen to get no retry today. Said out loud,
# so that a change of default cannot turn one timeout into several on a Redis that hangs.
ONE_TRY = Retry(NoBackoff(), 0)


class FallbackRedisCache(RedisCache):
    """Django's `RedisCache`; while Redis fails, a local memory cache stands in."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = params.get("OPTIONS", {})
        super().__init__(server, {**params, "OPTIONS": {"retry": ONE_TRY, **options}})
        self._local = LocMemCache(f"fallback-{server}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._down_until:
            return getattr(self._local, name)(*args, **kwargs)
        try:
            return getattr(super(), name)(*args, **kwargs)
        except RedisError as error:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning(
                "cache unreachable, using the process-local cache for %.0f s: %s: %s",
                RETRY_AFTER_SECONDS,
                error.__class__.__name__,
                error,
            )
            return getattr(self._local, name)(*args, **kwargs)

    # Every method that reaches Redis; the others (`get_or_set`, `decr`, ...) call these.
    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        return self._call("clear")
