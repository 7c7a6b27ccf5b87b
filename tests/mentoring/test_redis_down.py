"""With Redis unreachable the site stays up: /healthz says so in JSON, API reads and login work.

Redis is "down" by pointing the cache and the broker at a closed port on this machine.
"""

import functools
import os
import time

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

import core.cache
from core.cache import FallbackRedisCache
from mentoring.celery import app as celery_app
from organizations.models import OrganizationAPIKey

pytestmark = pytest.mark.django_db

CLOSED_PORT_URL = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FallbackRedisCache",
            "LOCATION": CLOSED_PORT_URL,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "organization": "1200/min"},
    }
    monkeypatch.setattr(
        celery_app,
        "connection_for_write",
        functools.partial(celery_app.connection_for_write, CLOSED_PORT_URL),
    )


@pytest.fixture
def warmed_up(client, redis_down):
    """The first request imports the URLconf, every view and the Redis client: not what is
    timed. The cache then forgets the failure, so the timed request tries Redis again."""
    client.get("/healthz")
    caches["default"]._down_until = 0.0


def test_healthz_reports_redis_down_as_json_503_within_a_second(client, warmed_up):
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert elapsed < 1.0


def test_api_key_reads_work_while_redis_is_down(api_client, org, redis_down):
    _key, raw = OrganizationAPIKey.objects.create_key(name="ci", organization=org, scopes=["read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")

    for _ in range(3):
        assert api_client.get("/api/v1/programs/").status_code == 200


def test_login_works_while_redis_is_down(client, org, member, redis_down):
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)

    response = client.post(
        reverse("account_login"), {"login": member.email, "password": "correct-horse-battery"}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_pages_work_while_redis_is_down(client, org, member, redis_down):
    client.force_login(member)

    assert client.get(reverse("dashboard", args=[org.slug])).status_code == 200
    assert client.get(reverse("account_login")).status_code in (200, 302)


def test_failed_logins_are_still_limited_while_redis_is_down(client, settings, org, member):
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.FallbackRedisCache", "LOCATION": CLOSED_PORT_URL}
    }
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    for _ in range(3):
        client.post(reverse("account_login"), {"login": member.email, "password": "wrong"})

    client.post(
        reverse("account_login"), {"login": member.email, "password": "correct-horse-battery"}
    )

    assert "_auth_user_id" not in client.session


def test_the_cache_goes_back_to_redis_once_the_pause_is_over(monkeypatch):
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/10")
    shared = FallbackRedisCache(redis_url, {"OPTIONS": {"socket_connect_timeout": 0.25}})
    shared.set("meridian:test:fallback", "in redis")
    now = [1000.0]
    monkeypatch.setattr(core.cache.time, "monotonic", lambda: now[0])

    def refused(*args, **kwargs):
        raise RedisConnectionError("refused")

    with monkeypatch.context() as down:
        down.setattr(RedisCache, "get", refused)
        assert shared.get("meridian:test:fallback") is None  # the local cache knows nothing

    # Still inside the pause: Redis is not asked, even though it would answer.
    now[0] += core.cache.RETRY_AFTER_SECONDS - 1
    assert shared.get("meridian:test:fallback") is None
    now[0] += 2
    assert shared.get("meridian:test:fallback") == "in redis"
    shared.delete("meridian:test:fallback")
