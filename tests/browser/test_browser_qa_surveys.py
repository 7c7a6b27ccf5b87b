"""Found by trying the product from a fresh `scripts/run`: the survey answer page, opened signed
out from the emailed link, says in which zone its closing time is (it shows the respondent's
own zone, which need not be the browser's), as the invitation email does."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import BROWSER_TIME_ZONE, PHONE
from tests.factories import ParticipantFactory
from tests.surveys.factories import (
    OpenSurveyFactory,
    SurveyQuestionFactory,
    invitation_with_token,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_answer_page_names_the_zone_of_its_closing_time(new_page, org, program, cohort):
    closes = dt.datetime(2031, 12, 20, 12, 30, tzinfo=dt.UTC)
    survey = OpenSurveyFactory(
        program=program, organization=org, closes_at=closes, opened_at=timezone.now()
    )
    SurveyQuestionFactory(section__survey=survey, text={"en": "How is it going?", "es": "¿Va?"})
    mentee = ParticipantFactory(cohort=cohort, role="mentee", time_zone="America/Mexico_City")
    _, token = invitation_with_token(survey, participant=mentee)
    assert mentee.time_zone != BROWSER_TIME_ZONE

    page = new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"/s/{token}/")

    # 12:30 UTC is 6:30 in Mexico City, whatever zone the browser is in.
    expect(page.get_by_test_id("answer-closes")).to_contain_text(
        "Open until Dec. 20, 2031, 6:30 a.m. (America/Mexico_City)"
    )
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert errors == []
