"""The plan, the path and the notes in Chromium. A mentee proposes a goal, adds a milestone and
ticks it without a reload; her mentor then sees the goal, the tick and who made it, in words, and
marks the goal done. The path, goals and notes pages fit a 375 px phone without sideways
scrolling or console errors."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from mentorships.models import Goal, GoalStatus, Mentorship, Milestone
from mentorships.services import documents as document_services
from mentorships.services import goals as goal_services
from mentorships.services import path as path_services
from tests.browser.conftest import DESKTOP, PHONE
from tests.mentorships.pages import tokyo_sao_paulo_pair

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or "test-results")


def record_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org, windows=False)


def test_a_goal_added_and_ticked_by_one_side_is_seen_by_the_other_with_who_did_it(
    new_page, sign_in, org, pair
):
    mentorship, mentor, mentee = pair
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    goals_url = reverse("mentorships:goals", args=[org.slug, mentorship.pk])
    page = new_page(viewport=DESKTOP)
    errors = record_errors(page)
    sign_in(page, mentee.user)
    page.goto(goals_url)
    expect(page.get_by_text("No goals yet")).to_be_visible()

    form = page.get_by_test_id("propose-goal")
    form.get_by_label("Goal").fill("Run a workshop")
    form.get_by_label("What it means and how you will know").fill("For the sales team in May")
    form.get_by_role("button", name="Propose the goal").click()
    goals = page.get_by_test_id("goals")
    expect(goals.locator("li.plan-goal")).to_have_count(1)
    expect(goals).to_contain_text("Proposed by Ana Souza")

    # A marker that a reload would wipe: htmx swaps the region, the page stays.
    page.evaluate("window.__stayed = true")
    goals.locator("summary", has_text="Add a milestone").click()
    goals.get_by_label("Milestone").fill("Draft the agenda")
    goals.get_by_role("button", name="Add", exact=True).click()
    milestone = page.get_by_label("Draft the agenda")
    expect(milestone).to_be_visible()
    milestone.check()
    expect(page.get_by_test_id("goals")).to_contain_text("ticked by Ana Souza")
    expect(page.get_by_test_id("goal-history")).to_contain_text(
        "Ana Souza ticked 'Draft the agenda' of 'Run a workshop'"
    )
    assert page.evaluate("window.__stayed") is True
    page.screenshot(path=str(SCREENSHOTS / "mentorship-goals-1280.png"), full_page=True)
    with scope(organization=org.pk):
        assert Milestone.objects.get().done_by_id == mentee.pk

    # The mentor sees the goal, the tick and who made it, and marks the goal done.
    his = new_page(viewport=DESKTOP)
    his_errors = record_errors(his)
    sign_in(his, mentor.user)
    his.goto(goals_url)
    his_goals = his.get_by_test_id("goals")
    expect(his_goals).to_contain_text("Run a workshop")
    expect(his_goals).to_contain_text("ticked by Ana Souza")
    expect(his.get_by_label("Draft the agenda")).to_be_checked()
    history = his.get_by_test_id("goal-history")
    expect(history).to_contain_text("Ana Souza proposed 'Run a workshop'")
    his_goals.get_by_role("button", name="Mark done").click()
    expect(his.get_by_test_id("goal-history").locator("li").first).to_have_text(
        "Kenji Watanabe marked 'Run a workshop' done 0\u00a0minutes ago"
    )
    with scope(organization=org.pk):
        assert Goal.objects.get().status == GoalStatus.DONE
    assert errors == [] and his_errors == []


def _furnish(org, mentorship, mentor, mentee):
    """A path with an open and a locked stage, a goal with milestones, a document and a
    reflection: the pages as a pair a few weeks in sees them."""
    program = mentorship.cohort.program
    with scope(organization=org.pk):
        Mentorship.objects.filter(pk=mentorship.pk).update(
            started_on=timezone.localdate() - dt.timedelta(days=20)
        )
        path_services.path_copy_starter(organization=org, program=program, starter="cross_cultural")
        goal = goal_services.goal_propose(
            organization=org,
            mentorship=mentorship,
            actor=mentee.user,
            title="Present to the regional leadership team with confidence and without notes",
            description="A long description " * 10,
            target_date=timezone.localdate() + dt.timedelta(days=40),
        )
        for title in ("Outline", "Rehearse with Kenji", "Give the talk"):
            goal_services.milestone_add(organization=org, goal=goal, actor=mentee.user, title=title)
        document_services.document_save(
            organization=org,
            mentorship=mentorship,
            actor=mentor.user,
            body="## Agreements\n\n- Every two weeks\n- https://meet.example.com/a-very-long-link-that-could-push-the-page-wide-on-a-phone",
            base_version=0,
        )
        document_services.reflection_write(
            organization=org, mentorship=mentorship, actor=mentee.user, body="Felt heard today."
        )


def test_the_plan_path_and_notes_fit_a_phone(new_page, sign_in, org, pair):
    mentorship, mentor, mentee = pair
    _furnish(org, mentorship, mentor, mentee)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(viewport=PHONE)
    errors = record_errors(page)
    sign_in(page, mentee.user)
    pages = {
        "mentorship-path": reverse("mentorships:path", args=[org.slug, mentorship.pk]),
        "mentorship-goals": reverse("mentorships:goals", args=[org.slug, mentorship.pk]),
        "mentorship-notes": reverse("mentorships:notes", args=[org.slug, mentorship.pk]),
    }
    too_wide = {}
    for name, url in pages.items():
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = width
        page.screenshot(path=str(SCREENSHOTS / f"{name}-375.png"), full_page=True)
    assert too_wide == {}

    # On the path, an item of the open stage is ticked in place; a locked stage says when.
    page.goto(pages["mentorship-path"])
    stages = page.get_by_test_id("path-stages")
    expect(stages.locator(".path-stage--locked").first).to_contain_text("Opens ")
    stages.locator("input[type=checkbox]").first.check()
    expect(page.get_by_test_id("path-summary").get_by_role("progressbar")).not_to_have_attribute(
        "aria-valuenow", "0"
    )
    assert errors == []


def test_the_path_editor_fits_a_phone(new_page, sign_in, org, pair):
    from organizations.models import Role
    from tests.mentorships.pages import member_of

    mentorship, _mentor, _mentee = pair
    program = mentorship.cohort.program
    with scope(organization=org.pk):
        path_services.path_copy_starter(organization=org, program=program, starter="onboarding")
    manager = member_of(org, "pm@acme.test", role=Role.PROGRAM_MANAGER, full_name="Pat Manager")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for viewport, suffix in ((DESKTOP, "1280"), (PHONE, "375")):
        page = new_page(viewport=viewport)
        errors = record_errors(page)
        sign_in(page, manager)
        page.goto(reverse("mentorships:path_edit", args=[org.slug, program.pk]))
        page.locator("summary", has_text="Edit the stage").first.click()
        page.screenshot(path=str(SCREENSHOTS / f"path-edit-{suffix}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert errors == []
