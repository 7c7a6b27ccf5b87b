"""The dashboard's progress state in Chromium: a large organization's first view of a filter
shows "Counting your figures…" (a polite status) while a worker counts, and the panel polls
itself until the figures are kept, then draws its charts without a reload or console errors.

The refresh task the view sends is recorded and run by the test, standing for the worker, once
the progress state is on screen; `BACKGROUND_FROM_PARTICIPANTS` is 0 so that the test's few
people stand for a large organization (tests/analytics/test_freshness.py)."""

# `new_page` and `sign_in` are imported from tests/browser/conftest.py, so the tests' parameters
# of the same name shadow them.
# ruff: noqa: F811

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from analytics import reports
from analytics.tasks import refresh_figures_task
from organizations.models import Role
from tests.analytics.factories import build_metrics_world
from tests.browser.conftest import (  # noqa: F401
    DESKTOP,
    launched_chromium,
    new_page,
    sign_in,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

MARCH = "period=custom&start=2025-03-01&end=2025-03-31"


@pytest.fixture(scope="module")
def browser():
    """This module's own Chromium, closed when the module ends."""
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def sent(monkeypatch):
    sent: list[tuple] = []

    def record(task, args, *, what):
        sent.append(args)
        return True

    monkeypatch.setattr(reports, "task_send_once", record)
    monkeypatch.setattr(reports, "BACKGROUND_FROM_PARTICIPANTS", 0)
    return sent


def test_the_progress_state_turns_into_the_charts_once_counted(new_page, sign_in, org, sent):
    build_metrics_world(org)
    admin = MembershipFactory(organization=org, role=Role.ADMIN, user=UserFactory()).user
    page = new_page(viewport=DESKTOP)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, admin)

    page.goto(f"{reverse('analytics:dashboard', args=[org.slug])}?{MARCH}")

    progress = page.get_by_role("status").filter(has_text="Counting your figures…")
    expect(progress).to_be_visible()
    panel = page.locator("#program-health")
    expect(panel.locator("canvas")).to_have_count(0)
    assert len(sent) == 1

    # The worker counts; the panel's next poll (every 2 s) swaps in the figures.
    refresh_figures_task(*sent.pop())

    expect(panel.locator("canvas")).to_have_count(3)
    expect(progress).to_have_count(0)
    expect(page.get_by_test_id("health-period")).to_contain_text("March 1, 2025")
    expect(page.get_by_test_id("health-counted-at")).not_to_contain_text("updating")
    expect(page.get_by_test_id("health-poll")).to_have_count(0)
    assert sent == []  # the polls sent nothing more
    assert errors == []
