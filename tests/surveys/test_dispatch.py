"""Survey dispatch: who is due under each trigger and audience, one invitation and one email per
person whatever runs twice, the language and link of each email, one reminder, and closing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from mentorships.models import CheckIn, Mentorship, MentorshipMentee
from notifications.models import EmailKind, EmailPreference, Notification, SentEmail
from surveys.models import SurveyInvitation, SurveySchedule
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


# --- Triggers ---------------------------------------------------------------------------------


def test_days_after_cohort_start_invites_everyone_once_the_days_have_passed(org):
    world = make_program(org, started_days_ago=10)
    survey = make_survey(org, world.program, trigger="after_cohort_start", days=14)

    assert dispatch(org).invited == 0
    assert dispatch(org, now=timezone.now() + dt.timedelta(days=4, minutes=1)).invited == 4
    people = {p.pk for p in world.mentors + world.mentees}
    assert {participant for participant, _m, _r in invited(survey)} == people


def test_days_before_cohort_end_waits_until_the_end_is_that_close(org):
    world = make_program(org)  # ends in 60 days
    survey = make_survey(
        org, world.program, trigger="before_cohort_end", days=7, closes_in=dt.timedelta(days=90)
    )

    dispatch(org)
    assert invited(survey) == set()
    dispatch(org, now=timezone.now() + dt.timedelta(days=53, hours=1))
    assert len(invited(survey)) == 4


def test_on_a_date_sends_at_that_moment_and_not_before(org):
    world = make_program(org)
    send_at = timezone.now() + dt.timedelta(hours=5)
    survey = make_survey(org, world.program, trigger="on_date", send_at=send_at)

    dispatch(org, now=send_at - dt.timedelta(minutes=1))
    assert invited(survey) == set()
    dispatch(org, now=send_at)
    assert len(invited(survey)) == 4


def test_days_after_a_match_follows_each_mentorship_own_age(org):
    world = make_program(org, pairs=2)
    old, _recent = world.mentorships
    with scopes_disabled():
        Mentorship.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - dt.timedelta(days=15)
        )
    survey = make_survey(
        org, world.program, trigger="after_mentorship_published", days=14,
        per_mentorship=True, kind="match_check",
    )  # fmt: skip

    dispatch(org)

    assert invited(survey) == {
        (world.mentees[0].pk, old.pk, "mentee"),
        (world.mentors[0].pk, old.pk, "mentor"),
    }


def test_after_the_kth_check_in_counts_only_those_that_took_place(org):
    world = make_program(org, pairs=2)
    now = timezone.now()

    def check_in(mentorship, starts_at, status="scheduled"):
        CheckIn.objects.create(
            organization=org, mentorship=mentorship, organizer=mentorship.mentor,
            starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=30),
            time_zone="UTC", status=status, ical_uid=f"{mentorship.pk}-{starts_at:%s}@t",
        )  # fmt: skip

    first, second = world.mentorships
    check_in(first, now - dt.timedelta(days=9))
    check_in(first, now - dt.timedelta(days=2))
    # The second pair: one held, one cancelled and one still to come: not two held.
    check_in(second, now - dt.timedelta(days=9))
    check_in(second, now - dt.timedelta(days=2), status="cancelled")
    check_in(second, now + dt.timedelta(days=2))
    survey = make_survey(
        org, world.program, trigger="after_check_in", check_in_number=2, audience="mentees",
        per_mentorship=True,
    )  # fmt: skip

    dispatch(org)

    assert invited(survey) == {(world.mentees[0].pk, first.pk, "mentee")}


def test_a_mentorship_trigger_on_a_survey_asked_once_per_person_invites_each_person_once(org):
    world = make_program(org, pairs=1)
    mentor = world.mentors[0]
    # The mentor has a second mentee: two due mentorships, still one invitation.
    extra = ParticipantFactory(cohort=world.cohort, role="mentee", email="extra@x.test")
    second = Mentorship.objects.create(
        organization=org, cohort=world.cohort, mentor=mentor, started_on=timezone.now().date()
    )
    MentorshipMentee.objects.create(organization=org, mentorship=second, mentee=extra)
    survey = make_survey(
        org, world.program, trigger="after_mentorship_published", days=0, audience="mentors"
    )

    dispatch(org)

    assert invited(survey) == {(mentor.pk, None, "mentor")}


# --- Audiences and scope ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("audience", "expected_roles"),
    [("mentees", {"mentee"}), ("mentors", {"mentor"}), ("both", {"mentee", "mentor"})],
)
def test_the_audience_picks_the_side(org, audience, expected_roles):
    world = make_program(org)
    both = ParticipantFactory(cohort=world.cohort, role="both", email="both@x.test")
    survey = make_survey(org, world.program, audience=audience)

    dispatch(org)

    rows = invited(survey)
    assert {role for _p, _m, role in rows if _p != both.pk} == expected_roles
    # Someone on both sides is in every audience, asked as the side the audience names.
    assert [role for p, _m, role in rows if p == both.pk] == [
        {"mentees": "mentee", "mentors": "mentor", "both": "both"}[audience]
    ]


def test_a_schedule_for_one_cohort_leaves_the_programs_other_cohorts_alone(org):
    world = make_program(org)
    other = make_program(org, tag="-b")
    other.cohort.program = world.program
    other.cohort.save()
    survey = make_survey(org, world.program, cohort=world.cohort)

    dispatch(org)

    people = {p.pk for p in world.mentors + world.mentees}
    assert {p for p, _m, _r in invited(survey)} == people


def test_program_wide_reaches_every_cohort_but_not_other_programs_nor_withdrawn_people(org):
    world = make_program(org)
    sibling = make_program(org, tag="-b")
    sibling.cohort.program = world.program
    sibling.cohort.save()
    elsewhere = make_program(org, tag="-c")
    gone = world.mentees[0]
    gone.status, gone.withdrawn_at = "withdrawn", timezone.now()
    gone.save()
    survey = make_survey(org, world.program)

    dispatch(org)

    expected = {p.pk for p in world.mentors + world.mentees + sibling.mentors + sibling.mentees}
    expected.discard(gone.pk)
    got = {p for p, _m, _r in invited(survey)}
    assert got == expected
    assert not got & {p.pk for p in elsewhere.mentors + elsewhere.mentees}


def test_drafts_paused_schedules_and_surveys_not_yet_open_send_nothing(org):
    world = make_program(org)
    draft = make_survey(org, world.program)
    draft.status = "draft"
    draft.closes_at = None
    draft.save()
    paused = make_survey(org, world.program)
    with scopes_disabled():
        SurveySchedule.objects.filter(survey=paused).update(is_active=False)
    later = make_survey(org, world.program)
    later.opens_at = timezone.now() + dt.timedelta(days=1)
    later.save()

    result = dispatch(org)

    assert result.invited == 0 and mail.outbox == []


# --- Sending: once, in the person's language, with a link --------------------------------------


def test_each_person_gets_one_email_in_their_language_with_a_link_and_an_in_app_notice(org):
    world = make_program(org, pairs=1)
    make_survey(org, world.program)

    result = dispatch(org)

    assert result.sent == 2
    [to_mentee] = emails_to(world.mentees[0].email)
    [to_mentor] = emails_to(world.mentors[0].email)
    assert "¿Cómo va?" in to_mentee.subject and "How is it going?" in to_mentor.subject
    assert link_token(to_mentee) != link_token(to_mentor)
    with scopes_disabled():
        notices = Notification.objects.filter(idempotency_key__startswith="survey-invitation:")
        assert {n.user_id for n in notices} == {world.mentees[0].user_id, world.mentors[0].user_id}
        assert all("/surveys/mine/" in n.url for n in notices)


def test_the_email_states_the_closing_time_in_the_persons_zone(org):
    world = make_program(org, pairs=1)
    survey = make_survey(org, world.program, audience="mentors")
    survey.closes_at = dt.datetime(2031, 3, 1, 12, 0, tzinfo=dt.UTC)
    survey.save()

    dispatch(org)

    [email] = emails_to(world.mentors[0].email)
    # 12:00 UTC is 21:00 in Tokyo.
    assert "March 1, 2031, 9 p.m. (Asia/Tokyo)" in email.body
    assert "Asia/Tokyo" in email.body


def test_scanning_twice_sends_nothing_more(org):
    world = make_program(org)
    make_survey(org, world.program)

    first = dispatch(org)
    second = dispatch(org)

    assert (first.sent, second.sent, second.invited) == (4, 0, 0)
    assert len(mail.outbox) == 4


def test_two_schedules_of_one_survey_still_invite_each_person_once(org):
    world = make_program(org)
    survey = make_survey(org, world.program)
    SurveySchedule.objects.create(
        organization=org, survey=survey, trigger="before_cohort_end", days=90, audience="both"
    )

    dispatch(org)

    assert len(mail.outbox) == 4
    with scopes_disabled():
        assert SurveyInvitation.objects.filter(survey=survey).count() == 4


def test_a_batch_that_fails_to_send_is_sent_again_with_new_links(org, monkeypatch):
    world = make_program(org, pairs=1)
    survey = make_survey(org, world.program, audience="mentees")
    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages

    def broken(self, messages):
        raise ConnectionError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", broken)
    with pytest.raises(ConnectionError):
        dispatch(org)
    with scopes_disabled():
        invitation = SurveyInvitation.objects.get(survey=survey)
        # Rolled back with the failed send: no hash of a link nobody received, no send record.
        assert (invitation.sent_at, invitation.token_hash) == (None, None)
        assert not SentEmail.objects.filter(idempotency_key__startswith="survey-").exists()

    monkeypatch.setattr(EmailBackend, "send_messages", real_send)
    dispatch(org)

    assert len(emails_to(world.mentees[0].email)) == 1
    with scopes_disabled():
        invitation.refresh_from_db()
    assert invitation.sent_at is not None and invitation.token_hash


def test_people_who_turned_survey_emails_off_get_only_the_in_app_notice(org):
    world = make_program(org, pairs=1)
    mentee = world.mentees[0]
    EmailPreference.objects.create(
        organization=org, user=mentee.user, kind=EmailKind.SURVEYS, enabled=False
    )
    make_survey(org, world.program, audience="mentees")

    assert dispatch(org).sent == 1

    assert emails_to(mentee.email) == []
    with scopes_disabled():
        assert Notification.objects.filter(
            user=mentee.user, idempotency_key__startswith="survey-invitation:"
        ).exists()


def test_a_survey_past_its_closing_time_is_closed_and_sends_nothing(org):
    world = make_program(org)
    survey = make_survey(org, world.program, closes_in=dt.timedelta(hours=1))

    result = dispatch(org, now=timezone.now() + dt.timedelta(hours=2))

    survey.refresh_from_db()
    assert (result.closed, survey.status, result.sent) == (1, "closed", 0)
    assert survey.closed_at is not None


def test_an_invitation_expires_when_the_survey_closes(org):
    world = make_program(org, pairs=1)
    survey = make_survey(org, world.program, audience="mentees")

    dispatch(org)

    with scopes_disabled():
        assert SurveyInvitation.objects.get(survey=survey).expires_at == survey.closes_at


# --- The reminder ----------------------------------------------------------------------------


def test_one_reminder_after_three_days_to_those_who_saved_nothing(org):
    world = make_program(org, pairs=2)
    survey = make_survey(org, world.program, audience="mentees")
    dispatch(org)
    with scopes_disabled():
        started = SurveyInvitation.objects.get(survey=survey, participant=world.mentees[1])
    started.started_at = timezone.now()
    started.save()
    mail.outbox.clear()

    assert dispatch(org, now=timezone.now() + dt.timedelta(days=2)).reminded == 0
    in_three_days = timezone.now() + dt.timedelta(days=3, minutes=1)
    assert dispatch(org, now=in_three_days).reminded == 1
    assert dispatch(org, now=in_three_days + dt.timedelta(days=3)).reminded == 0

    [reminder] = mail.outbox
    assert reminder.to == [world.mentees[0].email]
    with scopes_disabled():
        invitation = SurveyInvitation.objects.get(survey=survey, participant=world.mentees[0])
    # A second link of its own: the first email's keeps working too.
    assert invitation.reminder_token_hash and invitation.token_hash
    assert invitation.reminder_token_hash != invitation.token_hash


def test_no_reminder_when_the_survey_has_none(org):
    world = make_program(org, pairs=1)
    make_survey(org, world.program, reminder_after_days=None)
    dispatch(org)

    assert dispatch(org, now=timezone.now() + dt.timedelta(days=10)).reminded == 0


# --- Hash-only storage --------------------------------------------------------------------------


def test_the_plain_token_is_stored_nowhere_in_the_database(org):
    from django.db import connection

    world = make_program(org, pairs=1)
    make_survey(org, world.program)
    dispatch(org)
    tokens = [link_token(message) for message in mail.outbox]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb')"
        )
        columns = cursor.fetchall()
        for table, column in columns:
            for token in tokens:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE %s',  # noqa: S608
                    [f"%{token}%"],
                )
                assert cursor.fetchone()[0] == 0, (table, column)
