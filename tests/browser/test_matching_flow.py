"""An admin matches a cohort in a real browser: rules with a live preview, a run on a real
Celery worker with a progress bar, review with htmx, publish; the mentee then sees the match."""

import re

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from matching.models import MatchRound, RoundStatus
from mentorships.models import Mentorship
from organizations.models import Role
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery_worker,
    pytest.mark.xdist_group("browser"),
]


@pytest.fixture
def cohort_to_match(db):
    membership = MembershipFactory(role=Role.ADMIN, user=UserFactory(email="admin@acme.test"))
    admin, organization = membership.user, membership.organization
    cohort = CohortFactory(program=ProgramFactory(organization=organization, name="Bridges"))
    mentee_user = UserFactory(email="ana@acme.test", full_name="Ana Mentee")
    MembershipFactory(organization=organization, user=mentee_user, role=Role.MEMBER)
    ParticipantFactory(
        cohort=cohort,
        role="mentee",
        user=mentee_user,
        email=mentee_user.email,
        full_name="Ana Mentee",
        skills_wanted=["SQL"],
        seniority=1,
    )
    ParticipantFactory(
        cohort=cohort, role="mentee", full_name="Ben Mentee", skills_wanted=["python"]
    )
    ParticipantFactory(
        cohort=cohort,
        role="mentee",
        full_name="Fin Mentee",
        languages=[{"code": "fi", "proficiency": "native"}],
    )
    ParticipantFactory(
        cohort=cohort,
        role="mentor",
        full_name="Mina Mentor",
        skills_offered=["SQL", "python"],
        seniority=4,
        mentor_capacity=3,
    )
    return organization, cohort, admin, mentee_user


def test_admin_matches_reviews_and_publishes_and_the_mentee_sees_it(
    page, new_page, sign_in, cohort_to_match, redis_worker
):
    organization, cohort, admin, mentee_user = cohort_to_match
    sign_in(page, admin)
    page.goto(reverse("matching:cohort_matching", args=[organization.slug, cohort.pk]))

    preview = page.get_by_test_id("rule-preview")
    expect(preview).to_contain_text("1 mentee would have no possible mentor")
    page.get_by_label("Require a shared working language").uncheck()
    expect(preview).to_contain_text("0 mentees would have no possible mentor")  # htmx preview
    page.get_by_label("Require a shared working language").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Matching settings saved.")).to_be_visible()

    page.get_by_role("button", name="Run matching").click()
    expect(page).to_have_url(re.compile(r"/rounds/\d+/$"))
    # The worker runs the round; the page polls the progress bar, then reloads with the result.
    expect(page.get_by_test_id("round-status")).to_have_text("Proposed", timeout=60_000)
    ana_row = page.locator("tr", has_text="Ana Mentee")
    expect(ana_row).to_contain_text("SQL")
    ana_row.locator("summary.mx-rowmenu__trigger").click()  # the row's menu
    ana_row.get_by_role("button", name="Approve").click()
    expect(page.locator("tr", has_text="Ana Mentee")).to_contain_text("Approved")
    # The unmatched mentee and the reason, on their own tab.
    page.get_by_role("link", name="Not matched").click()
    page.wait_for_url("**show=unmatched")  # htmx swapped the list and pushed the address
    expect(page.locator("tr", has_text="Fin Mentee")).to_contain_text("language")

    page.get_by_role("button", name="Approve all undecided").click()
    page.get_by_role("button", name="Mark reviewed").click()
    page.get_by_role("button", name="Publish and notify").click()
    # Publishing asks first (what it does, whom it emails).
    page.locator("#confirm-dialog").get_by_role("button", name="Publish and notify").click()
    expect(page.get_by_test_id("round-status")).to_have_text("Published")

    with scopes_disabled():
        assert MatchRound.objects.get(cohort=cohort).status == RoundStatus.PUBLISHED
        # One-to-one: a mentorship per approved pair (Ana and Ben both have Mina).
        assert Mentorship.objects.filter(cohort=cohort).count() == 2

    mentee_page = new_page()
    sign_in(mentee_page, mentee_user)
    mentee_page.goto(reverse("dashboard", args=[organization.slug]))
    expect(mentee_page.get_by_text("Your mentorships")).to_be_visible()
    expect(mentee_page.locator("main")).to_contain_text("Mina Mentor")
