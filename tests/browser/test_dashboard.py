"""The program-health dashboard in Chromium: the admin's home loads it, the filter redraws it
(htmx), its charts draw on canvases without console errors, each chart's table shows the same
figures, a table downloads as CSV, and the page fits a 375 px phone."""

import csv
import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from organizations.models import Role
from tests.analytics.factories import build_metrics_world
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or "test-results")


@pytest.fixture
def admin(org):
    build_metrics_world(org)
    return MembershipFactory(organization=org, role=Role.ADMIN, user=UserFactory()).user


def _watch_console(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _choose_march_2025(page) -> None:
    panel = page.locator("#program-health")
    expect(panel.locator("input[name=start]")).to_be_hidden()
    panel.locator("select[name=period]").select_option("custom")
    # The two dates appear and wait for Apply; typing them redraws nothing.
    expect(panel.locator("input[name=start]")).to_be_focused()
    panel.locator("input[name=start]").fill("2025-03-01")
    panel.locator("input[name=end]").fill("2025-03-31")
    panel.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("health-period")).to_contain_text("March 1, 2025 to March 31, 2025")
    expect(panel.locator("canvas")).to_have_count(3)


def test_the_home_draws_the_dashboard_charts_and_their_tables(new_page, sign_in, org, admin):
    page = new_page(viewport=DESKTOP)
    errors = _watch_console(page)
    sign_in(page, admin)

    page.goto(reverse("dashboard", args=[org.slug]))
    expect(page.get_by_role("heading", name="Needs a decision")).to_be_visible()
    # Loaded after the page: the filter and the headline tiles arrive by htmx.
    expect(page.get_by_test_id("health-filter")).to_be_visible()
    _choose_march_2025(page)

    funnel = page.locator("#health-funnel")
    canvas = funnel.locator("canvas")
    expect(canvas).to_be_visible()
    # Chart.js has drawn: the canvas has its size and holds pixels.
    assert canvas.evaluate("c => c.width > 0 && c.height > 0")
    assert canvas.evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v !== 0)"
    )
    table = funnel.locator("table")
    expect(table).to_be_hidden()
    funnel.get_by_text("Show the data as a table").click()
    expect(table).to_be_visible()
    cells = table.locator("tbody td").all_inner_texts()
    # The whole organization: tests/analytics/test_metrics.py's funnel, and X of "Autumn".
    assert cells == ["7", "6", "4", "4", "4", "1"]
    # The chart's data island holds the same figures the table shows.
    drawn = page.evaluate("JSON.parse(document.getElementById('health-funnel-data').textContent)")
    assert [str(v) for v in drawn["series"][0]["data"]] == cells
    expect(page.get_by_test_id("health-headlines")).to_contain_text("Up 200%")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-home-1280.png"), full_page=True)
    assert errors == []


def test_a_chart_table_downloads_as_csv(new_page, sign_in, org, admin, tmp_path):
    page = new_page(viewport=DESKTOP)
    sign_in(page, admin)
    page.goto(reverse("dashboard", args=[org.slug]))
    _choose_march_2025(page)

    with page.expect_download() as download_info:
        page.get_by_test_id("export-funnel-csv").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)

    assert download.suggested_filename.endswith("-funnel-20250301-20250331.csv")
    with target.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Stage", "People"]
    assert [row[1] for row in rows[1:]] == ["7", "6", "4", "4", "4", "1"]


def test_the_dashboard_fits_a_phone(new_page, sign_in, org, admin):
    page = new_page(viewport=PHONE)
    errors = _watch_console(page)
    sign_in(page, admin)

    page.goto(
        reverse("analytics:dashboard", args=[org.slug])
        + "?period=custom&start=2025-03-01&end=2025-03-31"
    )
    expect(page.locator("#program-health canvas")).to_have_count(3)
    page.locator("#health-engagement").get_by_text("Show the data as a table").click()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-375.png"), full_page=True)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= PHONE["width"], scroll
    assert errors == []
