"""The program team's engagement pages and the message edit, in Chromium at 1280 and 375 px.

A program manager sees a quiet pair on the at-risk list with why and what to try, sends the
one-click nudge after the confirmation says what will happen, and the page confirms it. On the
engagement settings page they change the reminder hours and see them saved, and a bad value gets
its error beside the field. A member edits their own message by keyboard alone. No page scrolls
sideways on a phone and none logs a console error."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from mentorships.models import EngagementSettings
from mentorships.services import messages as message_services
from organizations.models import Role
from tests.browser.conftest import DESKTOP, PHONE
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or "test-results")
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def record_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def sideways_overflow(page) -> int:
    """How far the page itself scrolls sideways (tables scroll inside their own box)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.fixture
def quiet_pair(org):
    """A pair matched 40 days ago that has never met."""
    mentorship, mentor, mentee = tokyo_sao_paulo_pair(org, windows=False)
    mentorship.started_on = timezone.localdate() - dt.timedelta(days=40)
    mentorship.save(update_fields=["started_on"])
    return mentorship, mentor, mentee


@pytest.fixture
def manager(org):
    return member_of(org, "pm@acme.test", role=Role.PROGRAM_MANAGER, full_name="Priya Manager")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_program_manager_nudges_an_at_risk_pair_after_confirming(
    new_page, sign_in, org, quiet_pair, manager, viewport
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(viewport=VIEWPORTS[viewport])
    errors = record_errors(page)
    sign_in(page, manager)
    page.goto(reverse("mentorships:at_risk", args=[org.slug]))
    row = page.get_by_test_id("at-risk-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Kenji Watanabe")
    expect(row).to_contain_text("No check-in held in 40 days since the match")
    expect(row.get_by_test_id("at-risk-suggestion")).to_have_text("A nudge from the program team")
    nudge = row.get_by_role("button", name="Nudge")
    expect(nudge).to_be_visible()
    assert sideways_overflow(page) <= 0
    page.screenshot(path=str(SCREENSHOTS / f"at-risk-{viewport}.png"), full_page=True)

    mail.outbox.clear()
    nudge.click()
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    expect(dialog).to_contain_text("Nudge this pair?")
    expect(dialog).to_contain_text("at most once a day")
    assert mail.outbox == []  # nothing goes out before the confirmation
    dialog.get_by_role("button", name="Send the nudge").click()
    expect(page.get_by_role("status").get_by_text("Nudge sent to the members.")).to_be_visible()
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@acme.test", "kenji@acme.test"]
    assert sideways_overflow(page) <= 0
    assert errors == []


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_engagement_settings_save_reminder_hours_and_refuse_a_bad_value_beside_it(
    new_page, sign_in, org, quiet_pair, manager, viewport
):
    mentorship, _mentor, _mentee = quiet_pair
    program_id = mentorship.cohort.program_id
    page = new_page(viewport=VIEWPORTS[viewport])
    errors = record_errors(page)
    sign_in(page, manager)
    page.goto(reverse("mentorships:engagement_settings", args=[org.slug, program_id]))
    hours = page.get_by_label("Reminders before a check-in (hours)")
    expect(hours).to_have_value("24, 1")
    assert sideways_overflow(page) <= 0
    page.screenshot(path=str(SCREENSHOTS / f"engagement-settings-{viewport}.png"), full_page=True)

    hours.fill("48, 2")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").get_by_text("Engagement settings saved.")).to_be_visible()
    expect(page.get_by_label("Reminders before a check-in (hours)")).to_have_value("48, 2")
    with scope(organization=org.pk):
        assert EngagementSettings.objects.for_org(org).get(program_id=program_id).reminder_hours[
            :2
        ] in ([48, 2], [2, 48])

    page.get_by_label("Reminders before a check-in (hours)").fill("soon")
    page.get_by_role("button", name="Save settings").click()
    field = page.locator(".ui-field--invalid", has=page.get_by_label("Reminders before"))
    expect(field).to_contain_text("Write whole numbers separated by commas")
    assert sideways_overflow(page) <= 0
    with scope(organization=org.pk):
        saved = EngagementSettings.objects.for_org(org).get(program_id=program_id)
        assert sorted(saved.reminder_hours) == [2, 48]  # the bad value changed nothing
    assert [e for e in errors if "status of 400" not in e] == []


def test_a_member_edits_their_message_by_keyboard_and_it_shows_as_edited(
    new_page, sign_in, org, quiet_pair
):
    mentorship, _mentor, mentee = quiet_pair
    with scope(organization=org.pk):
        message = message_services.message_post(
            organization=org, mentorship=mentorship, actor=mentee.user, body="See you Monday"
        )
    page = new_page(viewport=PHONE)
    errors = record_errors(page)
    sign_in(page, mentee.user)
    page.goto(reverse("mentorships:messages", args=[org.slug, mentorship.pk]))
    item = page.locator(f"#message-{message.pk}")
    edit = item.get_by_test_id("message-edit")
    edit.focus()
    page.keyboard.press("Enter")
    text = item.get_by_role("textbox", name="Edit your message")
    expect(text).to_be_focused()
    expect(text).to_have_value("See you Monday")
    assert sideways_overflow(page) <= 0
    page.keyboard.press("Control+A")
    page.keyboard.type("See you Tuesday")
    # The thread's refresh (here: the window regaining focus) keeps the open editor and its text.
    with page.expect_response(lambda r: "thread=1" in r.url):
        page.evaluate("window.dispatchEvent(new Event('focus'))")
    page.wait_for_timeout(300)  # the swap settles after the response
    expect(text).to_have_value("See you Tuesday")
    text.focus()
    page.keyboard.press("Tab")  # Cancel
    page.keyboard.press("Tab")  # Save
    page.keyboard.press("Enter")
    expect(item.locator(".thread__body")).to_have_text("See you Tuesday")
    expect(item).to_contain_text("(edited)")
    expect(item.get_by_test_id("message-edit")).to_be_focused()  # where the keyboard was
    assert sideways_overflow(page) <= 0
    assert errors == []
