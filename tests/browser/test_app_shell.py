"""The app shell (templates/base.html) in Chromium: a sidebar at 1280 px and a bottom bar with a
top bar at 375 px, for an admin and for a participant, in English and Spanish; the sidebar and
the user menu by keyboard; the one confirmation dialog by keyboard; no console errors under the
Content-Security-Policy.

Screenshots go to $BROWSER_SCREENSHOT_DIR, else test-results/ (not committed)."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from organizations.models import Membership
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import MembershipFactory, ParticipantFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

SHOTS = Path(
    os.environ.get("BROWSER_SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "test-results"
)
ADMIN_SECTIONS = {"home", "programs", "people", "settings"}
PHONE_ADMIN_SECTIONS = {"home", "programs", "matching", "people"}
PARTICIPANT_SECTIONS = ["home", "mentorships", "catalog"]


def _open(new_page, sign_in, user, url, viewport=DESKTOP):
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


def _overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def _sections(page) -> list[str]:
    """The navigation's sections that are shown, in order."""
    return page.evaluate(
        "[...document.querySelectorAll('.ui-sidebar [data-nav]')]"
        ".filter(a => a.offsetParent !== null).map(a => a.dataset.nav)"
    )


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"shell-{name}.png", full_page=True)


@pytest.fixture
def participant(org, cohort):
    user = MembershipFactory(organization=org, user=UserFactory(full_name="Ana Ruiz")).user
    ParticipantFactory(cohort=cohort, user=user, email=user.email, full_name=user.full_name)
    return user


