"""The dispatch scan's guards, each by itself, where test_dispatch.py lets a small change
through (docs/testing.md, fourth round)."""

from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from mentorships.models import Mentorship
from participants.models import Participant, ParticipantStatus
from surveys import dispatch as dispatch_module
from surveys.models import SurveyInvitation
from tests.factories import ParticipantFactory
from tests.surveys.dispatch_fixtures import (
    dispatch,
    emails_to,
    link_token,
    make_program,
    make_survey,
)

pytestmark = pytest.mark.django_db


def invited(survey) -> set[tuple[int, int | None, str]]:
    with scopes_disabled():
        return set(
            SurveyInvitation.objects.filter(survey=survey).values_list(
                "participant_id", "mentorship_id", "role"
            )
        )


def test_an_invitation_to_one_survey_does_not_count_for_another(org):
    world = make_program(org, pairs=1)
    first = make_survey(org, world.program, audience="mentees")
    second = make_survey(org, world.program, audience="mentees")

    dispatch(org)

    mentee = world.mentees[0].pk
    assert invited(first) == invited(second) == {(mentee, None, "mentee")}


def test_a_survey_asked_once_per_person_on_a_match_trigger_skips_people_in_no_due_mentorship(
    org,
):
    world = make_program(org, pairs=2)
    due, _recent = world.mentorships
    unmatched = ParticipantFactory(cohort=world.cohort, role="mentee", email="alone@x.test")
    with scopes_disabled():
        Mentorship.objects.filter(pk=due.pk).update(
            created_at=timezone.now() - dt.timedelta(days=15)
        )
    survey = make_survey(
        org, world.program, trigger="after_mentorship_published", days=14, audience="both"
    )

    dispatch(org)

    assert invited(survey) == {
        (world.mentees[0].pk, None, "mentee"),
        (world.mentors[0].pk, None, "mentor"),
    }
    assert unmatched.pk not in {person for person, _m, _r in invited(survey)}


def test_a_per_mentorship_survey_skips_a_mentor_no_longer_taking_part(org):
    world = make_program(org, pairs=2)
    gone = world.mentors[1]
    with scopes_disabled():
        Participant.objects.filter(pk=gone.pk).update(
            status=ParticipantStatus.WITHDRAWN, withdrawn_at=timezone.now()
        )
    survey = make_survey(
        org, world.program, trigger="after_mentorship_published", days=0,
        per_mentorship=True, audience="both",
    )  # fmt: skip

    dispatch(org)

    first, second = world.mentorships
    assert invited(survey) == {
        (world.mentees[0].pk, first.pk, "mentee"),
        (world.mentors[0].pk, first.pk, "mentor"),
        (world.mentees[1].pk, second.pk, "mentee"),
    }


def test_a_survey_without_reminders_reminds_nobody_not_even_at_once(org):
    world = make_program(org, pairs=1)
    survey = make_survey(org, world.program, reminder_after_days=None)

    first = dispatch(org)
    later = dispatch(org, now=timezone.now() + dt.timedelta(days=10))

    assert (first.sent, first.reminded, later.reminded) == (2, 0, 0)
    with scopes_disabled():
        assert not SurveyInvitation.objects.filter(
            survey=survey, reminded_at__isnull=False
        ).exists()


def test_the_portable_path_sqlite_takes_stores_what_postgresqls_does(org, monkeypatch):
    """The embedded default (SQLite) inserts and stores tokens without PostgreSQL's bulk SQL;
    the suite runs on PostgreSQL, so that path is taken here by naming another vendor."""
    monkeypatch.setattr(dispatch_module, "connection", SimpleNamespace(vendor="sqlite"))
    world = make_program(org, pairs=1)
    survey = make_survey(org, world.program, audience="mentees")
    mentee = world.mentees[0]

    sent = dispatch(org)
    reminded = dispatch(org, now=timezone.now() + dt.timedelta(days=3, minutes=1))

    assert (sent.invited, sent.sent, reminded.reminded) == (1, 1, 1)
    first, reminder = (link_token(message) for message in emails_to(mentee.email))
    with scopes_disabled():
        invitation = SurveyInvitation.objects.get(survey=survey, participant=mentee)
    assert invitation.token_hash == hashlib.sha256(first.encode()).hexdigest()
    assert invitation.reminder_token_hash == hashlib.sha256(reminder.encode()).hexdigest()
    assert invitation.sent_at is not None and invitation.reminded_at is not None
    assert invitation.expires_at == survey.closes_at
    assert (invitation.email, invitation.language) == (mentee.email, "es")
