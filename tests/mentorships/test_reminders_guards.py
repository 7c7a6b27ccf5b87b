"""The reminders' guards, each by itself: a program's hours come largest first and only from
the organization's own settings; planning one check-in's reminders leaves every other
check-in's alone; a scan sends its own organization's reminders only, with no tenant scope
and no row-level security (the service's own filters alone). Written for the mutants of
`mentorships/services/reminders.py` (docs/testing.md, third round)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import translation
from django_scopes import scope, scopes_disabled

from mentorships import services
from mentorships.models import CheckInReminder, EngagementSettings
from mentorships.services import reminders as reminders_service
from mentorships.services.reminders import check_in_reminders_send, reminder_hours_of
from notifications.models import Notification
from tests.mentorships.test_reminders import book, in_days, make_pair, reminders, scan

pytestmark = pytest.mark.django_db


def _settings(organization, program, hours):
    with scope(organization=organization.pk):
        EngagementSettings.objects.create(
            organization=organization, program=program, reminder_hours=hours
        )


def test_a_programs_hours_come_largest_first_without_repeats(org):
    mentorship, _, _ = make_pair(org)
    program = mentorship.cohort.program
    _settings(org, program, [2, 48, 2, 24])
    with scope(organization=org.pk):
        assert reminder_hours_of(org, {program.pk}) == {program.pk: (48, 24, 2)}


def test_a_program_without_settings_gets_the_day_and_the_hour_before(org):
    mentorship, _, _ = make_pair(org)
    program_id = mentorship.cohort.program_id
    with scope(organization=org.pk):
        assert reminder_hours_of(org, {program_id}) == {program_id: (24, 1)}


def test_another_organizations_settings_are_not_read_even_by_their_programs_id(
    org, other_org, settings
):
    """With no tenant scope and no row-level security, only the organization filter stands
    between Acme's reminders and the hours Globex chose."""
    settings.MERIDIAN_ROW_LEVEL_SECURITY = False
    theirs, _, _ = make_pair(other_org, suffix="-g")
    their_program = theirs.cohort.program
    _settings(other_org, their_program, [72])
    with scopes_disabled():
        assert reminder_hours_of(org, {their_program.pk}) == {their_program.pk: (24, 1)}


def test_booking_another_check_in_keeps_the_first_ones_reminders(org):
    mentorship, mentor, _ = make_pair(org)
    first, second = in_days(3), in_days(5)
    book(org, mentorship, mentor.user, first)
    book(org, mentorship, mentor.user, second)
    assert reminders(org) == [
        ("24h", first - dt.timedelta(hours=24), None),
        ("1h", first - dt.timedelta(hours=1), None),
        ("24h", second - dt.timedelta(hours=24), None),
        ("1h", second - dt.timedelta(hours=1), None),
    ]


def test_moving_one_check_in_replans_only_its_own_reminders(org):
    mentorship, mentor, _ = make_pair(org)
    first, second = in_days(3), in_days(5)
    (moved,) = book(org, mentorship, mentor.user, first)
    book(org, mentorship, mentor.user, second)
    later = in_days(7)
    with scope(organization=org.pk):
        services.check_in_reschedule(
            organization=org, check_in=moved, actor=mentor.user, starts_at=later
        )
    assert reminders(org) == [
        ("24h", second - dt.timedelta(hours=24), None),
        ("1h", second - dt.timedelta(hours=1), None),
        ("24h", later - dt.timedelta(hours=24), None),
        ("1h", later - dt.timedelta(hours=1), None),
    ]


def test_a_scan_without_a_scope_sends_its_own_organizations_reminders_only(
    org, other_org, settings
):
    settings.MERIDIAN_ROW_LEVEL_SECURITY = False
    mentorship, mentor, _ = make_pair(org)
    theirs, their_mentor, _ = make_pair(other_org, suffix="-g")
    starts_at = in_days(3)
    book(org, mentorship, mentor.user, starts_at)
    book(other_org, theirs, their_mentor.user, starts_at)
    mail.outbox.clear()
    with scopes_disabled():
        sent = check_in_reminders_send(organization=org, now=starts_at - dt.timedelta(hours=23))
        their_unsent = CheckInReminder.objects.filter(
            organization=other_org, sent_at__isnull=True
        ).count()
    assert sent == 2
    assert {m.to[0] for m in mail.outbox} == {"kenji@acme.test", "ana@acme.test"}
    assert their_unsent == 2


def _portable_claim(monkeypatch):
    """The claim as it runs off PostgreSQL: the ORM's FOR UPDATE SKIP LOCKED and two reads."""
    monkeypatch.setattr(reminders_service, "connection", SimpleNamespace(vendor="other"))
    return reminders_service._due_reminders_claimed


def test_the_portable_claim_takes_its_own_organizations_due_unsent_reminders_once(
    org, other_org, settings, monkeypatch
):
    """Off PostgreSQL the claim is three ORM statements; with no tenant scope and no row-level
    security their own filters must keep out another organization's reminders (even ones due
    earlier, which would fill a batch), the ones not yet due and the ones already sent."""
    settings.MERIDIAN_ROW_LEVEL_SECURITY = False
    monkeypatch.setattr(reminders_service, "REMINDER_BATCH", 1)
    claim = _portable_claim(monkeypatch)
    mentorship, mentor, _ = make_pair(org)
    theirs, their_mentor, _ = make_pair(other_org, suffix="-g")
    starts_at = in_days(3)
    book(org, mentorship, mentor.user, starts_at)
    book(other_org, theirs, their_mentor.user, starts_at - dt.timedelta(hours=1))
    now = starts_at - dt.timedelta(hours=23)
    with scopes_disabled():
        first = claim(org, now)
        second = claim(org, now)
        ours = sorted(
            CheckInReminder.objects.filter(organization=org).values_list("kind", "sent_at")
        )
        their_unsent = CheckInReminder.objects.filter(
            organization=other_org, sent_at__isnull=True
        ).count()
    assert [(r.kind, r.starts_at) for r in first] == [("24h", starts_at)]
    assert second == []
    assert ours == [("1h", None), ("24h", now)]
    assert their_unsent == 2


def test_on_postgresql_a_claim_is_one_statement(org, django_assert_num_queries):
    """The lock, the mark and the read in one round trip (the portable claim takes three)."""
    mentorship, mentor, _ = make_pair(org)
    starts_at = in_days(3)
    book(org, mentorship, mentor.user, starts_at)
    with scope(organization=org.pk), django_assert_num_queries(1):
        claimed = reminders_service._due_reminders_claimed(org, starts_at - dt.timedelta(hours=23))
    assert [r.kind for r in claimed] == ["24h"]


def test_the_in_app_reminder_is_in_the_persons_language(org):
    mentorship, mentor, mentee = make_pair(org)  # Ana reads Spanish, Kenji the default
    starts_at = in_days(3)
    book(org, mentorship, mentor.user, starts_at)
    with translation.override("en"):
        assert scan(org, starts_at - dt.timedelta(hours=23)) == 2
    with scope(organization=org.pk):
        text_of = dict(
            Notification.objects.for_org(org)
            .filter(idempotency_key__startswith="check-in-reminder:")
            .values_list("user_id", "text")
        )
    assert text_of[mentee.user_id].startswith("Recordatorio: reunión de seguimiento con Kenji")
    assert text_of[mentor.user_id].startswith("Reminder: check-in with Ana")
