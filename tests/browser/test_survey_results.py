"""The results of an anonymous survey in Chromium: charts drawn by the shipped Chart.js, each
with its table for screen readers, a filter applied through htmx, on a desktop and a phone."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import CohortFactory, ProgramFactory
from tests.surveys.results_fixtures import make_survey, respond

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOT_DIR = os.environ.get("BROWSER_SCREENSHOT_DIR")


@pytest.fixture
def results_url(org):
    program = ProgramFactory(organization=org, name="Bridges")
    cohort = CohortFactory(program=program, name="Spring")
    survey = make_survey(org, program, anonymous=True)
    for n in range(12):
        respond(
            survey,
            {
                "confidence": 1 + n % 5,
                "recommend": n % 11,
                "good_match": ["yes", "no", "unsure"][n % 3],
                "skills": ["sql", "speaking"][: 1 + n % 2],
                "highlight": f"Highlight number {n}",
                "approach": {"listens": 1 + n % 5, "challenges": 5 - n % 5},
            },
            cohort=cohort,
            country=["GB", "FR"][n % 2],
            role=["mentee", "mentor"][n // 6],
        )
    return reverse("surveys:results", args=[org.slug, survey.pk])


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_results_draw_charts_with_tables_and_filter_in_place(
    new_page, sign_in, program_manager, results_url, viewport
):
    page = new_page(viewport=viewport)
    sign_in(page, program_manager)

    page.goto(results_url)

    charts = page.locator("canvas[data-chart]")
    assert charts.count() >= 6  # the response rate, every question but text, the NPS split
    page.wait_for_function(
        "Array.from(document.querySelectorAll('canvas[data-chart]')).every(c => c.width > 0)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    table_toggle = page.locator("[data-testid=question-recommend] summary").first
    table_toggle.focus()
    page.keyboard.press("Enter")
    assert page.locator("[data-testid=question-recommend] table").first.is_visible()
    assert page.get_by_text("Highlight number 3").is_visible()
    if SCREENSHOT_DIR:
        page.screenshot(
            path=f"{SCREENSHOT_DIR}/survey-results-{viewport['width']}.png", full_page=True
        )

    page.select_option("select[name=country]", "GB")
    page.wait_for_selector("text=Responses in this group")

    assert "country=GB" in page.url
    assert page.locator("canvas[data-chart]").count() >= 6
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
