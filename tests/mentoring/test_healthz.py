"""/healthz reports the database, the broker and the worker heartbeat; any failure is a 503."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from mentoring.health import HEARTBEAT_CACHE_KEY

pytestmark = pytest.mark.django_db


def _plant_heartbeat(*, age: dt.timedelta) -> None:
    cache.set(HEARTBEAT_CACHE_KEY, (timezone.now() - age).isoformat())


def _intervals(settings, count: float) -> dt.timedelta:
    return dt.timedelta(seconds=count * settings.HEARTBEAT_INTERVAL_SECONDS)


def test_healthz_is_ok_with_database_broker_and_a_fresh_heartbeat(client):
    _plant_heartbeat(age=dt.timedelta(seconds=1))

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "worker"}
    assert all(check["ok"] for check in body["checks"].values()), body


def test_healthz_is_ok_with_a_heartbeat_just_under_three_intervals_old(client, settings):
    _plant_heartbeat(age=_intervals(settings, 3) - dt.timedelta(seconds=5))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["worker"]["ok"] is True


def test_healthz_is_unavailable_without_a_heartbeat(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def test_healthz_is_unavailable_when_the_heartbeat_is_older_than_three_intervals(client, settings):
    _plant_heartbeat(age=_intervals(settings, 3) + dt.timedelta(seconds=5))

    response = client.get("/healthz")

    assert response.status_code == 503
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False
    assert "ago" in worker["detail"]


def test_healthz_staleness_follows_the_configured_interval(client, settings):
    settings.HEARTBEAT_INTERVAL_SECONDS = 10
    _plant_heartbeat(age=dt.timedelta(seconds=31))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False
