"""Exactly once under concurrency: beat firing twice, two scanners at once, a real worker on
Redis. Each person gets each survey's email once and each reminder once."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications.models import SentEmail
from surveys import dispatch as dispatch_module
from surveys.models import SurveyInvitation
from surveys.tasks import dispatch_surveys_task
from tests.celery_helpers import wait_for
from tests.surveys.dispatch_fixtures import dispatch, make_program, make_survey


def _run_at_once(work, count: int = 2) -> list:
    """`work` in `count` threads released together, each on its own database connection."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list[BaseException] = []

    def runner():
        barrier.wait()
        try:
            results.append(work())
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.mark.django_db
def test_the_task_twice_sends_each_invitation_once(org):
    world = make_program(org, pairs=3)
    make_survey(org, world.program)

    dispatch_surveys_task.apply()
    dispatch_surveys_task.apply()

    assert len(mail.outbox) == 6
    assert len({message.to[0] for message in mail.outbox}) == 6


@pytest.mark.django_db(transaction=True)
def test_two_scanners_at_once_send_each_invitation_and_each_reminder_once(org, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL's row locks")
    # Small batches, so the two scanners interleave over many claims.
    monkeypatch.setattr(dispatch_module, "DISPATCH_BATCH", 4)
    monkeypatch.setattr(dispatch_module, "CREATE_BATCH", 5)
    world = make_program(org, pairs=20)
    survey = make_survey(org, world.program)
    people = {p.email for p in world.mentors + world.mentees}

    shares = _run_at_once(lambda: dispatch(org).sent)

    assert sum(shares) == 40
    sent_to = Counter(message.to[0] for message in mail.outbox)
    assert set(sent_to) == people and set(sent_to.values()) == {1}

    mail.outbox.clear()
    later = timezone.now() + dt.timedelta(days=3, minutes=1)
    reminded = _run_at_once(lambda: dispatch(org, now=later).reminded)

    assert sum(reminded) == 40
    reminded_to = Counter(message.to[0] for message in mail.outbox)
    assert set(reminded_to) == people and set(reminded_to.values()) == {1}
    with scopes_disabled():
        assert SurveyInvitation.objects.filter(survey=survey).count() == 40
        assert SentEmail.objects.filter(idempotency_key__startswith="survey-").count() == 80


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_dispatches_a_survey(org, redis_worker):
    from celery.signals import task_postrun

    world = make_program(org, pairs=2)
    survey = make_survey(org, world.program)
    finished: list[str] = []

    def count(sender=None, **_kwargs):
        finished.append(sender.name)

    task_postrun.connect(count, weak=False)
    try:
        dispatch_surveys_task.delay()
        wait_for(lambda: len(finished) == 1)
        with scopes_disabled():
            assert (
                SurveyInvitation.objects.filter(survey=survey, sent_at__isnull=False).count() == 4
            )
        # The same task again through the broker (beat firing twice): nothing more goes out.
        dispatch_surveys_task.delay()
        wait_for(lambda: len(finished) == 2)
    finally:
        task_postrun.disconnect(count)
    assert finished == [dispatch_surveys_task.name] * 2
    assert len(mail.outbox) == 4
    assert {m.to[0] for m in mail.outbox} == {p.email for p in world.mentors + world.mentees}
