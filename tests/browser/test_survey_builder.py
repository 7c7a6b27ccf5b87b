"""The survey builder in Chromium. A program manager reaches Surveys from the navigation, makes
a draft from the two-week match check, adds a question in both languages and makes it required
without a reload, then previews it at phone width: the "request a new match" question appears
only once "No" is chosen, and submitting names what is missing. Every page fits 1280 and 375 px
without sideways scrolling or console errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from surveys.models import Survey, SurveyQuestion
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or "test-results")


def record_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_survey_built_from_a_template_is_edited_and_previewed_on_a_phone(
    new_page, sign_in, org, program, program_manager
):
    page = new_page(viewport=DESKTOP)
    errors = record_errors(page)
    sign_in(page, program_manager)
    page.goto(reverse("dashboard", args=[org.slug]))
    page.locator('.ui-sidebar a[data-nav="surveys"]').click()
    expect(page.get_by_role("heading", name="No surveys yet")).to_be_visible()

    form = page.get_by_test_id("new-survey")
    form.get_by_label("Program", exact=True).select_option(label=program.name)
    form.get_by_text("Two-week match check").click()
    # A template brings its name, in both languages, still editable.
    expect(form.get_by_label("Name (English)")).to_have_value("Two-week match check")
    form.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_role("heading", name="Two-week match check", level=1)).to_be_visible()
    expect(page.get_by_test_id("survey-sections")).to_contain_text("Is this a good match for you?")
    assert overflow(page) <= 0

    # A question added in both languages, then made required, without leaving the page.
    page.evaluate("window.__stayed = true")
    add = page.get_by_test_id("new-question")
    add.locator("xpath=..").locator("summary").click()
    add.get_by_label("Type", exact=True).select_option("short_text")
    expect(add.get_by_role("group", name="Choices")).to_be_hidden()
    add.get_by_label("Question (English)").fill("Anything else the team should know?")
    add.get_by_label("Question (Spanish)").fill("¿Algo más que el equipo deba saber?")
    add.get_by_role("button", name="Add the question").click()
    added = page.locator("[data-question-key=anything_else_the_team_should_know]")
    expect(added).to_contain_text("Anything else the team should know?")
    added.get_by_test_id("required-toggle").click()
    expect(
        page.locator("[data-question-key=anything_else_the_team_should_know]").get_by_test_id(
            "required-toggle"
        )
    ).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.__stayed") is True
    # After the swaps: a full-page screenshot leaves empty style attributes that a later htmx
    # swap would copy, which the Content-Security-Policy reports.
    shot(page, "survey-builder-1280")
    with scopes_disabled():
        survey = Survey.objects.get(program=program)
        assert SurveyQuestion.objects.get(
            survey=survey, key="anything_else_the_team_should_know"
        ).required

    # The preview on a phone: the conditional question waits for its answer.
    phone = new_page(viewport=PHONE)
    phone_errors = record_errors(phone)
    sign_in(phone, program_manager)
    phone.goto(reverse("surveys:preview", args=[org.slug, survey.pk]) + "?width=phone")
    new_match = phone.locator("#q-request_new_match")
    expect(new_match).to_be_hidden()
    phone.get_by_role("group", name="Is this a good match for you?").get_by_label(
        "No, it is not working"
    ).check()
    expect(new_match).to_be_visible()
    phone.get_by_role("group", name="Is this a good match for you?").get_by_label(
        "Yes, it is working"
    ).check()
    expect(new_match).to_be_hidden()
    phone.get_by_test_id("preview-submit").click()
    expect(phone.locator("#q-first_meeting")).to_contain_text("Please answer this question.")
    expect(phone.locator("#q-anything_else_the_team_should_know")).to_contain_text(
        "Please answer this question."
    )
    shot(phone, "survey-preview-375")
    assert overflow(phone) <= 0

    # Spanish, as a Spanish-speaking respondent reads it.
    phone.get_by_role("button", name="Spanish", exact=True).click()
    expect(phone.get_by_text("¿Es un buen emparejamiento para ti?")).to_be_visible()
    assert errors == [] and phone_errors == []


def test_the_builder_and_the_list_fit_a_phone(new_page, sign_in, org, program, program_manager):
    from surveys.services import survey_create_from_template

    survey = survey_create_from_template(
        organization=org, program=program, template_key="mentor_feedback", actor=None
    )
    page = new_page(viewport=PHONE)
    errors = record_errors(page)
    sign_in(page, program_manager)

    page.goto(reverse("surveys:survey_list", args=[org.slug]))
    expect(page.get_by_test_id("survey-table")).to_contain_text("Feedback on your mentor")
    assert overflow(page) <= 0
    page.goto(reverse("surveys:builder", args=[org.slug, survey.pk]))
    page.locator("[data-question-key=approach] summary").click()
    expect(page.get_by_role("group", name="Statements rated from 1 to 5")).to_be_visible()
    shot(page, "survey-builder-375")
    assert overflow(page) <= 0
    assert errors == []
