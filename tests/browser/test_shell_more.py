"""The team's bottom bar at 375 px: four sections at most (what the team acts on: Home,
Programs, Matching, and My mentorships for someone who takes part in one, else People, else
Surveys), then "More" with the rest, as phone tab bars do. "More"
opens by keyboard, says whether it is open, closes with Escape back on its button, and lists
every section the bar leaves out. At 1280 px the sidebar lists every section and no "More".

Screenshots go to $BROWSER_SCREENSHOT_DIR, else test-results/ (not committed)."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from django_scopes import scope
from playwright.sync_api import expect

from organizations.models import Role
from tests.browser.conftest import DESKTOP, PHONE
from tests.mentorships.factories import MessageFactory
from tests.mentorships.pages import tokyo_sao_paulo_pair

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

SHOTS = Path(
    os.environ.get("BROWSER_SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "test-results"
)
MORE = ".ui-sidebar .ui-nav__more summary"


def _open(new_page, sign_in, user, url, viewport=PHONE):
    page = new_page(viewport=viewport)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.emulate_media(reduced_motion="reduce")
    sign_in(page, user)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, errors


def _bar(page) -> list[str]:
    """The bottom bar's visible slots, left to right: sections by data-nav, then "more"."""
    return page.evaluate(
        "[...document.querySelectorAll('.ui-sidebar [data-nav], .ui-sidebar .ui-nav__more')]"
        ".filter(e => e.offsetParent !== null)"
        ".map(e => e.dataset.nav || 'more')"
    )


def _in_more(page) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('.ui-sidebar [data-nav-more]')].map(a => a.dataset.navMore)"
    )


def _desktop_sections(new_page, sign_in, user, url) -> list[str]:
    page, _errors = _open(new_page, sign_in, user, url, DESKTOP)
    return page.evaluate(
        "[...document.querySelectorAll('.ui-sidebar [data-nav]')]"
        ".filter(a => a.offsetParent !== null).map(a => a.dataset.nav)"
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_owner_s_bar_has_four_sections_then_more(new_page, sign_in, org, owner, language):
    owner.language = language
    owner.save(update_fields=["language"])
    page, errors = _open(new_page, sign_in, owner, reverse("dashboard", args=[org.slug]))

    assert _bar(page) == ["home", "programs", "people", "matching", "more"]
    slots = page.evaluate(
        "[...document.querySelectorAll('.ui-sidebar .ui-nav > ul > li')]"
        ".filter(li => li.offsetParent !== null).map(li => li.getBoundingClientRect())"
        ".map(r => ({top: Math.round(r.top), width: r.width}))"
    )
    assert len({s["top"] for s in slots}) == 1, slots  # one row
    assert min(s["width"] for s in slots) >= 64, slots  # a thumb's width each
    # "More" lists every section the bar leaves out, Notifications aside (the top bar's bell).
    assert _in_more(page) == ["surveys", "insights", "catalog", "settings"]
    assert set(_desktop_sections(new_page, sign_in, owner, page.url)) == {
        *_bar(page)[:-1],
        *_in_more(page),
        "notifications",
    }
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []


def test_more_opens_by_keyboard_says_so_and_closes_with_escape(new_page, sign_in, org, owner):
    page, errors = _open(new_page, sign_in, owner, reverse("dashboard", args=[org.slug]))
    more = page.locator(MORE)
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(more).to_have_attribute("aria-controls", "nav-more-list")
    expect(page.locator("#nav-more-list")).to_be_hidden()

    more.focus()
    page.keyboard.press("Enter")
    expect(more).to_have_attribute("aria-expanded", "true")
    listing = page.locator("#nav-more-list")
    expect(listing).to_be_visible()
    expect(listing).to_have_attribute("aria-label", "More sections")
    # The panel opens above the bar and inside the screen.
    panel = page.locator(".ui-nav__more .ui-menu__panel").bounding_box()
    bar = page.locator(".ui-sidebar").bounding_box()
    assert panel["y"] + panel["height"] <= bar["y"] + 1, (panel, bar)
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= PHONE["width"], panel
    page.screenshot(path=str(SHOTS / "shell-more-open-375.png"))

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.navMore") == "surveys"
    page.keyboard.press("Escape")
    expect(listing).to_be_hidden()
    expect(more).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("document.activeElement.matches('.ui-nav__more summary')")

    page.keyboard.press("Space")
    expect(listing).to_be_visible()
    page.locator("#nav-more-list [data-nav-more=settings]").press("Enter")
    page.wait_for_url("**/api-keys/**")
    expect(page.locator(f"{MORE}.ui-nav__item--current")).to_be_visible()
    page.locator(MORE).click()
    expect(page.locator("#nav-more-list [data-nav-more=settings]")).to_have_attribute(
        "aria-current", "page"
    )
    assert errors == []


def test_a_program_manager_keeps_surveys_in_the_bar(new_page, sign_in, org, program_manager):
    page, errors = _open(new_page, sign_in, program_manager, reverse("dashboard", args=[org.slug]))
    assert _bar(page) == ["home", "programs", "matching", "surveys", "more"]
    assert _in_more(page) == ["insights", "catalog"]
    page.screenshot(path=str(SHOTS / "shell-program-manager-375.png"))
    assert errors == []


def test_a_program_manager_who_mentors_keeps_my_mentorships_and_its_count_in_the_bar(
    new_page, sign_in, org
):
    mentorship, mentor, mentee = tokyo_sao_paulo_pair(org)
    with scope(organization=org.pk):
        mentor.user.memberships.filter(organization=org).update(role=Role.PROGRAM_MANAGER)
    MessageFactory(mentorship=mentorship, author=mentee)
    page, errors = _open(new_page, sign_in, mentor.user, reverse("dashboard", args=[org.slug]))
    assert _bar(page) == ["home", "mentorships", "programs", "matching", "more"]
    expect(page.locator(".ui-sidebar [data-nav=mentorships] .ui-nav__count")).to_have_text(
        "1 unread messages"
    )
    assert _in_more(page) == ["surveys", "insights", "catalog"]
    assert errors == []


def test_the_desktop_sidebar_has_no_more(new_page, sign_in, org, owner):
    page, errors = _open(new_page, sign_in, owner, reverse("dashboard", args=[org.slug]), DESKTOP)
    expect(page.locator(".ui-nav__more")).to_be_hidden()
    assert "more" not in _bar(page)
    assert errors == []


def test_a_participant_s_bar_needs_no_more(new_page, sign_in, org, member):
    page, errors = _open(new_page, sign_in, member, reverse("dashboard", args=[org.slug]))
    assert _bar(page) == ["home", "mentorships", "catalog"]
    assert page.locator(".ui-nav__more").count() == 0
    assert errors == []
