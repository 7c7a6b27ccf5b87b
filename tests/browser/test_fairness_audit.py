"""The fairness audit in Chromium: each attribute's gaps drawn as bars with their intervals,
flagged gaps in the warning colour, drawn again in the other theme's colours when the person
switches theme, without console errors, and fitting a 375 px phone."""

import json

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.analytics.test_fairness_audit import operations_gap  # noqa: F401 (fixture)
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHART = "canvas[data-fairness-chart='fairness-chart-function']"


def _watch_console(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _bar_colours(page) -> list[str]:
    return page.evaluate(
        "s => Chart.getChart(document.querySelector(s)).data.datasets[0].backgroundColor", CHART
    )


def _open_audit(page, org, cohort) -> None:
    page.goto(
        reverse("analytics:fairness", args=[org.slug]) + f"?cohort={cohort.pk}&attribute=function"
    )


def test_the_audit_draws_its_gaps_and_redraws_them_in_the_new_theme(
    new_page,
    sign_in,
    org,
    org_admin,
    operations_gap,  # noqa: F811
):
    page = new_page(viewport=DESKTOP)
    errors = _watch_console(page)
    sign_in(page, org_admin)
    _open_audit(page, org, operations_gap)

    expect(
        page.get_by_text("Mentees in Operations were matched 70 points less often")
    ).to_be_visible()
    canvas = page.locator(CHART)
    expect(canvas).to_be_visible()
    assert canvas.evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v !== 0)"
    )
    light = _bar_colours(page)
    # Operations (flagged) and Engineering (also a gap of 70 points the other way) are drawn.
    assert len(light) == 2

    # The toggle sits in the account menu; a click on it is what the person does.
    page.evaluate("document.querySelector('[data-ui-theme-toggle]').click()")
    page.wait_for_function(
        "([selector, before]) => JSON.stringify("
        "Chart.getChart(document.querySelector(selector)).data.datasets[0].backgroundColor"
        ") !== before",
        arg=[CHART, json.dumps(light, separators=(",", ":"))],
    )
    assert _bar_colours(page) != light
    assert errors == []


def test_the_audit_fits_a_phone(new_page, sign_in, org, org_admin, operations_gap):  # noqa: F811
    page = new_page(viewport=PHONE)
    errors = _watch_console(page)
    sign_in(page, org_admin)
    _open_audit(page, org, operations_gap)

    expect(page.locator(CHART)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []
