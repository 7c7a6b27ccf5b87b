"""The dashboard's filter in Chromium: choosing a program by keyboard narrows the cohorts to its
own and redraws the panel, the address follows the filter (and reloading it shows the same
figures), and the swapped panel brings no console errors (the Content-Security-Policy refuses
inline styles: none may come with it)."""

# `new_page` and `sign_in` are imported from tests/browser/conftest.py, so the tests' parameters
# of the same name shadow them.
# ruff: noqa: F811

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from organizations.models import Role
from tests.analytics.factories import build_metrics_world
from tests.browser.conftest import (  # noqa: F401
    DESKTOP,
    PHONE,
    launched_chromium,
    new_page,
    sign_in,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def browser():
    """This module's own Chromium (as tests/analytics/test_browser_recognition.py explains)."""
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def world(org):
    return build_metrics_world(org)


@pytest.fixture
def admin(org, world):
    return MembershipFactory(organization=org, role=Role.ADMIN, user=UserFactory()).user


def _watch_console(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_a_program_chosen_by_keyboard_narrows_the_cohorts_and_the_address_keeps_it(
    new_page, sign_in, org, admin, world, viewport
):
    page = new_page(viewport=viewport)
    errors = _watch_console(page)
    sign_in(page, admin)
    page.goto(reverse("analytics:dashboard", args=[org.slug]))
    panel = page.locator("#program-health")
    cohorts = panel.locator("select[name=cohort] option")
    expect(cohorts).to_have_text(["All cohorts", "Bridges · Spring", "Compass · Autumn"])

    program = panel.locator("select[name=program]")
    program.focus()
    # "Bridges", the first program after "All programs": a closed select changes on an arrow key.
    page.keyboard.press("ArrowDown")

    expect(cohorts).to_have_text(["All cohorts", "Spring"])
    expect(page).to_have_url(re.compile(rf"[?&]program={world.program.pk}(&|$)"))
    expect(page.get_by_test_id("health-headlines")).to_be_visible()
    page.wait_for_load_state("networkidle")
    counted = page.get_by_test_id("health-headlines").inner_text()

    page.reload()
    expect(panel.locator("select[name=program]")).to_have_value(str(world.program.pk))
    expect(page.get_by_test_id("health-headlines")).to_be_visible()
    assert page.get_by_test_id("health-headlines").inner_text() == counted
    assert errors == []


def test_a_filter_change_swaps_charts_for_charts_without_console_errors(
    new_page, sign_in, org, admin, world
):
    page = new_page(viewport=DESKTOP)
    errors = _watch_console(page)
    sign_in(page, admin)
    march = "?period=custom&start=2025-03-01&end=2025-03-31"
    page.goto(reverse("analytics:dashboard", args=[org.slug]) + march)
    panel = page.locator("#program-health")
    expect(panel.locator("canvas")).to_have_count(3)
    page.wait_for_load_state("networkidle")

    panel.locator("select[name=program]").select_option(str(world.program.pk))

    expect(panel.locator("select[name=cohort] option")).to_have_count(2)
    expect(panel.locator("canvas")).to_have_count(3)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    assert page.locator("#program-health style").count() == 0
    assert errors == []


def test_back_after_a_filter_change_shows_the_earlier_figures_without_console_errors(
    new_page, sign_in, org, admin, world
):
    page = new_page(viewport=DESKTOP)
    errors = _watch_console(page)
    sign_in(page, admin)
    march = "?period=custom&start=2025-03-01&end=2025-03-31"
    page.goto(reverse("analytics:dashboard", args=[org.slug]) + march)
    panel = page.locator("#program-health")
    expect(panel.locator("canvas")).to_have_count(3)
    page.wait_for_load_state("networkidle")
    panel.locator("select[name=program]").select_option(str(world.other_program.pk))
    expect(page).to_have_url(re.compile(rf"[?&]program={world.other_program.pk}(&|$)"))
    page.wait_for_load_state("networkidle")

    page.go_back()

    expect(page).not_to_have_url(re.compile(r"[?&]program="))
    expect(panel.locator("select[name=program]")).to_have_value("")
    expect(page.get_by_role("heading", name="Program health")).to_have_count(1)
    expect(panel.locator("canvas")).to_have_count(3)
    page.wait_for_load_state("networkidle")
    assert panel.locator("canvas").first.evaluate("c => c.width > 0 && c.height > 0")
    assert errors == []
