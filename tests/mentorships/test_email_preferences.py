"""People turn kinds of email off; the in-app notice still comes, the email does not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope

from mentorships import services
from notifications.models import EmailKind, EmailPreference, Notification
from notifications.services import Outgoing, email_send, notices_send
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def turn_off(org, user, kind):
    EmailPreference.objects.create(organization=org, user=user, kind=kind, enabled=False)


def test_email_send_skips_a_kind_the_recipient_turned_off(org):
    user = UserFactory(email="ana@acme.test")
    turn_off(org, user, EmailKind.NUDGES)
    with scope(organization=org.pk):
        sent = email_send(
            organization=org, to="ana@acme.test", template="notice",
            context={"person": user, "text": "t", "url": "/"}, idempotency_key="k1",
            kind=EmailKind.NUDGES,
        )  # fmt: skip
        other_kind = email_send(
            organization=org, to="ana@acme.test", template="notice",
            context={"person": user, "text": "t", "url": "/"}, idempotency_key="k2",
            kind=EmailKind.REMINDERS,
        )  # fmt: skip
        no_kind = email_send(
            organization=org, to="ana@acme.test", template="notice",
            context={"person": user, "text": "t", "url": "/"}, idempotency_key="k3",
        )  # fmt: skip
    assert (sent, other_kind, no_kind) == (False, True, True)
    assert len(mail.outbox) == 2


def test_a_preference_in_another_organization_does_not_count(org, other_org):
    user = UserFactory(email="ana@acme.test")
    turn_off(other_org, user, EmailKind.NUDGES)
    with scope(organization=org.pk):
        assert email_send(
            organization=org, to="ana@acme.test", template="notice",
            context={"person": user, "text": "t", "url": "/"}, idempotency_key="k",
            kind=EmailKind.NUDGES,
        )  # fmt: skip


def test_bulk_notices_reach_everyone_in_the_app_and_only_the_willing_by_email(org):
    willing, unwilling = UserFactory(email="w@acme.test"), UserFactory(email="u@acme.test")
    turn_off(org, unwilling, EmailKind.SURVEYS)
    outgoing = [
        Outgoing(
            idempotency_key=f"survey:{user.pk}",
            email=user.email,
            user_id=user.pk,
            language="",
            context={"person": user, "text": "Survey", "url": "/"},
            text="Survey",
            url="/",
        )
        for user in (willing, unwilling)
    ]
    with scope(organization=org.pk):
        assert (
            notices_send(
                organization=org, template="notice", outgoing=outgoing, kind=EmailKind.SURVEYS
            )
            == 1
        )
        assert Notification.objects.for_org(org).count() == 2
    assert [m.to for m in mail.outbox] == [["w@acme.test"]]


def test_check_in_invitations_and_reminders_follow_their_kinds(
    org, django_capture_on_commit_callbacks
):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentor = ParticipantFactory(
        cohort=cohort, role="mentor", email="m@acme.test", user=UserFactory(email="m@acme.test")
    )
    mentee = ParticipantFactory(
        cohort=cohort, role="mentee", email="e@acme.test", user=UserFactory(email="e@acme.test")
    )
    turn_off(org, mentee.user, EmailKind.CHECK_INS)
    turn_off(org, mentor.user, EmailKind.REMINDERS)
    starts_at = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    with scope(organization=org.pk):
        mentorship = services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.check_in_book(
                organization=org, mentorship=mentorship, actor=mentor.user,
                starts_at=starts_at, duration=dt.timedelta(minutes=30),
            )  # fmt: skip
        assert [m.to for m in mail.outbox] == [["m@acme.test"]]  # the mentee turned these off
        assert Notification.objects.for_org(org).filter(user=mentee.user).count() == 1
        mail.outbox.clear()
        services.check_in_reminders_send(organization=org, now=starts_at - dt.timedelta(hours=23))
    assert [m.to for m in mail.outbox] == [["e@acme.test"]]  # the mentor turned reminders off
