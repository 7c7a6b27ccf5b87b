"""A mentee ranks mentors on a phone, by keyboard, from the dashboard link."""

import os

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from matching.models import StatedPreference
from organizations.models import Role
from tests.browser.conftest import PHONE
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def stable_cohort(db):
    membership = MembershipFactory(role=Role.MEMBER, user=UserFactory(email="ana@acme.test"))
    ana, organization = membership.user, membership.organization
    cohort = CohortFactory(
        program=ProgramFactory(organization=organization, name="Bridges"),
        matching_settings={"objective": "stable"},
    )
    ParticipantFactory(
        cohort=cohort, role="mentee", user=ana, email=ana.email, full_name="Ana Mentee"
    )
    for name, skills in (("Mina Mentor", ["SQL"]), ("Omar Mentor", ["hiring"])):
        ParticipantFactory(cohort=cohort, role="mentor", full_name=name, skills_offered=skills)
    return organization, cohort, ana


def test_a_mentee_ranks_mentors_on_a_phone_by_keyboard(new_page, sign_in, stable_cohort):
    organization, _cohort, ana = stable_cohort
    page = new_page(viewport=PHONE)
    sign_in(page, ana)
    page.goto(reverse("dashboard", args=[organization.slug]))

    page.get_by_role("link", name="Rank your matches").click()
    expect(page.get_by_role("heading", name="Mentors I would like")).to_be_visible()
    expect(page.get_by_test_id("how-rankings-count")).to_contain_text("stable")

    first_choice = page.get_by_label("Choice 1")
    first_choice.focus()
    first_choice.select_option(label="Omar Mentor")
    page.keyboard.press("Tab")  # to "Choice 2"
    expect(page.get_by_label("Choice 2")).to_be_focused()
    page.get_by_label("Choice 2").select_option(label="Mina Mentor")
    page.get_by_role("button", name="Save my ranking").press("Enter")

    expect(page.get_by_text("Your ranking is saved.")).to_be_visible()
    expect(page.get_by_text("Your ranking: 1. Omar Mentor; 2. Mina Mentor")).to_be_visible()
    if os.environ.get("BROWSER_SCREENSHOT_DIR"):
        page.screenshot(
            path=f"{os.environ['BROWSER_SCREENSHOT_DIR']}/preferences-375.png", full_page=True
        )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    with scopes_disabled():
        ranked = StatedPreference.objects.filter(participant__user=ana).order_by("rank")
        assert [p.preferred.full_name for p in ranked] == ["Omar Mentor", "Mina Mentor"]
