"""What a new user tripped on (issue 6 §4), checked in Chromium."""

import os

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from participants.models import Participant
from tests.browser.conftest import BROWSER_TIME_ZONE, PHONE
from tests.factories import EnrollmentQuestionFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOT_DIR = os.environ.get("BROWSER_SCREENSHOT_DIR")


def _shot(page, name: str) -> None:
    if SCREENSHOT_DIR:
        page.screenshot(path=f"{SCREENSHOT_DIR}/{name}.png", full_page=True)


def _fill_enrollment(page) -> None:
    page.select_option("#id_role", "mentee")
    page.fill("#id_languages", "English (native)")
    page.fill("#id_working_hours_start", "09:00")
    page.fill("#id_working_hours_end", "17:00")
    page.select_option("#id_country", "ES")
    page.fill("#id_function", "Finance")


def test_enrollment_left_on_follow_my_browser_takes_the_browsers_zone(
    page, sign_in, org, member, cohort
):
    sign_in(page, member)
    page.goto(reverse("participants:enroll", args=[org.slug, cohort.pk]))
    # The zone cookie is written by meridian.js on the first page; the form is sent after it.
    assert page.input_value("#id_time_zone") == ""
    _fill_enrollment(page)

    page.get_by_role("button", name="Enroll").click()

    page.get_by_role("heading", name="You are enrolled").wait_for()
    with scopes_disabled():
        assert Participant.objects.get(cohort=cohort).time_zone == BROWSER_TIME_ZONE


def test_required_enrollment_questions_are_marked_before_submitting(
    new_page, sign_in, org, member, cohort
):
    everyone = EnrollmentQuestionFactory(
        cohort=cohort, label="Meeting format", required=True, kind="short_text", choices=[]
    )
    for_mentees = EnrollmentQuestionFactory(
        cohort=cohort,
        label="What to grow",
        required=True,
        audience="mentees",
        kind="short_text",
        choices=[],
    )
    optional = EnrollmentQuestionFactory(
        cohort=cohort, label="Anything else", kind="short_text", choices=[]
    )
    for viewport, suffix in ((None, "1280"), (PHONE, "375")):
        page = new_page(viewport=viewport) if viewport else new_page()
        sign_in(page, member)
        page.goto(reverse("participants:enroll", args=[org.slug, cohort.pk]))
        _shot(page, f"enroll-required-{suffix}")

    def field(question):
        return page.locator(f"#id_{question.answer_key}")

    def marked(question):
        label = page.locator(f"label[for=id_{question.answer_key}]")
        return label.locator(".required-mark").count() == 1

    assert field(everyone).get_attribute("required") is not None
    assert marked(everyone)
    assert field(optional).get_attribute("required") is None
    assert not marked(optional)
    assert page.locator("label[for=id_function] .required-mark").count() == 1
    assert page.locator("#id_function").get_attribute("required") is not None
    # Asked of mentees only: marked, and required while the chosen role is mentee.
    assert marked(for_mentees)
    page.select_option("#id_role", "mentor")
    assert field(for_mentees).evaluate("el => el.required") is False
    page.select_option("#id_role", "mentee")
    assert field(for_mentees).evaluate("el => el.required") is True
