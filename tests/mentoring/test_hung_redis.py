"""A Redis that hangs costs a request one timeout per call, never a round of retries.

The fake Redis below accepts connections and reads what the client sends but never answers:
a Redis stuck on a slow command, a half-open connection, a failover in progress. It can first
pass everything through to the real Redis, so the client holds pooled, working connections
when the hang starts (the worst case: Celery's default publish policy then reconnected four
times, 15.7 s). The tests count what reaches it rather than timing it; the figures are
printed (`pytest -s`) and recorded in docs/operations.md.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from kombu.exceptions import OperationalError

from core.cache import FallbackRedisCache
from matching.tasks import notify_match_published_task
from mentoring.celery import app
from tests.celery_helpers import REDIS_URL, _reset_connections, redis_or_skip


class HungRedis:
    """A TCP server on 127.0.0.1 that forwards to `upstream` (if any) until `hang()`, then
    answers nothing. From the hang on it counts the connections it accepts and the commands
    (RESP arrays) it receives."""

    def __init__(self, upstream: tuple[str, int] | None = None) -> None:
        self.upstream = upstream
        self.hung = upstream is None
        self.connections = 0
        self.commands: list[str] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self._server.getsockname()[1]}/{db}"

    def hang(self) -> None:
        with self._lock:
            self.hung = True
            self.connections = 0
            self.commands = []

    def restart(self) -> None:
        """Closes every connection, as a Redis restart does; the port keeps listening."""
        sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)

    def close(self) -> None:
        self.restart()
        _shut(self._server)

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self._server.accept()
            except OSError:
                return
            self._sockets.append(client)
            with self._lock:
                hung = self.hung
                if hung:
                    self.connections += 1
            server = (
                None if hung or self.upstream is None else socket.create_connection(self.upstream)
            )
            if server is not None:
                self._sockets.append(server)
                threading.Thread(
                    target=self._pump, args=(server, client, False), daemon=True
                ).start()
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket | None, from_client: bool) -> None:
        pending = b""
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            if not self.hung and sink is not None:
                try:
                    sink.sendall(data)
                except OSError:  # the other side was closed by restart()
                    return
                continue
            if from_client:
                pending += data
                pending = self._record(pending)

    def _record(self, pending: bytes) -> bytes:
        """Counts the complete commands in `pending` and returns what is left of it."""
        while True:
            command, rest = _parse_command(pending)
            if command is None:
                return pending
            with self._lock:
                self.commands.append(command)
            pending = rest


def _shut(sock: socket.socket) -> None:
    # shutdown() wakes the thread blocked in recv(), close() alone would not; it fails on a
    # socket the other side already closed.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def _parse_command(data: bytes) -> tuple[str | None, bytes]:
    """The name of the first complete RESP command in `data` and the bytes after it."""
    header, separator, rest = data.partition(b"\r\n")
    if not separator or not header.startswith(b"*"):
        return None, data
    parts = []
    for _ in range(int(header[1:])):
        length, separator, rest = rest.partition(b"\r\n")
        if not separator or len(rest) < int(length[1:]) + 2:
            return None, data
        parts.append(rest[: int(length[1:])])
        rest = rest[int(length[1:]) + 2 :]
    return parts[0].decode().upper(), rest


def _real_redis() -> tuple[str, int]:
    redis_or_skip()
    address = urlsplit(REDIS_URL)
    return address.hostname or "127.0.0.1", address.port or 6379


# The test Redis's database, so that keys and queues land where the other tests' do.
REDIS_DB = int(urlsplit(REDIS_URL).path.lstrip("/") or 0)


@pytest.fixture
def hung_redis() -> Iterator[HungRedis]:
    """Never answered, not even the handshake."""
    server = HungRedis()
    yield server
    server.close()


@pytest.fixture
def redis_that_hangs_later() -> Iterator[HungRedis]:
    """The real Redis until the test calls `hang()`."""
    server = HungRedis(upstream=_real_redis())
    yield server
    server.close()


# --- The cache -------------------------------------------------------------------------------


def production_cache(url: str) -> FallbackRedisCache:
    """The cache as mentoring/settings/base.py builds it when REDIS_URL is set."""
    timeout = settings.REDIS_TIMEOUT_SECONDS
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    return FallbackRedisCache(url, {"OPTIONS": options})


def cache_calls_seen(cache: FallbackRedisCache, server: HungRedis) -> list[tuple[str, int, int]]:
    """Each of one get and one set as (name, connections, commands) seen by the server."""
    seen = []
    for name, call in (
        ("get", lambda: cache.get("hung:key")),
        ("set", lambda: cache.set("hung:key", 2)),
    ):
        cache._down_until = 0.0  # ask Redis again, as after the fallback's pause
        server.hang()
        started, cpu = time.monotonic(), time.process_time()
        call()
        print(
            f"cache.{name} on a hung Redis: {time.monotonic() - started:.2f} s wall, "
            f"{time.process_time() - cpu:.2f} s CPU, {server.connections} connection(s), "
            f"commands {server.commands}"
        )
        seen.append((name, server.connections, len(server.commands)))
    return seen


def test_a_cache_call_to_a_redis_that_never_answers_is_sent_once(hung_redis):
    cache = production_cache(hung_redis.url())

    seen = cache_calls_seen(cache, hung_redis)

    # One connection whose handshake times out; no second connection, no command sent again.
    assert seen == [("get", 1, 1), ("set", 1, 1)]


def test_a_cache_call_to_a_redis_that_stops_answering_is_sent_once(redis_that_hangs_later):
    cache = production_cache(redis_that_hangs_later.url(db=REDIS_DB))
    cache.set("hung:key", 1)
    assert cache.get("hung:key") == 1  # the pool holds a working connection

    seen = cache_calls_seen(cache, redis_that_hangs_later)

    # The get goes out once on the pooled connection; the failed connection is dropped, so the
    # set opens one new connection whose handshake is the only command.
    assert seen == [("get", 0, 1), ("set", 1, 1)]


# --- Sending a task --------------------------------------------------------------------------


@pytest.fixture
def broker_at():
    """Points the Celery app's publishing at a URL, with the production transport options and
    publish policy, on a queue of its own; restored afterwards."""
    saved = {
        "broker_url": app.conf.broker_url,
        "broker_transport_options": app.conf.broker_transport_options,
        "task_default_queue": app.conf.task_default_queue,
    }
    queue = f"test-hung-{uuid.uuid4().hex}"

    def point(url: str) -> str:
        _reset_connections()
        app.conf.broker_url = url
        app.conf.broker_transport_options = dict(settings.REDIS_BROKER_TRANSPORT_OPTIONS)
        app.conf.task_default_queue = queue
        return queue

    yield point
    _reset_connections()
    app.conf.update(saved)


def publish_seen(server: HungRedis) -> tuple[int, list[str]]:
    """What a web request does to send a task after commit: `.delay()`."""
    started, cpu = time.monotonic(), time.process_time()
    with pytest.raises(OperationalError):
        notify_match_published_task.delay(1, [1])
    print(
        f"publish on a hung Redis: {time.monotonic() - started:.2f} s wall, "
        f"{time.process_time() - cpu:.2f} s CPU, {server.connections} connection(s), "
        f"commands {server.commands}"
    )
    return server.connections, server.commands


def test_the_publish_policy_is_one_try():
    assert settings.CELERY_TASK_PUBLISH_RETRY_POLICY["max_retries"] == 0
    assert app.conf.task_publish_retry_policy["max_retries"] == 0


def test_sending_a_task_to_a_redis_that_never_answers_tries_one_connection(hung_redis, broker_at):
    broker_at(hung_redis.url())

    connections, commands = publish_seen(hung_redis)

    # Before: two connections, each waiting out the read timeout on its PING (6.7 s).
    assert (connections, commands) == (1, ["PING"])


def test_sending_a_task_to_a_redis_that_stops_answering_sends_it_once(
    redis_that_hangs_later, broker_at
):
    queue = broker_at(redis_that_hangs_later.url(db=REDIS_DB))
    notify_match_published_task.delay(1, [1])  # the producer pool holds a working connection
    redis_that_hangs_later.hang()

    connections, commands = publish_seen(redis_that_hangs_later)

    # Before: the LPUSH, then four reconnections, each a PING waiting out the read timeout
    # (15.7 s).
    assert (connections, commands) == (0, ["LPUSH"])
    redis.Redis.from_url(REDIS_URL).delete(queue)


def test_a_task_is_sent_once_redis_is_back(redis_that_hangs_later, broker_at):
    """A Redis restart closes the pooled connections; one try still delivers, because redis-py
    replaces a closed connection when it takes it from the pool."""
    queue = broker_at(redis_that_hangs_later.url(db=REDIS_DB))
    notify_match_published_task.delay(1, [1])
    redis_that_hangs_later.restart()

    notify_match_published_task.delay(1, [1])

    assert redis.Redis.from_url(REDIS_URL).llen(queue) == 2
    redis.Redis.from_url(REDIS_URL).delete(queue)