@pytest.mark.parametrize("language", ["en", "es"])
def test_admin_sidebar_at_1280_is_one_line_an_item_with_the_current_section_marked(
    new_page, sign_in, org, owner, cohort, language
):
    owner.full_name = "Maximiliana Fernández-Castellanos de la Vega"
    owner.language = language
    owner.save(update_fields=["full_name", "language"])
    org.name = "Acme Global Mentoring Programmes International"
    org.save(update_fields=["name"])
    page, errors = _open(
        new_page, sign_in, owner, reverse("programs:program_list", args=[org.slug])
    )
    _shot(page, f"admin-{language}-1280")

    assert set(_sections(page)) >= ADMIN_SECTIONS
    assert not {"mentorships"} & set(_sections(page))
    labels = page.evaluate(
        "[...document.querySelectorAll('.ui-sidebar .ui-nav__label')].map(l => ({"
        " text: l.textContent, lines: l.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(l).lineHeight), cut: l.scrollWidth > l.clientWidth}))"
    )
    assert all(label["lines"] < 1.5 and not label["cut"] for label in labels), labels
    current = page.locator(".ui-sidebar [aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_attribute("data-nav", "programs")
    assert page.locator(".ui-topbar").is_hidden()
    assert page.locator(".ui-sidebar").bounding_box()["height"] <= DESKTOP["height"]
    assert _overflow(page) <= 0
    assert errors == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_participant_at_375_has_a_bottom_bar_and_a_top_bar(
    new_page, sign_in, org, participant, language
):
    participant.language = language
    participant.save(update_fields=["language"])
    page, errors = _open(
        new_page, sign_in, participant, reverse("programs:catalog", args=[org.slug]), PHONE
    )
    _shot(page, f"participant-{language}-375")

    assert _sections(page) == PARTICIPANT_SECTIONS
    bar = page.locator(".ui-sidebar").bounding_box()
    assert abs(bar["y"] + bar["height"] - PHONE["height"]) <= 1, bar
    assert bar["width"] == PHONE["width"]
    items = page.evaluate(
        "[...document.querySelectorAll('.ui-sidebar .ui-nav__item')]"
        ".filter(a => a.offsetParent !== null).map(a => a.getBoundingClientRect().top)"
    )
    assert len(items) <= 6 and len(set(items)) == 1, items
    expect(page.locator(".ui-topbar")).to_be_visible()
    expect(page.locator(".ui-sidebar [data-nav=catalog]")).to_have_attribute("aria-current", "page")
    assert _overflow(page) <= 0
    assert errors == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_admin_at_375_keeps_four_sections_in_the_bottom_bar_and_the_rest_under_more(
    new_page, sign_in, org, owner, language
):
    owner.language = language
    owner.save(update_fields=["language"])
    page, errors = _open(new_page, sign_in, owner, reverse("dashboard", args=[org.slug]), PHONE)
    _shot(page, f"admin-{language}-375")

    visible = _sections(page)
    # Four sections reach a thumb; Settings and the others wait under "More".
    assert set(visible) == PHONE_ADMIN_SECTIONS, visible
    assert page.locator("[data-nav-more=settings]").count() == 1
    assert "notifications" not in visible  # the bell sits in the top bar
    expect(page.locator(".ui-topbar__bell")).to_be_visible()
    # Every label shows at least its first letters (a long Spanish word ends in an ellipsis).
    widths = page.evaluate(
        "[...document.querySelectorAll('.ui-sidebar .ui-nav__label')]"
        ".filter(l => l.offsetParent !== null).map(l => l.clientWidth)"
    )
    assert min(widths) >= 40, widths
    assert _overflow(page) <= 0
    assert errors == []


def test_tab_reaches_each_sidebar_item_in_order_with_a_visible_focus(new_page, sign_in, org, owner):
    page, errors = _open(
        new_page, sign_in, owner, reverse("organizations:member_list", args=[org.slug])
    )
    expected = _sections(page)

    reached = []
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const a = document.activeElement; return {nav: a.dataset.nav || null,"
            " outline: getComputedStyle(a).outlineStyle, current: a.getAttribute('aria-current')};"
            " })()"
        )
        if focused["nav"]:
            assert focused["outline"] != "none", focused
            reached.append((focused["nav"], focused["current"]))
        if focused["nav"] == expected[-1]:
            break

    assert [nav for nav, _ in reached] == expected
    assert [nav for nav, current in reached if current == "page"] == ["people"]
    assert errors == []


def test_user_menu_opens_with_enter_and_escape_closes_it_back_to_its_button(
    new_page, sign_in, org, participant
):
    page, errors = _open(
        new_page, sign_in, participant, reverse("dashboard", args=[org.slug]), PHONE
    )
    trigger = page.locator(".ui-topbar .ui-menu__trigger")
    menu = page.locator(".ui-topbar details.ui-menu")

    trigger.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Your settings").last).to_be_focused()
    page.keyboard.press("Escape")

    expect(menu).not_to_have_attribute("open", "")
    expect(trigger).to_be_focused()
    assert errors == []


def _still_a_member(user) -> bool:
    with scopes_disabled():
        return Membership.objects.filter(user=user).exists()


def test_the_modal_confirm_cancels_with_escape_and_confirms_with_enter(
    new_page, sign_in, org, owner, member
):
    page, errors = _open(
        new_page, sign_in, owner, reverse("organizations:member_list", args=[org.slug])
    )
    dialog = page.locator("#confirm-dialog")
    remove = page.locator("tr", has_text="member@acme.test").get_by_role("button", name="Remove")

    remove.focus()
    page.keyboard.press("Enter")
    dialog.wait_for(state="visible")
    assert "Remove member@acme.test?" in dialog.inner_text()
    expect(dialog.get_by_role("button", name="Remove")).to_be_focused()
    _shot(page, "confirm-1280")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    expect(remove).to_be_focused()
    assert _still_a_member(member)

    page.keyboard.press("Enter")
    dialog.wait_for(state="visible")
    page.keyboard.press("Enter")
    page.get_by_role("status").get_by_text("Member removed.").wait_for()
    assert not _still_a_member(member)
    assert errors == []


def test_no_far_reaching_button_can_be_pressed_before_the_confirmation_listens(
    new_page, sign_in, org, org_admin, cohort
):
    """Why base.html loads meridian.js without `defer`: deferred, it ran only after the page was
    on screen, and a button pressed in between sent its form without asking (a keyboard test
    failed once that way when base.html first included the dialog partial). Here meridian.js is
    held back: no button may be on the page until it has run."""
    ana = ParticipantFactory(cohort=cohort, full_name="Ana Ruiz")
    page = new_page()
    sign_in(page, org_admin)
    held = []
    page.route("**/static/js/meridian.js", lambda route: held.append(route))
    page.goto(
        reverse("participants:participant_list", args=[org.slug, cohort.pk]), wait_until="commit"
    )
    withdraw = page.locator("tr", has_text="Ana Ruiz").get_by_role("button", name="Withdraw")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    page.wait_for_timeout(500)  # time for a deferred page to render its rows

    assert held, "the page did not ask for meridian.js"
    expect(withdraw).to_have_count(0)
    held[0].continue_()
    withdraw.focus()
    page.keyboard.press("Enter")

    page.locator("#confirm-dialog").wait_for(state="visible")
    with scopes_disabled():
        ana.refresh_from_db()
    assert ana.status == "active"
