"""The news of a match reaches both sides once, even when the broker is down at publish: the
publish succeeds, and the sweep (every five minutes) sends what no task did, each person once,
never another organization's and never a match its task already announced."""

import datetime as dt
import socket

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from matching import services
from matching.models import RoundStatus
from matching.services.publish import ANNOUNCE_GRACE, ANNOUNCE_WINDOW
from matching.tasks import announce_matches_task
from mentorships.models import Mentorship
from notifications.models import SentEmail
from tests.celery_helpers import app_on_broker
from tests.matching.test_publish_guards import APPROVED, _round

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    """A local port nothing listens on: a broker that is down refuses the connection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _publish_while_the_broker_is_down(org, match_round, capture):
    with (
        app_on_broker(f"redis://127.0.0.1:{_closed_port()}/0"),
        scope(organization=org.pk),
        capture(execute=True),
    ):
        return services.round_publish(organization=org, match_round=match_round, actor=None)


def _recipients():
    return sorted(email for message in mail.outbox for email in message.to)


def _later(minutes):
    return timezone.now() + dt.timedelta(minutes=minutes)


def test_a_publish_during_a_broker_outage_succeeds_and_the_sweep_sends_the_news_once(
    org, django_capture_on_commit_callbacks
):
    match_round, _people = _round(
        org, "Pairs", [("Ana", "Mina", APPROVED, None), ("Ben", "Omar", APPROVED, None)]
    )

    made = _publish_while_the_broker_is_down(org, match_round, django_capture_on_commit_callbacks)

    with scopes_disabled():
        match_round.refresh_from_db()
    assert made == 2 and match_round.status == RoundStatus.PUBLISHED
    assert mail.outbox == []  # the task never left
    with scope(organization=org.pk):
        # Within the grace the task may still be on its way: the sweep leaves it alone.
        assert services.unannounced_matches_notify(organization=org) == 0
        assert services.unannounced_matches_notify(organization=org, now=_later(3)) == 4
        assert services.unannounced_matches_notify(organization=org, now=_later(8)) == 0
    assert _recipients() == ["ana@acme.test", "ben@acme.test", "mina@acme.test", "omar@acme.test"]


def test_matches_their_task_announced_are_not_announced_again(
    org, django_capture_on_commit_callbacks
):
    match_round, _people = _round(org, "Pairs", [("Ana", "Mina", APPROVED, None)])
    with scope(organization=org.pk), django_capture_on_commit_callbacks() as callbacks:
        services.round_publish(organization=org, match_round=match_round, actor=None)
        mentorship_ids = list(Mentorship.objects.values_list("pk", flat=True))
        # What the task does once a worker takes it.
        services.notify_match_published(organization=org, mentorship_ids=mentorship_ids)
    assert len(callbacks) == 1
    assert len(mail.outbox) == 2

    with scope(organization=org.pk):
        assert services.unannounced_matches_notify(organization=org, now=_later(3)) == 0
    assert len(mail.outbox) == 2


def test_only_recent_matches_are_swept(org, django_capture_on_commit_callbacks):
    match_round, _people = _round(org, "Pairs", [("Ana", "Mina", APPROVED, None)])
    _publish_while_the_broker_is_down(org, match_round, django_capture_on_commit_callbacks)

    # Mentorships older than the window were made before this sweep existed, or by imports.
    past_the_window = timezone.now() + ANNOUNCE_WINDOW + ANNOUNCE_GRACE + dt.timedelta(minutes=1)
    with scope(organization=org.pk):
        assert services.unannounced_matches_notify(organization=org, now=past_the_window) == 0
    assert mail.outbox == []


def test_the_beat_task_announces_each_organization_s_matches_and_only_theirs(
    org, other_org, django_capture_on_commit_callbacks, monkeypatch
):
    ours, _ = _round(org, "Ours", [("Ana", "Mina", APPROVED, None)])
    theirs, _ = _round(other_org, "Theirs", [("Zoe", "Yan", APPROVED, None)])
    _publish_while_the_broker_is_down(org, ours, django_capture_on_commit_callbacks)
    _publish_while_the_broker_is_down(other_org, theirs, django_capture_on_commit_callbacks)
    with scopes_disabled():
        # Both published more than the grace ago.
        Mentorship.objects.update(created_at=timezone.now() - ANNOUNCE_GRACE * 2)

    announce_matches_task.apply()
    announce_matches_task.apply()

    assert _recipients() == ["ana@acme.test", "mina@acme.test", "yan@acme.test", "zoe@acme.test"]
    with scopes_disabled():
        by_org = sorted(SentEmail.objects.values_list("organization__slug", "recipient"))
    assert by_org == sorted(
        [
            (org.slug, "ana@acme.test"),
            (org.slug, "mina@acme.test"),
            (other_org.slug, "yan@acme.test"),
            (other_org.slug, "zoe@acme.test"),
        ]
    )
