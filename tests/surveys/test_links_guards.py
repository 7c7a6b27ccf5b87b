"""The answer link's guards, where the token and answer-page tests let a small change through
(docs/testing.md, fourth round)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from surveys.links import (
    LinkState,
    answer_page,
    link_answer,
    link_open,
    link_response,
    member_link,
    open_survey_list,
)
from surveys.models import Survey, SurveyInvitation
from tests.surveys.dispatch_fixtures import (
    dispatch,
    emails_to,
    link_token,
    make_program,
    make_survey,
)
from tests.surveys.test_tokens import answer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("token", ["", "x" * 101, "x" * 5000])
def test_an_empty_or_over_long_token_is_refused_before_any_query(django_assert_num_queries, token):
    # Real tokens are 43 characters: anything past 100 is not worth hashing and looking up.
    with django_assert_num_queries(0):
        assert link_open(token=token) is None


def test_a_token_of_exactly_the_longest_length_is_looked_up(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert link_open(token="x" * 100) is None


def test_a_link_reaches_only_its_own_surveys_response(client, org):
    world = make_program(org, pairs=1)
    mentee = world.mentees[0]
    first = make_survey(org, world.program, audience="mentees")
    second = make_survey(org, world.program, audience="mentees")
    dispatch(org)
    tokens = {link_open(token=t).invitation.survey_id: t for t in _tokens(mentee)}
    assert set(tokens) == {first.pk, second.pk}

    assert answer(client, tokens[first.pk], rating="4").status_code == 302

    with scopes_disabled():
        saved = link_response(link=link_open(token=tokens[first.pk]), token=tokens[first.pk])
        other = link_response(link=link_open(token=tokens[second.pk]), token=tokens[second.pk])
    assert saved is not None and saved.survey_id == first.pk
    # The same person, the same (no) mentorship, another survey: nothing saved there yet.
    assert other is None


def _tokens(person) -> list[str]:
    return [link_token(message) for message in emails_to(person.email)]


def test_a_named_surveys_link_reaches_only_its_own_persons_response(client, org):
    world = make_program(org, pairs=2)
    survey = make_survey(org, world.program, audience="mentees")
    dispatch(org)
    [mine] = _tokens(world.mentees[0])
    [theirs] = _tokens(world.mentees[1])

    assert answer(client, theirs, rating="2").status_code == 302

    with scopes_disabled():
        assert link_response(link=link_open(token=mine), token=mine) is None
        found = link_response(link=link_open(token=theirs), token=theirs)
    assert found is not None and found.participant_id == world.mentees[1].pk
    assert found.survey_id == survey.pk


def test_the_app_lists_only_the_persons_sent_invitations_to_surveys_still_open(org):
    world = make_program(org, pairs=2)
    listed = make_survey(org, world.program, audience="mentees")
    closing = make_survey(org, world.program, audience="mentees")
    expired = make_survey(org, world.program, audience="mentees")
    dispatch(org)
    # Not sent yet (a later dispatch would send it), a survey closed since its email, and one
    # past its closing time that the scan has not closed yet.
    unsent = make_survey(org, world.program, audience="mentees")
    with scopes_disabled():
        SurveyInvitation.objects.create(
            organization=org, survey=unsent, participant=world.mentees[0], role="mentee"
        )
        Survey.objects.filter(pk=closing.pk).update(status="closed")
        Survey.objects.filter(pk=expired.pk).update(
            closes_at=timezone.now() - dt.timedelta(minutes=1)
        )
    user = world.mentees[0].user

    with scope(organization=org.pk):
        found = open_survey_list(organization=org, user=user)

    assert [(o.invitation.survey_id, o.invitation.participant_id) for o in found] == [
        (listed.pk, world.mentees[0].pk)
    ]


def test_a_mentor_is_told_whom_a_per_mentorship_survey_asks_about_with_one_more_query(
    org, django_assert_num_queries
):
    world = make_program(org, pairs=1)
    make_survey(org, world.program, audience="both", per_mentorship=True)
    dispatch(org)

    with scope(organization=org.pk):
        with django_assert_num_queries(2):
            [as_mentor] = open_survey_list(organization=org, user=world.mentors[0].user)
        with django_assert_num_queries(1):
            [as_mentee] = open_survey_list(organization=org, user=world.mentees[0].user)

    assert as_mentor.about == world.mentees[0].full_name
    assert as_mentee.about == world.mentors[0].full_name


def _member_link(org, invitation, now=None):
    with scope(organization=org.pk):
        return member_link(
            organization=org, invitation_id=invitation.pk, user=invitation.participant.user, now=now
        )


def _invitation(survey, person) -> SurveyInvitation:
    with scopes_disabled():
        return SurveyInvitation.objects.select_related("participant__user").get(
            survey=survey, participant=person
        )


def test_a_survey_past_its_closing_time_or_closed_is_not_live_in_the_app(org):
    world = make_program(org, pairs=2)
    survey = make_survey(org, world.program, audience="mentees")
    dispatch(org)
    past_closing = survey.closes_at + dt.timedelta(minutes=1)

    late = _member_link(org, _invitation(survey, world.mentees[0]), now=past_closing)
    with scopes_disabled():
        Survey.objects.filter(pk=survey.pk).update(status="closed")
    closed = _member_link(org, _invitation(survey, world.mentees[1]))

    assert late.state == closed.state == LinkState.CLOSED


def test_a_named_survey_saved_through_the_email_is_reached_from_the_app_links_unchanged(
    client, org
):
    world = make_program(org, pairs=1)
    survey = make_survey(org, world.program, audience="mentees")
    dispatch(org)
    [emailed] = _tokens(world.mentees[0])
    assert answer(client, emailed, action="save", rating="3").status_code == 302
    before = _invitation(survey, world.mentees[0])

    link = _member_link(org, before)

    after = _invitation(survey, world.mentees[0])
    assert (after.token_hash, after.reminder_token_hash) == (
        before.token_hash,
        before.reminder_token_hash,
    )
    assert client.get(f"/s/{emailed}/").status_code == 200
    with scopes_disabled():
        found = link_response(link=link, token=None)
    assert found is not None and found.draft == {"rating": 3}


def test_saved_in_the_app_neither_emailed_link_is_retired(client, org):
    world = make_program(org, pairs=1)
    survey = make_survey(org, world.program, audience="mentees")
    dispatch(org)
    dispatch(org, now=timezone.now() + dt.timedelta(days=3, minutes=1))
    first, reminder = _tokens(world.mentees[0])
    link = _member_link(org, _invitation(survey, world.mentees[0]))

    with scopes_disabled():
        outcome = link_answer(link=link, token=None, answers={"rating": "4"}, submit=False)

    assert outcome.errors is None
    assert client.get(f"/s/{first}/").status_code == 200
    assert client.get(f"/s/{reminder}/").status_code == 200
    with scopes_disabled():
        assert link_response(link=link_open(token=first), token=first).draft == {"rating": 4}


def test_nobody_reaches_another_persons_or_an_anonymous_invitation_from_the_app(org):
    world = make_program(org, pairs=1)
    named = make_survey(org, world.program, audience="mentees")
    anonymous = make_survey(org, world.program, audience="mentees", anonymous=True)
    dispatch(org)
    mentee = world.mentees[0]

    with pytest.raises(DomainError) as someone_elses, scope(organization=org.pk):
        member_link(
            organization=org,
            invitation_id=_invitation(named, mentee).pk,
            user=world.mentors[0].user,
        )
    with pytest.raises(DomainError) as not_by_person:
        _member_link(org, _invitation(anonymous, mentee))

    assert someone_elses.value.code == "not_found"
    assert not_by_person.value.code == "conflict"


def test_the_answer_page_names_the_other_side_of_the_mentorship(org):
    world = make_program(org, pairs=1)
    make_survey(org, world.program, audience="both", per_mentorship=True)
    dispatch(org)
    [mentor_token] = _tokens(world.mentors[0])
    [mentee_token] = _tokens(world.mentees[0])

    with scopes_disabled():
        as_mentor = answer_page(link=link_open(token=mentor_token), token=mentor_token)
        as_mentee = answer_page(link=link_open(token=mentee_token), token=mentee_token)

    assert as_mentor.about == world.mentees[0].full_name
    assert as_mentee.about == world.mentors[0].full_name
