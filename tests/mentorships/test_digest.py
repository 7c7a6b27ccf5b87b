"""The daily digest: once a day per person, only what they have not read (an hour old or more)
and no earlier digest listed, in their language and zone, and not for people who turned the
"messages" emails off."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope

from mentorships import tasks
from mentorships.models import Message
from mentorships.services import digest
from mentorships.services import messages as message_services
from notifications.models import EmailKind, EmailPreference
from tests.mentorships.pages import tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org, windows=False)


def say(org, mentorship, person, body, at):
    with scope(organization=org.pk):
        message = message_services.message_post(
            organization=org, mentorship=mentorship, actor=person.user, body=body
        )
        Message.objects.for_org(org).filter(pk=message.pk).update(created_at=at)
    return message


def run(org, now):
    with scope(organization=org.pk):
        return digest.message_digests_send(organization=org, now=now, not_before_hour=0)


def test_unread_messages_an_hour_old_go_out_once_a_day_even_when_run_twice(org, pair):
    mentorship, _mentor, mentee = pair
    now = timezone.now()
    say(org, mentorship, mentee, "Olá, can we talk about goals?", now - dt.timedelta(hours=3))
    say(org, mentorship, mentee, "too fresh for email", now - dt.timedelta(minutes=10))
    assert run(org, now) == 1
    assert run(org, now) == 0  # the same day: the claim holds
    [email] = mail.outbox
    assert email.to == ["kenji@acme.test"]
    assert "1 unread message" in email.subject
    assert "Olá, can we talk about goals?" in email.body and "too fresh" not in email.body
    assert f"/mentorships/{mentorship.pk}/messages/" in email.body
    assert "/unsubscribe/" in email.body


def test_the_next_day_lists_only_what_no_digest_listed(org, pair):
    mentorship, _mentor, mentee = pair
    now = timezone.now()
    say(org, mentorship, mentee, "old news", now - dt.timedelta(hours=3))
    assert run(org, now) == 1
    say(org, mentorship, mentee, "fresh news", now + dt.timedelta(hours=2))
    assert run(org, now + dt.timedelta(days=1)) == 1
    assert "fresh news" in mail.outbox[1].body and "old news" not in mail.outbox[1].body


def test_read_messages_and_ones_own_are_not_sent(org, pair):
    mentorship, mentor, mentee = pair
    now = timezone.now()
    say(org, mentorship, mentee, "from Ana", now - dt.timedelta(hours=3))
    with scope(organization=org.pk):
        message_services.thread_mark_read(
            organization=org, mentorship=mentorship, actor=mentor.user
        )
    assert run(org, now) == 0  # Kenji read it; Ana wrote it
    assert mail.outbox == []


def test_people_who_turned_messages_off_get_none(org, pair):
    mentorship, mentor, mentee = pair
    EmailPreference.objects.create(
        organization=org, user=mentor.user, kind=EmailKind.MESSAGES, enabled=False
    )
    say(org, mentorship, mentee, "hello", timezone.now() - dt.timedelta(hours=3))
    assert run(org, timezone.now()) == 0


def test_in_the_readers_language_and_zone(org, pair):
    mentorship, mentor, mentee = pair
    mentor.user.language = "es"
    mentor.user.save(update_fields=["language"])
    at = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # 10:30 in Tokyo
    say(org, mentorship, mentee, "hola", at)
    assert run(org, at + dt.timedelta(hours=2)) == 1
    body = mail.outbox[0].body
    assert "10:30" in body and "Asia/Tokyo" in body


def test_nobody_gets_it_before_their_morning(org, pair):
    mentorship, _mentor, mentee = pair
    at = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)  # 00:00 in Tokyo
    say(org, mentorship, mentee, "late", at - dt.timedelta(hours=2))
    with scope(organization=org.pk):
        assert digest.message_digests_send(organization=org, now=at) == 0


def noon_zone_now() -> str:
    """A zone where it is now around noon, so the beat task's morning rule lets it through."""
    offset = 12 - timezone.now().hour
    offset = offset - 24 if offset > 14 else offset + 24 if offset < -12 else offset
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def test_the_beat_task_sends_each_digest_once(org, pair):
    mentorship, mentor, mentee = pair
    mentor.time_zone = noon_zone_now()
    mentor.save(update_fields=["time_zone"])
    say(org, mentorship, mentee, "hello", timezone.now() - dt.timedelta(hours=3))
    tasks.send_message_digests_task.apply()
    tasks.send_message_digests_task.apply()
    assert len(mail.outbox) == 1
