"""The learned match-success status on a cohort's matching settings, in Chromium: before a
program has enough labelled pairs it says how many it needs; once trained it shows the pairs,
the held-out AUC and a weight to set; "Train now" works from the keyboard; the page fits a
375 px phone without console errors. The 1280 px screenshot goes to docs/screenshots/."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from matching.learned import LEARNED_THRESHOLD
from matching.models import LearnedMatchModel
from organizations.models import Role
from tests.browser.conftest import PHONE
from tests.factories import CohortFactory, MembershipFactory, ProgramFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def manager(org):
    # A fixed name: the screenshot in docs/screenshots/ stays the same from run to run.
    user = UserFactory(full_name="Megan Orr")
    return MembershipFactory(organization=org, role=Role.PROGRAM_MANAGER, user=user).user


@pytest.fixture
def cohort(org):
    return CohortFactory(program=ProgramFactory(organization=org, name="Bridges"))


@pytest.fixture
def trained(org, cohort):
    """A model the nightly run stored for the program: past the threshold, AUC 0.74."""
    return LearnedMatchModel.objects.create(
        organization=org,
        program=cohort.program,
        trained_at=timezone.now(),
        n_pairs=LEARNED_THRESHOLD + 40,
        positive_pairs=150,
        auc=0.74,
        brier=0.19,
        model=b"",
        feature_names=["skills", "languages"],
        deciles=[],
    )


def _open(new_page, sign_in, user, org, cohort, viewport=None):
    page = new_page(viewport) if viewport else new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, user)
    page.goto(reverse("matching:cohort_matching", args=[org.slug, cohort.pk]))
    return page, errors


def _fits(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_before_training_the_status_says_how_many_pairs_it_needs(
    new_page, sign_in, org, cohort, manager
):
    page, errors = _open(new_page, sign_in, manager, org, cohort)

    status = page.get_by_test_id("learned-status")
    expect(status).to_contain_text(
        f"offered as a weight once this program's past mentorships give {LEARNED_THRESHOLD} "
        "labelled pairs"
    )
    expect(page.get_by_label("Learned match success")).to_have_count(0)
    assert errors == []


def test_a_trained_model_shows_its_auc_and_weight_and_train_now_answers_by_keyboard(
    new_page, sign_in, org, cohort, manager, trained
):
    page, errors = _open(new_page, sign_in, manager, org, cohort)

    status = page.get_by_test_id("learned-status")
    expect(status).to_contain_text(f"trained on {LEARNED_THRESHOLD + 40} labelled pairs")
    expect(status).to_contain_text("held-out AUC 0.74")
    expect(page.get_by_label("Learned match success")).to_be_visible()
    # The weights and the status in view: the whole settings page is three screens tall.
    page.get_by_label("Learned match success").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 250)")
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SHOTS / "learned-matching-1280.png"))

    # The stored model's pairs are not in this world: pressing it (by keyboard) starts nothing
    # and the training page says what is missing.
    status.get_by_role("button", name="Train now").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Learned match success", level=1)).to_be_visible()
    expect(
        page.get_by_text("Not enough labelled pairs to train yet; nothing started.")
    ).to_be_visible()
    assert errors == []


def test_the_status_fits_a_phone(new_page, sign_in, org, cohort, manager, trained):
    page, errors = _open(new_page, sign_in, manager, org, cohort, PHONE)

    expect(page.get_by_test_id("learned-status")).to_be_visible()
    expect(page.get_by_test_id("learned-status").get_by_role("button")).to_be_visible()
    assert _fits(page)
    assert errors == []


def test_hr_analysts_read_the_status_without_the_train_button(new_page, sign_in, org, cohort):
    analyst = MembershipFactory(organization=org, role=Role.HR_ANALYST).user
    page, errors = _open(new_page, sign_in, analyst, org, cohort)

    expect(page.get_by_test_id("learned-status")).to_be_visible()
    expect(page.get_by_role("button", name="Train now")).to_have_count(0)
    assert errors == []
