"""The heartbeat goes through a real Celery worker on the Redis broker, as in production, and
beat schedules it."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from mentoring import health
from mentoring.celery import app
from mentoring.tasks import heartbeat_task
from tests.celery_helpers import wait_for

HEARTBEAT_TASK = "mentoring.tasks.heartbeat_task"


def _stamp() -> str | None:
    return cache.get(health.HEARTBEAT_CACHE_KEY)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_consumes_heartbeat_from_redis_and_health_turns_ok(redis_worker):
    with app.connection_for_write() as connection:
        assert connection.transport.driver_type == "redis"
    assert health.check_worker_heartbeat().ok is False

    heartbeat_task.delay()

    wait_for(_stamp)
    assert health.check_worker_heartbeat().ok is True


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_heartbeat_run_twice_leaves_one_fresh_stamp(redis_worker):
    heartbeat_task.delay()
    first = wait_for(_stamp)

    heartbeat_task.delay()
    second = wait_for(lambda: _stamp() if _stamp() != first else None)

    # One key, overwritten: the second run replaces the stamp and adds nothing beside it.
    assert second > first
    assert cache.get(health.HEARTBEAT_CACHE_KEY) == second
    assert health.check_worker_heartbeat().ok is True


def test_heartbeat_run_twice_in_process_keeps_one_fresh_stamp():
    heartbeat_task.apply().get()
    first = _stamp()
    heartbeat_task.apply().get()

    assert _stamp() >= first
    assert health.check_worker_heartbeat().ok is True


def test_beat_schedule_in_settings_sends_the_heartbeat_every_interval():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == HEARTBEAT_TASK]

    assert len(entries) == 1
    (entry,) = entries
    assert entry["schedule"] == settings.HEARTBEAT_INTERVAL_SECONDS
    # A beat that waited longer than an interval is stale; the next one supersedes it.
    assert entry["options"]["expires"] <= settings.HEARTBEAT_INTERVAL_SECONDS
    assert HEARTBEAT_TASK in app.tasks


# Transactional: the scheduler calls close_old_connections(), which closes a connection that
# sits inside a test's atomic block.
@pytest.mark.django_db(transaction=True)
def test_database_scheduler_installs_the_heartbeat_from_settings():
    DatabaseScheduler(app=app)

    task = PeriodicTask.objects.get(task=HEARTBEAT_TASK)
    assert task.enabled
    assert task.interval is not None
    assert task.interval.every == settings.HEARTBEAT_INTERVAL_SECONDS
    assert task.interval.period == "seconds"
