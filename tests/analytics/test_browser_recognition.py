"""Recognition in Chromium: the program team's page draws its chart of hours with a table view
that opens by keyboard, a mentor is thanked through the confirmation by keyboard, the mentor
reads the thanks on their own page and opens a certificate that prints on one page; each page
fits a 375 px phone without console errors. Screenshots go to docs/screenshots/."""

# `new_page` and `sign_in` are imported from tests/browser/conftest.py, so the tests' parameters
# of the same name shadow them.
# ruff: noqa: F811

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from analytics.models import ThankYou
from organizations.models import Role
from tests.analytics.test_recognition import _meeting, _rate
from tests.browser.conftest import (  # noqa: F401
    DESKTOP,
    PHONE,
    launched_chromium,
    new_page,
    sign_in,
)
from tests.factories import MembershipFactory, ParticipantFactory, UserFactory
from tests.mentorships.factories import MentorshipFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    """This module's own Chromium, closed when the module ends: the package's shared one in
    tests/browser/ would be session-wide here, and a Playwright still open would refuse to start
    the one tests/browser/ starts in the same process."""
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def ada(org, cohort, member):
    """Ada (the `member` user) mentors two mentees through three held check-ins (3 hours) that
    they rated 5, 4 and 3; Bo mentors one mentee and has held nothing yet."""
    ada = ParticipantFactory(cohort=cohort, role="mentor", full_name="Ada Lovelace", user=member)
    bo = ParticipantFactory(cohort=cohort, role="mentor", full_name="Bo Zhang")
    mentee_1, mentee_2, mentee_3 = (ParticipantFactory(cohort=cohort) for _ in range(3))
    first = MentorshipFactory(cohort=cohort, mentor=ada, mentees=[mentee_1])
    second = MentorshipFactory(cohort=cohort, mentor=ada, mentees=[mentee_2])
    MentorshipFactory(cohort=cohort, mentor=bo, mentees=[mentee_3])
    _rate(_meeting(first, days_ago=10, minutes=60), mentee_1, 5)
    _rate(_meeting(first, days_ago=5, minutes=90), mentee_1, 4)
    _rate(_meeting(second, days_ago=3, minutes=30), mentee_2, 3)
    return ada


@pytest.fixture
def manager(org):
    # A fixed name: the screenshot in docs/screenshots/ stays the same from run to run.
    user = UserFactory(full_name="Megan Orr")
    return MembershipFactory(organization=org, role=Role.PROGRAM_MANAGER, user=user).user


def _open(new_page, sign_in, user, url, viewport=DESKTOP):
    page = new_page(viewport=viewport)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, user)
    page.goto(url)
    return page, errors


def _fits(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def _shot(page, name: str) -> None:
    """The whole page in one viewport, so that the phone's fixed bottom bar sits at the end of
    the picture instead of across the middle of a full-page capture."""
    size = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": height})
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SHOTS / name))
    page.set_viewport_size(size)


def _figures(figures) -> dict[str, str]:
    return dict(
        zip(
            figures.locator("dt").all_inner_texts(),
            figures.locator("dd").all_inner_texts(),
            strict=True,
        )
    )


def _drawn(canvas) -> bool:
    return canvas.evaluate(
        "c => c.width > 0 && c.height > 0 && "
        "c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v !== 0)"
    )


def test_the_team_page_draws_hours_and_its_table_opens_by_keyboard(
    new_page, sign_in, org, ada, manager
):
    page, errors = _open(
        new_page, sign_in, manager, reverse("analytics:recognition", args=[org.slug])
    )

    canvas = page.locator("#recognition-hours canvas")
    expect(canvas).to_be_visible()
    assert _drawn(canvas)
    drawn = page.evaluate(
        "JSON.parse(document.getElementById('recognition-hours-data').textContent)"
    )
    assert drawn["labels"] == ["Ada Lovelace", "Bo Zhang"]
    assert drawn["series"][0]["data"] == [3.0, 0]
    figure = page.locator("#recognition-hours")
    chart_table = figure.locator("table")
    expect(chart_table).to_be_hidden()
    figure.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(chart_table).to_be_visible()
    expect(chart_table).to_contain_text("Ada Lovelace")

    table = page.get_by_test_id("recognition-table")
    ada_row = table.locator("tbody tr", has_text="Ada Lovelace")
    expect(ada_row).to_contain_text("3.0")
    expect(ada_row).to_contain_text("4.0/5")
    _shot(page, "recognition-1280.png")
    assert errors == []


def test_the_team_page_fits_a_phone(new_page, sign_in, org, ada, manager):
    page, errors = _open(
        new_page, sign_in, manager, reverse("analytics:recognition", args=[org.slug]), PHONE
    )

    expect(page.locator("canvas").first).to_be_visible()
    assert _drawn(page.locator("canvas").first)
    assert _fits(page)
    _shot(page, "recognition-375.png")
    assert errors == []


def test_a_manager_thanks_a_mentor_by_keyboard_and_the_mentor_reads_it(
    new_page, sign_in, org, ada, manager, member
):
    page, errors = _open(
        new_page, sign_in, manager, reverse("analytics:recognition_thank", args=[org.slug, ada.pk])
    )
    # Labelled figures: a sentence read "1 check-ins with 1 mentee(s)" for a new mentor.
    assert _figures(page.get_by_test_id("thank-figures")) == {
        "Hours mentored": "3.0",
        "Check-ins held": "3",
        "Mentees": "2",
    }
    page.get_by_label("Your message").fill("Your mentees grew with you this spring.")
    page.get_by_role("button", name="Send thank-you").focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    assert "Ada Lovelace will see your message" in dialog.inner_text()
    page.keyboard.press("Enter")
    page.get_by_role("status").get_by_text("Your thanks went to Ada Lovelace.").wait_for()
    assert ThankYou.objects.for_org(org).get().message == "Your mentees grew with you this spring."
    assert errors == []

    mine, mine_errors = _open(
        new_page, sign_in, member, reverse("analytics:recognition_me", args=[org.slug]), PHONE
    )
    thanks = mine.get_by_test_id("my-thank-yous")
    expect(thanks).to_contain_text("Your mentees grew with you this spring.")
    # From the sender by name (the template asked for a get_full_name the User has not).
    expect(thanks).to_contain_text(manager.full_name)
    expect(thanks).not_to_contain_text(manager.email)
    assert _figures(mine.get_by_test_id("my-figures")) == {
        "Hours mentored": "3.0",
        "Check-ins held": "3",
        "Mentees": "2",
        "Mentees' rating": "4.0/5",
    }
    assert _fits(mine)
    assert mine_errors == []


def test_the_mentor_opens_a_certificate_that_fits_one_page_and_a_phone(
    new_page, sign_in, org, ada, member
):
    page, errors = _open(
        new_page, sign_in, member, reverse("analytics:recognition_me", args=[org.slug])
    )
    page.get_by_role("link", name="Your certificate").focus()
    page.keyboard.press("Enter")
    certificate = page.get_by_test_id("certificate")
    expect(certificate).to_contain_text("Ada Lovelace")
    expect(certificate).to_contain_text("Hours mentored")
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_visible()
    # What "Save as PDF" makes: one A4 landscape page, without the buttons.
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_hidden()
    assert errors == []

    phone, phone_errors = _open(
        new_page,
        sign_in,
        member,
        reverse("analytics:recognition_certificate", args=[org.slug, ada.pk]),
        PHONE,
    )
    expect(phone.get_by_test_id("certificate")).to_contain_text("Ada Lovelace")
    assert _fits(phone)
    assert phone_errors == []
