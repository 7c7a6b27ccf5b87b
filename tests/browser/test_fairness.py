"""The fairness audit in Chromium: each attribute's chart of gaps draws on its canvas without
console errors, its table opens by keyboard and holds the drawn figures, the flagged gap reads
as a sentence, and the page fits a 375 px phone."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from organizations.models import Role
from tests.analytics.test_fairness_audit import _mentees
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or "test-results")


@pytest.fixture
def admin(org, cohort):
    _mentees(cohort, 10, matched=2, function="Operations")
    _mentees(cohort, 10, matched=9, function="Engineering")
    return MembershipFactory(organization=org, role=Role.ADMIN, user=UserFactory()).user


def _watch_console(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _open(page, org) -> None:
    page.goto(reverse("analytics:fairness", args=[org.slug]) + "?attribute=function")


def test_the_chart_draws_the_gaps_and_the_table_beside_it_holds_them(new_page, sign_in, org, admin):
    page = new_page(viewport=DESKTOP)
    errors = _watch_console(page)
    sign_in(page, admin)

    _open(page, org)

    expect(page.get_by_test_id("fairness-findings")).to_contain_text(
        "Mentees in Operations were matched 70 points less often than everyone else (p = 0.01)."
    )
    canvas = page.locator("canvas[data-fairness-chart]")
    expect(canvas).to_have_count(1)
    expect(canvas).to_be_visible()
    assert canvas.evaluate("c => c.width > 0 && c.height > 0")
    assert canvas.evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v !== 0)"
    )
    # The chart's table view is the audit's own table, right below it (screen readers get the
    # same figures, the gap and flag first).
    table = page.locator(".fairness__table").first
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    drawn = page.evaluate(
        "JSON.parse(document.getElementById('fairness-chart-function').textContent)"
    )
    gaps = {bar["label"]: bar["gap"] for bar in drawn["bars"]}
    assert gaps == {"Engineering": 70.0, "Operations": -70.0}
    assert table.locator("tbody tr", has_text="Operations").locator("td").first.inner_text() == (
        "-70"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "fairness-1280.png"), full_page=True)
    assert errors == []


def test_the_audit_fits_a_phone(new_page, sign_in, org, admin):
    page = new_page(viewport=PHONE)
    errors = _watch_console(page)
    sign_in(page, admin)

    _open(page, org)

    expect(page.locator("canvas[data-fairness-chart]")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "fairness-375.png"), full_page=True)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= PHONE["width"], scroll
    assert errors == []
