"""Found by trying the product from a fresh `scripts/run`: before any pair is matched, the
dashboard's "More figures" left "Check-ins per mentorship" and "Mentees per mentor" blank
(`floatformat` turned the dash for "no figure" into nothing); they read as a dash, as the other
figures without data do."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from organizations.models import Role
from tests.browser.conftest import PHONE
from tests.factories import CohortFactory, MembershipFactory, ParticipantFactory, ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# What the dashboard shows for a figure it has no data for (analytics/dashboard_share.html).
NO_FIGURE = "\u2013"


@pytest.fixture
def admin_before_matching(org):
    """Six people enrolled in a cohort, none matched yet."""
    cohort = CohortFactory(program=ProgramFactory(organization=org, name="Bridges"))
    for role in ("mentor", "mentor", "mentee", "mentee", "mentee", "mentee"):
        ParticipantFactory(cohort=cohort, role=role)
    return MembershipFactory(organization=org, role=Role.ADMIN).user


def test_figures_without_data_read_as_a_dash_before_any_match(
    new_page, sign_in, org, admin_before_matching
):
    page = new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, admin_before_matching)

    page.goto(reverse("analytics:dashboard", args=[org.slug]))

    more = page.get_by_test_id("health-more")
    expect(more).to_be_visible()
    figures = dict(
        zip(
            more.locator("dt").all_inner_texts(),
            more.locator("dd").all_inner_texts(),
            strict=True,
        )
    )
    assert figures["Check-ins per mentorship"] == NO_FIGURE
    assert figures["Mentees per mentor"] == NO_FIGURE
    assert figures["Hours mentored"] == "0.0"
    assert all(value.strip() for value in figures.values()), figures
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert errors == []
