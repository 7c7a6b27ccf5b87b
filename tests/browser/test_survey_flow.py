"""A survey from start to chart in Chromium: a program manager makes a draft from the two-week
match check in the builder, the survey opens and the minute task dispatches it, the mentee
opens the emailed link on a 375 px phone without signing in, answers "not a good match" (the
follow-up questions appear as she answers) and submits; the results page then draws a chart,
and the pair is on the at-risk list with a new match suggested."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from mentorships.models import Mentorship, MentorshipMentee
from mentorships.selectors.at_risk import at_risk_list
from surveys import services
from surveys.models import Survey, SurveyResponse, SurveySchedule
from surveys.tasks import dispatch_surveys_task
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import ParticipantFactory, UserFactory
from tests.surveys.dispatch_fixtures import link_token

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or "test-results")


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_a_match_check_is_built_dispatched_answered_on_a_phone_and_charted(
    new_page, sign_in, org, program, cohort, program_manager
):
    mentor = ParticipantFactory(
        cohort=cohort, role="mentor", email="kenji@acme.test",
        user=UserFactory(email="kenji@acme.test"),
    )  # fmt: skip
    mentee = ParticipantFactory(
        cohort=cohort, role="mentee", email="ana@acme.test",
        user=UserFactory(email="ana@acme.test", language="en"),
    )  # fmt: skip
    mentorship = Mentorship.objects.create(
        organization=org, cohort=cohort, mentor=mentor, started_on=timezone.now().date()
    )
    MentorshipMentee.objects.create(organization=org, mentorship=mentorship, mentee=mentee)

    # The program manager makes a draft from the template in the builder.
    admin_page = new_page(viewport=DESKTOP)
    sign_in(admin_page, program_manager)
    admin_page.goto(reverse("surveys:survey_list", args=[org.slug]))
    form = admin_page.get_by_test_id("new-survey")
    form.get_by_label("Program", exact=True).select_option(label=program.name)
    form.get_by_text("Two-week match check").click()
    form.get_by_role("button", name="Create the draft").click()
    expect(admin_page.get_by_role("heading", name="Two-week match check", level=1)).to_be_visible()

    # Opened to go out now (the template waits 14 days after the match) until next week.
    with scope(organization=org.pk), scopes_disabled():
        survey = Survey.objects.get(organization=org, template_key="match_check")
        SurveySchedule.objects.filter(survey=survey).update(days=0)
        survey.closes_at = timezone.now() + dt.timedelta(days=7)
        survey.save()
        services.survey_open(organization=org, survey=survey)

    dispatch_surveys_task.apply()
    dispatch_surveys_task.apply()  # beat firing twice: still one email each

    [to_mentee] = [m for m in mail.outbox if m.to == [mentee.email]]
    assert len([m for m in mail.outbox if m.to == [mentor.email]]) == 1
    token = link_token(to_mentee)

    # The mentee answers on her phone, signed out, through the emailed link.
    phone = new_page(viewport=PHONE)
    phone.goto(f"/s/{token}/")
    expect(phone.get_by_role("heading", name="Two-week match check", level=1)).to_be_visible()
    expect(phone.get_by_text(f"About your mentorship with {mentor.full_name}")).to_be_visible()
    request_new = phone.locator("#q-request_new_match")
    expect(request_new).to_be_hidden()
    phone.get_by_label("No, it is not working").check()
    expect(request_new).to_be_visible()
    phone.get_by_label("Not yet").check()
    phone.locator("#q-match_concerns textarea").fill("We cannot find a time that works.")
    phone.get_by_label("Yes, please request a new match").check()
    assert overflow(phone) <= 0
    shot(phone, "survey-answer-375")
    phone.get_by_test_id("answer-submit").click()
    expect(phone.get_by_test_id("answer-done")).to_be_visible()
    assert overflow(phone) <= 0
    shot(phone, "survey-answered-375")

    with scopes_disabled():
        response = SurveyResponse.objects.get(survey=survey)
    assert response.submitted_at is not None and response.draft["good_match"] == "no"
    with scope(organization=org.pk):
        [at_risk] = at_risk_list(organization=org)
    assert at_risk.mentorship == mentorship and at_risk.suggestion == "rematch"

    # The results page draws the answers.
    admin_page.goto(reverse("surveys:results", args=[org.slug, survey.pk]))
    charts = admin_page.locator("canvas[data-chart]")
    expect(charts.first).to_be_visible()
    assert admin_page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]')).some(c => c.width > 0)"
    )
