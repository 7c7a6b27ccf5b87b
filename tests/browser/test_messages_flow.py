"""Messages in Chromium: a message one side sends is unread for the other (the count beside
'My mentorships') until they open the thread, where it shows newest at the bottom; the thread
and the community fit a 375 px phone without sideways scrolling or console errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.mentorships.pages import tokyo_sao_paulo_pair

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or "test-results")


def record_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_a_message_is_unread_for_the_other_side_until_they_open_the_thread(new_page, sign_in, org):
    mentorship, mentor, mentee = tokyo_sao_paulo_pair(org, windows=False)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    thread_url = reverse("mentorships:messages", args=[org.slug, mentorship.pk])
    home_url = reverse("dashboard", args=[org.slug])

    hers = new_page(viewport=DESKTOP)
    errors = record_errors(hers)
    sign_in(hers, mentee.user)
    hers.goto(thread_url)
    expect(hers.get_by_text("No messages yet")).to_be_visible()
    hers.evaluate("window.__stayed = true")
    hers.get_by_label("Your message").fill("Olá Kenji! Can we move Monday?")
    hers.get_by_role("button", name="Send").click()
    expect(hers.get_by_test_id("thread")).to_contain_text("Olá Kenji! Can we move Monday?")
    assert hers.evaluate("window.__stayed") is True  # htmx, no reload
    hers.screenshot(path=str(SCREENSHOTS / "mentorship-messages-1280.png"), full_page=True)

    his = new_page(viewport=DESKTOP)
    errors += record_errors(his)
    sign_in(his, mentor.user)
    his.goto(home_url)
    count = his.locator('.ui-sidebar a[data-nav="mentorships"] .ui-nav__count')
    expect(count).to_contain_text("1")
    his.goto(thread_url)
    expect(his.get_by_test_id("thread").locator("li").last).to_contain_text("Can we move Monday?")
    his.goto(home_url)
    expect(count).to_have_count(0)
    assert errors == []


def test_the_thread_and_the_community_fit_a_phone(new_page, sign_in, org):
    from django_scopes import scope

    from mentorships.services import community as community_services
    from mentorships.services import messages as message_services

    mentorship, mentor, mentee = tokyo_sao_paulo_pair(org, windows=False)
    with scope(organization=org.pk):
        for n, person in enumerate([mentor, mentee, mentor]):
            message_services.message_post(
                organization=org, mentorship=mentorship, actor=person.user,
                body=f"Message {n}: " + "a fairly long line of text that has to wrap " * 3,
            )  # fmt: skip
        topic = community_services.topic_create(
            organization=org, program_id=mentorship.cohort.program_id, actor=mentee.user,
            title="How do you prepare for a check-in?", body="I write three questions.",
        )  # fmt: skip
        community_services.reply_create(
            organization=org, topic_id=topic.pk, actor=mentor.user, body="Same, plus one win."
        )
    page = new_page(viewport=PHONE)
    errors = record_errors(page)
    sign_in(page, mentee.user)
    for name, url in [
        ("messages", reverse("mentorships:messages", args=[org.slug, mentorship.pk])),
        (
            "community",
            reverse("mentorships:community", args=[org.slug, mentorship.cohort.program_id]),
        ),
        ("topic", reverse("mentorships:topic", args=[org.slug, topic.pk])),
        ("preferences", reverse("notifications:preferences", args=[org.slug])),
    ]:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (name, width)
        page.screenshot(path=str(SCREENSHOTS / f"e3-{name}-375.png"), full_page=True)
    assert errors == []
