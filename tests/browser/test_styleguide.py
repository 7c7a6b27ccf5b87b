"""The living style guide in Chromium: every component at 1280 and 375 px without horizontal
overflow or console errors, charts drawn, tabs and the confirmation dialog by keyboard alone.

Screenshots go to $BROWSER_SCREENSHOT_DIR, else test-results/ (not committed), for a person to
look at."""

import os
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

SHOTS = Path(
    os.environ.get("BROWSER_SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "test-results"
)


def _open_styleguide(new_page, sign_in, viewport, query=""):
    page = new_page(viewport=viewport)
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    # The favicon is the browser's own request, not the page's.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    sign_in(page, UserFactory(is_staff=True))
    page.emulate_media(reduced_motion="reduce")
    page.goto("/_styleguide/" + query)
    page.wait_for_load_state("networkidle")
    return page, errors


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_styleguide_fits_the_screen_without_errors(new_page, sign_in, viewport):
    page, errors = _open_styleguide(new_page, sign_in, viewport)

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {viewport['width']}px"
    # Charts were drawn by Chart.js from their data islands.
    assert page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".every(c => window.Chart.getChart(c) !== undefined)"
    )
    # The variable font is the one in use.
    assert page.evaluate("document.fonts.check('16px \"Inter Variable\"')")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"styleguide-{viewport['width']}.png", full_page=True)
    assert errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_app_shell_keeps_its_navigation_on_one_line_or_one_bar(new_page, sign_in, viewport):
    page, errors = _open_styleguide(new_page, sign_in, viewport, "?view=shell")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    items = page.locator(".ui-nav__item:visible")
    tops = {round(box["y"]) for box in (items.nth(i).bounding_box() for i in range(items.count()))}
    if viewport is PHONE:
        # One bottom bar, fixed to the screen's foot.
        assert len(tops) == 1
        assert max(tops) > viewport["height"] - 80
    else:
        # A sidebar: one item per row, every label on one line.
        assert len(tops) == items.count()
        heights = {round(items.nth(i).bounding_box()["height"]) for i in range(items.count())}
        assert len(heights) == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"styleguide-shell-{viewport['width']}.png", full_page=True)
    assert errors == []


def test_styleguide_in_spanish(new_page, sign_in):
    page, errors = _open_styleguide(new_page, sign_in, DESKTOP, "?lang=es")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("a[aria-current=page][lang=es]").count() == 1
    assert errors == []


def test_form_sections_are_named_groups(new_page, sign_in):
    page, _ = _open_styleguide(new_page, sign_in, DESKTOP)
    assert page.get_by_role("group", name="Basics").count() == 1
    assert page.get_by_role("group", name="Format").count() == 1


def test_tabs_move_with_arrow_keys_home_and_end(new_page, sign_in):
    page, _ = _open_styleguide(new_page, sign_in, DESKTOP)
    tabs = page.locator("#tabs [role=tab]")
    panels = page.locator("#tabs [role=tabpanel]")
    tabs.nth(0).focus()

    page.keyboard.press("ArrowRight")
    assert tabs.nth(1).get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == tabs.nth(1).get_attribute("id")
    assert panels.nth(1).is_visible() and not panels.nth(0).is_visible()

    page.keyboard.press("End")
    assert tabs.nth(2).get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowRight")  # wraps to the first
    assert tabs.nth(0).get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowLeft")  # wraps to the last
    assert tabs.nth(2).get_attribute("aria-selected") == "true"
    page.keyboard.press("Home")
    assert tabs.nth(0).get_attribute("aria-selected") == "true"
    assert tabs.nth(0).get_attribute("tabindex") == "0"
    assert tabs.nth(1).get_attribute("tabindex") == "-1"
    assert panels.nth(0).is_visible()


def test_confirmation_dialog_opens_cancels_and_confirms_by_keyboard(new_page, sign_in):
    page, errors = _open_styleguide(new_page, sign_in, DESKTOP)
    dialog = page.locator("#confirm-dialog")
    trigger = page.locator("#demo-publish")

    trigger.focus()
    page.keyboard.press("Enter")
    assert dialog.is_visible()
    assert page.locator("#confirm-title").inner_text() == "Publish round 3?"
    assert "emails 176 people" in page.locator("#confirm-message").inner_text()
    focused = page.evaluate("document.activeElement.hasAttribute('data-confirm-ok')")
    assert focused, "the confirming button has the focus"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "styleguide-confirm-1280.png")

    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.id") == "demo-publish"
    assert "published" not in page.url

    page.keyboard.press("Enter")
    assert dialog.is_visible()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "published=1" in page.url
    assert errors == []
