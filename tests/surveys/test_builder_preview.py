"""Previewing a survey as a respondent: in either language, at desktop or phone width, with
conditional questions hidden until their answer is given, and a submit that checks the answers
the way the real page does without saving anything."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from surveys.models import SurveyResponse
from surveys.services import survey_create_from_template
from tests.conftest import login


@pytest.fixture
def match_check(org, program):
    return survey_create_from_template(
        organization=org, program=program, template_key="match_check", actor=None
    )


def _preview(org, survey, **query):
    url = reverse("surveys:preview", args=[org.slug, survey.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_preview_shows_every_question_type_partial_in_english(
    client, org, match_check, program_manager
):
    login(client, program_manager)

    page = client.get(_preview(org, match_check)).content.decode()

    assert "Is this a good match for you?" in page
    assert 'name="q-good_match"' in page
    assert 'data-show-if="' in page  # the conditional questions carry their condition
    assert page.count("<fieldset") >= 3  # radio groups are fieldsets with a legend
    assert 'data-width="desktop"' in page


def test_the_preview_in_spanish_at_phone_width(client, org, match_check, program_manager):
    login(client, program_manager)

    page = client.get(_preview(org, match_check, lang="es", width="phone")).content.decode()

    assert "¿Es un buen emparejamiento para ti?" in page
    assert 'data-width="phone"' in page
    assert 'lang="es"' in page


def test_a_conditional_question_starts_hidden(client, org, match_check, program_manager):
    login(client, program_manager)

    page = client.get(_preview(org, match_check)).content.decode()

    block = page[page.index('id="q-request_new_match"') :]
    assert block[: block.index(">")].endswith("hidden")


def test_submitting_the_preview_checks_required_questions_and_saves_nothing(
    client, org, match_check, program_manager
):
    login(client, program_manager)

    missing = client.post(_preview(org, match_check), {"q-good_match": "no"})
    complete = client.post(
        _preview(org, match_check),
        {"q-good_match": "no", "q-first_meeting": "held", "q-request_new_match": "yes"},
    )

    assert missing.status_code == 200  # a preview: the refusal is what it shows
    assert "Please answer this question." in missing.content.decode()
    assert complete.status_code == 200
    assert "nothing was saved" in complete.content.decode()
    with scopes_disabled():
        assert not SurveyResponse.objects.exists()


def test_participants_cannot_preview(client, org, match_check, member):
    login(client, member)

    assert client.get(_preview(org, match_check)).status_code == 403
