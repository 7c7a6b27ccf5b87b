"""Booking across time zones in Chromium: a mentee in São Paulo books a slot offered by a mentor
in Tokyo and each sees it in their own zone first; she moves it in one step, he cancels it
(asked first).
The mentorship's pages fit a 375 px phone without sideways scrolling or console errors."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django_scopes import scope
from playwright.sync_api import expect

from mentorships import services
from mentorships.models import CheckIn, CheckInStatus
from tests.browser.conftest import DESKTOP, PHONE
from tests.mentorships.pages import tokyo_sao_paulo_pair

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or "test-results")


def in_zone(value: str, zone: str) -> str:
    """A slot's UTC start ("2030-12-02T00:00Z") as the page writes it in `zone`: "9:00"."""
    instant = dt.datetime.strptime(value, "%Y-%m-%dT%H:%MZ").replace(tzinfo=dt.UTC)
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local.hour}:{local.minute:02d}"


def record_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@pytest.fixture
def pair(org):
    mentorship, mentor, mentee = tokyo_sao_paulo_pair(org)
    for person in (mentor, mentee):
        person.user.time_zone = person.time_zone
        person.user.save(update_fields=["time_zone"])
    return mentorship, mentor, mentee


def test_a_mentee_in_sao_paulo_books_moves_and_cancels_with_a_mentor_in_tokyo(
    new_page, sign_in, org, pair
):
    mentorship, mentor, mentee = pair
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(viewport=DESKTOP)
    errors = record_errors(page)
    sign_in(page, mentee.user)

    page.goto(reverse("mentorships:detail", args=[org.slug, mentorship.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("With Kenji Watanabe")
    page.screenshot(path=str(SCREENSHOTS / "mentorship-home-empty-1280.png"), full_page=True)
    page.locator(".ui-page-header").get_by_role("button", name="Book your first check-in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Book a check-in")
    # Looking three weeks ahead, or for 90 minutes, redraws the slots in place (htmx).
    two_weeks = page.get_by_test_id("slot-count").inner_text()
    page.get_by_label("Show").select_option("3")
    expect(page.get_by_test_id("slot-count")).not_to_have_text(two_weeks)
    page.get_by_label("Show").select_option("2")
    expect(page.get_by_test_id("slot-count")).to_have_text(two_weeks)
    first = page.locator("label.slot").first
    value = first.get_attribute("data-slot")
    # Her evening first, his morning second, on the label she reads.
    label = first.locator(".slot__label").inner_text()
    assert label.startswith(page.locator(".slot__label").first.inner_text()[:3])
    assert f"{in_zone(value, 'America/Sao_Paulo')} Sao Paulo · " in label
    assert label.endswith(f"{in_zone(value, 'Asia/Tokyo')} Tokyo")
    # The program meets every two weeks, so a series is offered; she books one meeting.
    expect(page.get_by_label("Repeat as a series")).to_be_checked()
    page.get_by_label("Repeat as a series").uncheck()
    first.click()
    page.get_by_label("Agenda").fill("Getting to know each other")
    page.get_by_label("Video link or place").fill("https://meet.example.com/ana-kenji")
    page.screenshot(path=str(SCREENSHOTS / "mentorship-book-1280.png"), full_page=True)
    page.get_by_role("button", name="Book and send invitations").click()

    upcoming = page.get_by_test_id("upcoming")
    expect(upcoming.locator("li")).to_have_count(1)
    mine = upcoming.locator(".check-in-when__mine").first
    expect(mine).to_contain_text(f"{in_zone(value, 'America/Sao_Paulo')} Sao Paulo")
    expect(upcoming.locator(".check-in-when__other").last).to_contain_text(
        f"{in_zone(value, 'Asia/Tokyo')} Tokyo"
    )
    with scope(organization=org.pk):
        (booked,) = CheckIn.objects.filter(mentorship=mentorship)
    assert booked.starts_at == dt.datetime.strptime(value, "%Y-%m-%dT%H:%MZ").replace(tzinfo=dt.UTC)

    # She moves it to another offered time in one step.
    upcoming.get_by_role("button", name="Reschedule").click()
    page.screenshot(path=str(SCREENSHOTS / "mentorship-reschedule-1280.png"), full_page=True)
    second = page.locator("label.slot").nth(1)
    moved_to = second.get_attribute("data-slot")
    second.click()
    page.get_by_role("button", name="Move the check-in").click()
    expect(page.get_by_test_id("upcoming").locator(".check-in-when__mine").first).to_contain_text(
        f"{in_zone(moved_to, 'America/Sao_Paulo')} Sao Paulo"
    )
    booked.refresh_from_db()
    assert (booked.starts_at.strftime("%Y-%m-%dT%H:%MZ"), booked.sequence) == (moved_to, 1)

    # The mentor (signing in ends her session) sees the moved check-in, Tokyo first.
    his = new_page(viewport=DESKTOP)
    his_errors = record_errors(his)
    sign_in(his, mentor.user)
    his.goto(reverse("mentorships:check_ins", args=[org.slug, mentorship.pk]))
    expect(his.get_by_test_id("upcoming").locator(".check-in-when__mine").first).to_contain_text(
        f"{in_zone(moved_to, 'Asia/Tokyo')} Tokyo"
    )
    his.goto(reverse("mentorships:detail", args=[org.slug, mentorship.pk]))
    expect(his.locator(".ui-page-header")).not_to_contain_text("Book your first check-in")
    expect(his.get_by_test_id("next-check-in").locator("li").first).to_contain_text("Tokyo")
    expect(his.get_by_test_id("next-check-in").locator("li").first).to_contain_text(
        in_zone(moved_to, "Asia/Tokyo")
    )
    his.screenshot(path=str(SCREENSHOTS / "mentorship-home-mentor-1280.png"), full_page=True)
    his.goto(reverse("mentorships:check_ins", args=[org.slug, mentorship.pk]))

    # He cancels it, with a reason, after the page asks.
    his.get_by_test_id("upcoming").locator("summary", has_text="Cancel").click()
    his.get_by_label("Reason (optional; the others see it)").fill("Travelling")
    his.get_by_test_id("upcoming").get_by_role("button", name="Cancel the check-in").click()
    dialog = his.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Cancel this check-in?")
    dialog.locator("[data-confirm-ok]").click()
    expect(his.get_by_test_id("past")).to_contain_text("Cancelled: Travelling")
    booked.refresh_from_db()
    assert booked.status == CheckInStatus.CANCELLED
    his.screenshot(path=str(SCREENSHOTS / "mentorship-check-ins-1280.png"), full_page=True)
    assert errors == [] and his_errors == []


def test_the_mentorship_pages_fit_a_phone(new_page, sign_in, org, pair):
    mentorship, mentor, mentee = pair
    with scope(organization=org.pk):
        services.check_in_book(
            organization=org,
            mentorship=mentorship,
            actor=mentor.user,
            starts_at=dt.datetime.combine(
                dt.datetime.now(tz=dt.UTC).date() + dt.timedelta(days=4), dt.time(0), tzinfo=dt.UTC
            ),
            duration=dt.timedelta(minutes=45),
            agenda="A long agenda " * 12,
            location="https://meet.example.com/a-very-long-meeting-link-that-could-push-the-page-wide",
        )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(viewport=PHONE)
    errors = record_errors(page)
    sign_in(page, mentee.user)
    pages = {
        "mentorship-home": reverse("mentorships:detail", args=[org.slug, mentorship.pk]),
        "mentorship-check-ins": reverse("mentorships:check_ins", args=[org.slug, mentorship.pk]),
        "mentorship-book": reverse("mentorships:book", args=[org.slug, mentorship.pk]),
        "availability": reverse("mentorships:availability", args=[org.slug]),
        "calendar-feed": reverse("calendar_feed_settings"),
    }
    too_wide = {}
    for name, url in pages.items():
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width
        page.screenshot(path=str(SCREENSHOTS / f"{name}-375.png"), full_page=True)
    # The new calendar address, shown once, wraps inside the phone's width.
    page.goto(pages["calendar-feed"])
    page.get_by_role("button", name="Create my calendar address").click()
    expect(page.get_by_test_id("feed-address")).to_contain_text("/calendar/")
    if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
        too_wide["calendar-feed-created"] = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(SCREENSHOTS / "calendar-feed-created-375.png"), full_page=True)
    assert too_wide == {}
    assert errors == []
