"""The answer link's token: stored only as a hash, it opens one invitation, keeps opening it to
edit until the survey closes, expires with the survey, and never reaches another organization's
data. Wrong tokens are rate-limited per address."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse
from surveys.views import answer as answer_view
from tests.surveys.dispatch_fixtures import (
    dispatch,
    emails_to,
    link_token,
    make_program,
    make_survey,
)

pytestmark = pytest.mark.django_db


def sent_link(org, person, **survey_options) -> tuple[str, SurveyInvitation]:
    world_survey = survey_options.pop("survey")
    dispatch(org)
    [email] = emails_to(person.email)
    with scopes_disabled():
        invitation = SurveyInvitation.objects.get(survey=world_survey, participant=person)
    return link_token(email), invitation


def answer(client, token, action="submit", **answers):
    data = {"action": action, **{f"q-{key}": value for key, value in answers.items()}}
    return client.post(f"/s/{token}/", data)


@pytest.fixture
def world(org):
    return make_program(org, pairs=1)


def test_only_the_hash_of_the_token_is_stored(org, world):
    survey = make_survey(org, world.program, audience="mentees")
    token, invitation = sent_link(org, world.mentees[0], survey=survey)

    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {invitation.token_hash, invitation.reminder_token_hash}


def test_the_link_opens_the_survey_without_signing_in(client, org, world):
    survey = make_survey(org, world.program, audience="mentees")
    token, _invitation = sent_link(org, world.mentees[0], survey=survey)

    page = client.get(f"/s/{token}/")

    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    assert page["Referrer-Policy"] == "same-origin"


def test_the_same_link_edits_the_response_until_the_survey_closes(client, org, world):
    survey = make_survey(org, world.program, audience="mentees")
    token, invitation = sent_link(org, world.mentees[0], survey=survey)

    assert answer(client, token, rating="2", why="More time").status_code == 302
    assert answer(client, token, rating="5").status_code == 302

    with scopes_disabled():
        [response] = SurveyResponse.objects.filter(survey=survey)
        numbers = list(SurveyAnswer.objects.filter(response=response).values_list("number", "text"))
        invitation.refresh_from_db()
    assert response.draft == {"rating": 5}
    # The hidden follow-up's earlier answer is gone with the condition that showed it.
    assert numbers == [(5, "")]
    assert invitation.answered_at is not None
    assert "5" in client.get(f"/s/{token}/").content.decode()


def test_after_the_closing_time_the_link_shows_a_closed_page_and_saves_nothing(client, org, world):
    survey = make_survey(org, world.program, audience="mentees", closes_in=dt.timedelta(hours=1))
    token, _invitation = sent_link(org, world.mentees[0], survey=survey)

    # The closing time passes before any scan has closed the survey.
    past = timezone.now() - dt.timedelta(minutes=1)
    with scopes_disabled():
        type(survey).objects.filter(pk=survey.pk).update(closes_at=past)
        SurveyInvitation.objects.filter(survey=survey).update(expires_at=past)

    page = client.get(f"/s/{token}/")
    refused = answer(client, token, rating="4")

    assert page.status_code == 410
    with translation.override("es"):  # the mentee reads Spanish
        closed = translation.gettext("“%(name)s” has closed") % {"name": ""}
    assert closed.split("»")[-1].strip() in page.content.decode()
    assert refused.status_code == 410
    with scopes_disabled():
        assert not SurveyResponse.objects.filter(survey=survey).exists()


def test_a_survey_closed_by_the_scan_expires_its_links(client, org, world):
    survey = make_survey(org, world.program, audience="mentees", closes_in=dt.timedelta(hours=1))
    token, _invitation = sent_link(org, world.mentees[0], survey=survey)

    dispatch(org, now=timezone.now() + dt.timedelta(hours=1, minutes=1))

    survey.refresh_from_db()
    assert survey.status == "closed"
    assert client.get(f"/s/{token}/").status_code == 410


def test_an_unknown_token_opens_nothing(client, org, world):
    make_survey(org, world.program)
    dispatch(org)

    page = client.get("/s/not-a-real-token/")

    assert page.status_code == 404
    assert "does not work" in page.content.decode()


def test_wrong_tokens_from_one_address_are_refused_after_a_few(client, org, world, monkeypatch):
    monkeypatch.setattr(answer_view, "MISSES_ALLOWED", 3)
    survey = make_survey(org, world.program, audience="mentees")
    token, _invitation = sent_link(org, world.mentees[0], survey=survey)

    misses = [client.get(f"/s/guess-{n}/").status_code for n in range(3)]
    # Even a real token is refused from that address for the rest of the window.
    refused = client.get(f"/s/{token}/")
    other_address = client.get(f"/s/{token}/", REMOTE_ADDR="10.0.0.9")

    assert misses == [404, 404, 404]
    assert refused.status_code == 429
    assert other_address.status_code == 200


def test_the_reminder_link_works_until_a_save_through_the_first_retires_it(client, org, world):
    survey = make_survey(org, world.program, audience="mentees")
    first, _invitation = sent_link(org, world.mentees[0], survey=survey)
    dispatch(org, now=timezone.now() + dt.timedelta(days=3, minutes=1))
    reminder_email = emails_to(world.mentees[0].email)[-1]
    second = link_token(reminder_email)

    assert client.get(f"/s/{second}/").status_code == 200
    assert answer(client, first, action="save", rating="3").status_code == 302

    assert client.get(f"/s/{second}/").status_code == 404
    assert client.get(f"/s/{first}/").status_code == 200


def test_a_token_of_one_organization_reaches_only_its_own_survey(client, org, other_org):
    ours = make_program(org, pairs=1)
    theirs = make_program(other_org, pairs=1)
    our_survey = make_survey(org, ours.program, audience="mentees")
    their_survey = make_survey(other_org, theirs.program, audience="mentees")
    their_survey.name = {"en": "Globex pulse"}
    their_survey.save()
    token, _invitation = sent_link(org, ours.mentees[0], survey=our_survey)
    dispatch(other_org)

    page = client.get(f"/s/{token}/").content.decode()
    answer(client, token, rating="4")

    # The mentee reads Spanish: the page is in their language.
    assert "¿Cómo va?" in page and "Globex pulse" not in page
    with scopes_disabled():
        assert SurveyResponse.objects.filter(organization=org, survey=our_survey).count() == 1
        assert not SurveyResponse.objects.filter(organization=other_org).exists()


def test_an_anonymous_response_keeps_no_link_to_the_person(client, org, world):
    survey = make_survey(org, world.program, audience="mentees", anonymous=True)
    token, invitation = sent_link(org, world.mentees[0], survey=survey)

    answer(client, token, rating="2", why="Meet more often")

    with scopes_disabled():
        [response] = SurveyResponse.objects.filter(survey=survey)
        invitation.refresh_from_db()
    assert (response.participant_id, response.mentorship_id) == (None, None)
    # Only the link's holder can tie the two: neither hash derives from the other.
    assert response.respondent_key not in {invitation.token_hash, invitation.reminder_token_hash}
    assert response.respondent_key == hashlib.sha256(f"response:{token}".encode()).hexdigest()
    # Times kept to the day, so the invitation's answered_at does not line them up.
    assert response.updated_at.time() == dt.time(0) and response.submitted_at.time() == dt.time(0)
    # The same link finds it again to edit.
    answer(client, token, rating="4")
    with scopes_disabled():
        assert SurveyResponse.objects.filter(survey=survey).count() == 1
        assert SurveyResponse.objects.get(survey=survey).draft == {"rating": 4}
