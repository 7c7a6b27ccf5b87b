"""Every call to the Redis broker is bounded in time: a web request that sends a task gives up
on a Redis that accepts connections but never answers, instead of waiting forever, and the
worker's long poll is not cut short by the same bound."""

import socket
import time

import pytest
from django.conf import settings
from kombu import Connection
from kombu.transport.redis import Transport
from redis.exceptions import TimeoutError as RedisTimeout

OPTIONS = settings.REDIS_BROKER_TRANSPORT_OPTIONS


def test_broker_connect_and_read_timeouts_are_set_and_short():
    assert 0 < OPTIONS["socket_connect_timeout"] <= 2
    assert 0 < OPTIONS["socket_timeout"] <= 5


def test_the_read_timeout_outlasts_the_workers_long_poll():
    # BRPOP returns empty after brpop_timeout; a shorter read timeout would drop the worker's
    # connection on every idle poll.
    assert OPTIONS["socket_timeout"] >= 2 * Transport.brpop_timeout


@pytest.fixture
def silent_redis():
    """A port whose kernel completes the handshake but nobody ever reads or answers: what a
    hung Redis or a half-open connection looks like to a client."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


def test_a_command_to_a_silent_broker_gives_up_after_the_read_timeout(silent_redis):
    with Connection(silent_redis, transport_options=dict(OPTIONS)) as connection:
        started = time.monotonic()
        with pytest.raises(RedisTimeout):
            connection.channel().client.ping()
        waited = time.monotonic() - started

    # redis-py tries a timed-out command again a few times (with back-off) before giving up;
    # without a read timeout the first try alone would wait forever.
    assert OPTIONS["socket_timeout"] * 0.9 <= waited < OPTIONS["socket_timeout"] * 4
