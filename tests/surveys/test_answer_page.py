"""The answer page and the in-app way to it: the respondent's language, partial saves (the
button and htmx's autosave), required questions and conditional display on submit, the match
check's "not a good match" reaching the at-risk list, and the person's open surveys in the app."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from mentorships.selectors.at_risk import at_risk_list
from surveys import services
from surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse, SurveySchedule
from tests.factories import MembershipFactory
from tests.surveys.dispatch_fixtures import (
    dispatch,
    emails_to,
    link_token,
    make_program,
    make_survey,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org):
    return make_program(org, pairs=1)


def token_for(org, person, survey) -> str:
    dispatch(org)
    emails = [m for m in emails_to(person.email) if "/s/" in m.body]
    assert emails, f"no survey email to {person.email}"
    return link_token(emails[-1])


def test_the_page_speaks_the_respondents_language(client, org, world):
    survey = make_survey(org, world.program)
    dispatch(org)
    to_mentee = link_token(emails_to(world.mentees[0].email)[0])
    to_mentor = link_token(emails_to(world.mentors[0].email)[0])

    spanish = client.get(f"/s/{to_mentee}/").content.decode()
    english = client.get(f"/s/{to_mentor}/").content.decode()

    assert '<html lang="es">' in spanish and "¿Qué tan útiles son las reuniones?" in spanish
    assert '<html lang="en">' in english and "How useful are the meetings?" in english
    assert survey.program.name in english


def test_save_and_continue_later_keeps_a_partial_answer_without_submitting(client, org, world):
    survey = make_survey(org, world.program, audience="mentees")
    token = token_for(org, world.mentees[0], survey)

    saved = client.post(f"/s/{token}/", {"action": "save", "q-why": "Not sure yet"})
    # Nothing required is checked on a partial save; the conditional text is kept only when
    # shown, and "why" shows only for a low rating.
    client.post(f"/s/{token}/", {"action": "save", "q-rating": "1", "q-why": "Too short"})

    assert saved.status_code == 302 and saved["Location"].endswith("?saved=1")
    with scopes_disabled():
        response = SurveyResponse.objects.get(survey=survey)
        invitation = SurveyInvitation.objects.get(survey=survey)
        assert not SurveyAnswer.objects.filter(response=response).exists()
    assert response.draft == {"rating": 1, "why": "Too short"}
    assert response.submitted_at is None
    assert invitation.started_at is not None and invitation.answered_at is None
    page = client.get(f"/s/{token}/?saved=1").content.decode()
    assert "Too short" in page


def test_htmx_autosave_answers_with_the_status_line_only(client, org, world):
    survey = make_survey(org, world.program, audience="mentors")
    token = token_for(org, world.mentors[0], survey)

    response = client.post(
        f"/s/{token}/", {"action": "save", "q-rating": "4"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    assert "<html" not in response.content.decode()
    with scopes_disabled():
        assert SurveyResponse.objects.get(survey=survey).draft == {"rating": 4}


def test_submitting_without_a_required_answer_says_which_and_keeps_the_rest(client, org, world):
    survey = make_survey(org, world.program, audience="mentors")
    token = token_for(org, world.mentors[0], survey)

    refused = client.post(f"/s/{token}/", {"action": "submit"})

    assert refused.status_code == 400
    assert "Please answer this question." in refused.content.decode()
    with scopes_disabled():
        assert not SurveyResponse.objects.filter(survey=survey, submitted_at__isnull=False).exists()


def test_a_conditional_question_shows_only_for_the_answers_that_open_it(client, org, world):
    survey = make_survey(org, world.program, audience="mentors")
    token = token_for(org, world.mentors[0], survey)

    client.post(f"/s/{token}/", {"action": "submit", "q-rating": "5", "q-why": "ignored"})
    with scopes_disabled():
        kept = dict(SurveyResponse.objects.get(survey=survey).draft)
    page = client.get(f"/s/{token}/").content.decode()
    client.post(f"/s/{token}/", {"action": "submit", "q-rating": "2", "q-why": "More time"})
    with scopes_disabled():
        texts = list(
            SurveyAnswer.objects.filter(survey=survey, question__key="why").values_list(
                "text", flat=True
            )
        )

    assert kept == {"rating": 5}
    # Drawn hidden while the rating is high; survey_builder.js shows it when it drops.
    assert 'id="q-why"' in page and "data-show-if=" in page
    assert page.split('id="q-why"')[1].split(">")[0].rstrip().endswith("hidden")
    assert texts == ["More time"]


def test_a_match_check_saying_not_a_good_match_puts_the_pair_on_the_at_risk_list(
    client, org, world, program_manager, django_capture_on_commit_callbacks
):
    with scope(organization=org.pk):
        survey = services.survey_create_from_template(
            organization=org, program=world.program, template_key="match_check", actor=None
        )
        SurveySchedule.objects.filter(survey=survey).update(days=0)
        survey.closes_at = timezone.now() + dt.timedelta(days=14)
        survey.save()
        services.survey_open(organization=org, survey=survey)
    mentorship = world.mentorships[0]
    token = token_for(org, world.mentees[0], survey)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"/s/{token}/",
            {
                "action": "submit",
                "q-good_match": "no",
                "q-first_meeting": "not_yet",
                "q-match_concerns": "We never find a time",
                "q-request_new_match": "yes",
            },
        )

    assert done.status_code == 302, done.content.decode()[:2000]
    with scope(organization=org.pk):
        [entry] = at_risk_list(organization=org)
    assert entry.mentorship == mentorship and entry.suggestion == "rematch"
    mentorship.refresh_from_db()
    assert "We never find a time" in mentorship.rematch_reason
    assert "A new match was requested." in mentorship.rematch_reason
    # The people who run programs hear of it once, after the commit.
    assert [m.to for m in mail.outbox] == [[program_manager.email]]


def test_a_good_match_answer_flags_nothing(client, org, world):
    with scope(organization=org.pk):
        survey = services.survey_create_from_template(
            organization=org, program=world.program, template_key="match_check", actor=None
        )
        SurveySchedule.objects.filter(survey=survey).update(days=0)
        survey.closes_at = timezone.now() + dt.timedelta(days=14)
        survey.save()
        services.survey_open(organization=org, survey=survey)
    token = token_for(org, world.mentees[0], survey)

    done = client.post(
        f"/s/{token}/", {"action": "submit", "q-good_match": "yes", "q-first_meeting": "held"}
    )

    assert done.status_code == 302
    world.mentorships[0].refresh_from_db()
    assert world.mentorships[0].rematch_requested_at is None


# --- In the app -------------------------------------------------------------------------------


def sign_in_member(client, org, person):
    MembershipFactory(organization=org, user=person.user)
    client.force_login(person.user)


def test_the_person_sees_their_open_surveys_and_answers_from_the_app(client, org, world):
    survey = make_survey(org, world.program, audience="mentees")
    emailed = token_for(org, world.mentees[0], survey)
    sign_in_member(client, org, world.mentees[0])
    mine = reverse("surveys:mine", args=[org.slug])

    listed = client.get(mine).content.decode()
    with scopes_disabled():
        invitation = SurveyInvitation.objects.get(survey=survey)
    opened = client.post(reverse("surveys:mine_open", args=[org.slug, invitation.pk]))

    assert "¿Cómo va?" in listed or "How is it going?" in listed
    in_app = reverse("surveys:mine_answer", args=[org.slug, invitation.pk])
    assert opened.status_code == 302 and opened["Location"] == in_app
    assert client.get(in_app).status_code == 200
    # The app answers through the session: the emailed link keeps working, as its email said.
    assert client.get(f"/s/{emailed}/").status_code == 200


def _draft(survey):
    with scopes_disabled():
        return [r.draft for r in SurveyResponse.objects.filter(survey=survey)]


def test_saved_through_the_email_then_changed_in_the_app_it_is_one_response(client, org, world):
    survey = make_survey(org, world.program, audience="mentees")
    emailed = token_for(org, world.mentees[0], survey)
    assert client.post(f"/s/{emailed}/", {"action": "save", "q-rating": "2"}).status_code == 302
    sign_in_member(client, org, world.mentees[0])
    with scopes_disabled():
        invitation = SurveyInvitation.objects.get(survey=survey)
    in_app = reverse("surveys:mine_answer", args=[org.slug, invitation.pk])

    shown = client.get(in_app).content.decode()
    changed = client.post(in_app, {"action": "submit", "q-rating": "4"})

    assert 'value="2" checked' in shown  # the emailed link's draft, shown in the app
    assert changed.status_code == 302 and changed["Location"] == f"{in_app}?done=1"
    assert _draft(survey) == [{"rating": 4}]
    # And back through the email: the same response, the link still live.
    client.logout()
    again = client.get(f"/s/{emailed}/")
    assert again.status_code == 200 and 'value="4" checked' in again.content.decode()
    with scopes_disabled():
        invitation.refresh_from_db()
    assert invitation.answered_at is not None and invitation.token_hash is not None


def test_answered_in_the_app_first_the_emailed_link_reaches_the_same_answers(client, org, world):
    survey = make_survey(org, world.program, audience="mentees")
    emailed = token_for(org, world.mentees[0], survey)
    sign_in_member(client, org, world.mentees[0])
    with scopes_disabled():
        invitation = SurveyInvitation.objects.get(survey=survey)
    in_app = reverse("surveys:mine_answer", args=[org.slug, invitation.pk])

    saved = client.post(in_app, {"action": "save", "q-rating": "3"})
    client.logout()
    page = client.get(f"/s/{emailed}/")
    changed = client.post(f"/s/{emailed}/", {"action": "submit", "q-rating": "5"})

    assert saved.status_code == 302 and saved["Location"] == f"{in_app}?saved=1"
    assert page.status_code == 200 and 'value="3" checked' in page.content.decode()
    assert changed.status_code == 302
    assert _draft(survey) == [{"rating": 5}]


def test_the_home_shows_a_card_of_surveys_waiting_for_an_answer(client, org, world):
    make_survey(org, world.program, audience="mentees")
    dispatch(org)
    sign_in_member(client, org, world.mentees[0])

    home = client.get(reverse("dashboard", args=[org.slug])).content.decode()
    card = client.get(reverse("surveys:mine_card", args=[org.slug])).content.decode()

    # The home fetches the card once it has shown.
    assert reverse("surveys:mine_card", args=[org.slug]) in home
    assert 'id="surveys-waiting-title"' in card
    assert reverse("surveys:mine", args=[org.slug]) in card


def test_nothing_waiting_shows_no_card_and_an_empty_list_that_says_what_comes(client, org, world):
    sign_in_member(client, org, world.mentees[0])

    card = client.get(reverse("surveys:mine_card", args=[org.slug])).content.decode()
    mine = client.get(reverse("surveys:mine", args=[org.slug])).content.decode()

    assert card.strip() == ""
    assert _in_spanish("No surveys to answer") in mine  # the mentee reads Spanish


def test_an_anonymous_survey_saved_through_the_email_cannot_be_reopened_from_the_app(
    client, org, world
):
    survey = make_survey(org, world.program, audience="mentees", anonymous=True)
    emailed = token_for(org, world.mentees[0], survey)
    client.post(f"/s/{emailed}/", {"action": "save", "q-rating": "3"})
    sign_in_member(client, org, world.mentees[0])
    with scopes_disabled():
        invitation = SurveyInvitation.objects.get(survey=survey)

    listed = client.get(reverse("surveys:mine", args=[org.slug])).content.decode()
    refused = client.post(reverse("surveys:mine_open", args=[org.slug, invitation.pk]), follow=True)

    assert _in_spanish("Anonymous: use the link in your email to answer.") in listed
    assert _in_spanish(
        "Your answers are anonymous, so they are tied to the link in your email, not to "
        "your account: open that link to answer."
    ) in html.unescape(refused.content.decode())
    # No answer page in the app either, and the emailed link still reaches the answers.
    in_app = reverse("surveys:mine_answer", args=[org.slug, invitation.pk])
    assert client.get(in_app).status_code == 302
    assert client.get(f"/s/{emailed}/").status_code == 200


def test_an_anonymous_survey_not_yet_answered_is_answered_through_the_email_only(
    client, org, world
):
    # The app cannot reach an anonymous response without the emailed token (it is keyed by it)
    # and must not reach it by the person; it no longer replaces the emailed link either.
    survey = make_survey(org, world.program, audience="mentees", anonymous=True)
    emailed = token_for(org, world.mentees[0], survey)
    sign_in_member(client, org, world.mentees[0])
    with scopes_disabled():
        invitation = SurveyInvitation.objects.get(survey=survey)

    opened = client.post(reverse("surveys:mine_open", args=[org.slug, invitation.pk]))

    assert opened.status_code == 302 and opened["Location"] == reverse(
        "surveys:mine", args=[org.slug]
    )
    assert client.get(f"/s/{emailed}/").status_code == 200
    with pytest.raises(DomainError), scopes_disabled():
        services.response_save(
            organization=org, invitation=invitation, token=None, answers={}, submit=False
        )


def test_nobody_opens_another_persons_invitation_from_the_app(client, org, world):
    survey = make_survey(org, world.program)
    dispatch(org)
    with scopes_disabled():
        mentors_invitation = SurveyInvitation.objects.get(
            survey=survey, participant=world.mentors[0]
        )
    sign_in_member(client, org, world.mentees[0])

    response = client.post(reverse("surveys:mine_open", args=[org.slug, mentors_invitation.pk]))

    assert response.status_code == 404


def _in_spanish(text: str) -> str:
    from django.utils import translation

    with translation.override("es"):
        return translation.gettext(text)


def test_every_required_question_is_marked_on_the_answer_page_conditional_ones_too(
    client, org, world
):
    survey = make_survey(org, world.program, audience="mentees")
    with scopes_disabled():
        # The conditional "What would help?" made required: shown with its mark once opened.
        survey.questions.filter(key="why").update(required=True)
    token = token_for(org, world.mentees[0], survey)

    page = client.get(f"/s/{token}/").content.decode()

    required = f" ({_in_spanish('required')})"  # the mentee reads Spanish
    for key in ("rating", "why"):
        question = page.split(f'id="q-{key}"', 1)[1]
        text = question.split("</legend>" if key == "rating" else "</label>", 1)[0]
        assert "required-mark" in text, key
        assert required in text, key


def test_an_optional_question_carries_no_required_mark(client, org, world):
    survey = make_survey(org, world.program, audience="mentees")
    token = token_for(org, world.mentees[0], survey)

    page = client.get(f"/s/{token}/").content.decode()

    why = page.split('id="q-why"', 1)[1].split("</label>", 1)[0]
    assert "required-mark" not in why
