"""Papercuts of the fresh demo (issue 8) in Chromium: the participant home's mentorship card
shows open goals and unread messages and leads to the thread; a program manager who mentors
finds "My mentorships" with its unread count; the dialog that cancels a check-in is dismissed
with "Go back", not a second "Cancel"."""

from __future__ import annotations

import datetime as dt
from datetime import UTC

import pytest
from django.urls import reverse
from django_scopes import scope
from playwright.sync_api import expect

from mentorships import services
from mentorships.models import CheckIn, CheckInStatus, GoalStatus
from organizations.models import Role
from tests.browser.conftest import DESKTOP, PHONE
from tests.mentorships.factories import GoalFactory, MessageFactory
from tests.mentorships.pages import tokyo_sao_paulo_pair

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]


def _overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_the_mentorship_card_counts_goals_and_unread_messages(new_page, sign_in, org, viewport):
    mentorship, mentor, mentee = tokyo_sao_paulo_pair(org)
    GoalFactory(mentorship=mentorship, status=GoalStatus.IN_PROGRESS)
    GoalFactory(mentorship=mentorship, status=GoalStatus.DONE)
    MessageFactory(mentorship=mentorship, author=mentor, body="Welcome aboard")
    page = new_page(viewport=viewport)
    sign_in(page, mentee.user)

    page.goto(reverse("dashboard", args=[org.slug]))

    card = page.locator(".mentorship-card")
    expect(card.get_by_test_id("open-goals")).to_have_text("1 open goal")
    expect(card.get_by_test_id("unread-messages")).to_have_text("1 unread message")
    assert _overflow(page) <= 0
    card.get_by_test_id("unread-messages").click()
    expect(page.get_by_test_id("thread")).to_contain_text("Welcome aboard")
    page.goto(reverse("dashboard", args=[org.slug]))
    expect(card.get_by_test_id("unread-messages")).to_have_text("No unread messages")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_a_program_manager_who_mentors_finds_my_mentorships_with_its_count(
    new_page, sign_in, org, viewport
):
    mentorship, mentor, mentee = tokyo_sao_paulo_pair(org)
    with scope(organization=org.pk):
        mentor.user.memberships.filter(organization=org).update(role=Role.PROGRAM_MANAGER)
    MessageFactory(mentorship=mentorship, author=mentee)
    MessageFactory(mentorship=mentorship, author=mentee)
    page = new_page(viewport=viewport)
    sign_in(page, mentor.user)

    page.goto(reverse("programs:program_list", args=[org.slug]))

    mine = page.locator('.ui-nav [data-nav="mentorships"]:visible')
    expect(mine).to_contain_text("My mentorships")
    expect(mine.locator(".ui-nav__count")).to_have_text("2 unread messages")
    expect(page.locator('.ui-nav [data-nav="programs"]:visible')).to_be_visible()
    assert _overflow(page) <= 0
    mine.click()
    expect(page.locator("#mentorships")).to_contain_text("Ana Souza")


def test_the_cancel_dialog_offers_go_back_beside_cancel_the_check_in(new_page, sign_in, org):
    mentorship, mentor, _mentee = tokyo_sao_paulo_pair(org)
    with scope(organization=org.pk):
        (booked,) = services.check_in_book(
            organization=org,
            mentorship=mentorship,
            actor=mentor.user,
            starts_at=dt.datetime(2031, 6, 2, 0, tzinfo=UTC),
            duration=dt.timedelta(minutes=45),
        )
    page = new_page()
    sign_in(page, mentor.user)
    page.goto(reverse("mentorships:check_ins", args=[org.slug, mentorship.pk]))

    page.get_by_test_id("upcoming").locator("summary", has_text="Cancel").click()
    page.get_by_test_id("upcoming").get_by_role("button", name="Cancel the check-in").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()

    expect(dialog.get_by_role("button")).to_have_text(["Go back", "Cancel the check-in"])
    dialog.get_by_role("button", name="Go back").click()
    expect(dialog).to_be_hidden()
    with scope(organization=org.pk):
        assert CheckIn.objects.get(pk=booked.pk).status == CheckInStatus.SCHEDULED
