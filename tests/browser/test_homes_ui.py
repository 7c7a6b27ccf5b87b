"""The homes, the catalog and the forms in Chromium: the program team's and a participant's home
fit 1280 and 375 px without sideways scrolling or console errors; the program and enrollment
forms show the fields (and notes) for the chosen type or role only, by keyboard; the catalog's
filters update the cards in place."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from mentorships.models import Mentorship, MentorshipMentee
from organizations.models import Role
from participants.models import Participant
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or "test-results")


@pytest.fixture
def world(org):
    """Two running programs, a mentorship between a member and a program manager, and an admin."""
    bridges = CohortFactory(
        program=ProgramFactory(
            organization=org,
            name="Bridges: cross-cultural mentoring for people across every office",
            participation_criteria="Everyone with six months in the company",
            time_commitment="Two hours a month",
        ),
        name="Spring intake with a long name",
    )
    CohortFactory(
        program=ProgramFactory(organization=org, name="Lead circles", program_type="group"),
        name="Spring",
    )
    member = MembershipFactory(
        organization=org, role=Role.MEMBER, user=UserFactory(full_name="Mina Park")
    ).user
    manager = MembershipFactory(
        organization=org,
        role=Role.PROGRAM_MANAGER,
        user=UserFactory(full_name="Maximiliana Konstantinopoulou-Vanderbilt"),
    ).user
    mentee = ParticipantFactory(
        cohort=bridges, user=member, email=member.email, full_name="Mina Park"
    )
    mentor = ParticipantFactory(
        cohort=bridges,
        user=manager,
        email=manager.email,
        role="mentor",
        full_name=manager.full_name,
        country="AR",
        time_zone="America/Argentina/Buenos_Aires",
    )
    ParticipantFactory.create_batch(6, cohort=bridges)
    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=org, cohort=bridges, mentor=mentor, started_on=dt.date(2027, 1, 13)
        )
        MentorshipMentee.objects.create(organization=org, mentorship=mentorship, mentee=mentee)
    admin = MembershipFactory(organization=org, role=Role.ADMIN, user=UserFactory()).user
    return {"member": member, "manager": manager, "admin": admin, "cohort": bridges}


def _check_page(page, url: str, name: str, width: int) -> None:
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, (name, width, scroll)
    assert errors == [], (name, errors)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
@pytest.mark.parametrize("who", ["admin", "manager", "member"])
def test_homes_fit_the_screen_without_console_errors(new_page, sign_in, world, org, who, viewport):
    page = new_page(viewport=viewport)
    sign_in(page, world[who])

    _check_page(page, reverse("dashboard", args=[org.slug]), f"home-{who}", viewport["width"])

    if who == "member":
        expect(page.get_by_role("heading", name="Your mentorships")).to_be_visible()
        expect(page.get_by_text(world["manager"].full_name).first).to_be_visible()
        expect(page.get_by_role("heading", name="Needs a decision")).to_have_count(0)
    else:
        expect(page.get_by_role("heading", name="Needs a decision")).to_be_visible()
        expect(page.get_by_role("progressbar").first).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_catalog_and_forms_fit_the_screen(new_page, sign_in, world, org, viewport):
    page = new_page(viewport=viewport)
    sign_in(page, world["admin"])
    program = world["cohort"].program
    pages = {
        "catalog": reverse("programs:catalog", args=[org.slug]),
        "program-form": reverse("programs:program_create", args=[org.slug]),
        "cohort-form": reverse("programs:cohort_create", args=[org.slug, program.pk]),
        "program": reverse("programs:program_detail", args=[org.slug, program.pk]),
        "cohort": reverse("programs:cohort_detail", args=[org.slug, world["cohort"].pk]),
        "enroll": reverse("participants:enroll", args=[org.slug, world["cohort"].pk]),
    }
    for name, url in pages.items():
        _check_page(page, url, name, viewport["width"])


def test_program_form_shows_the_note_for_the_chosen_type_by_keyboard(page, sign_in, world, org):
    sign_in(page, world["admin"])
    page.goto(reverse("programs:program_create", args=[org.slug]))
    group_note = page.locator('[data-show-when="program_type=group"]')
    pair_note = page.locator('[data-show-when="program_type=one_to_one"]')
    expect(pair_note).to_be_visible()
    expect(group_note).to_be_hidden()

    page.get_by_label("Type").focus()
    page.keyboard.press("ArrowDown")  # One-to-one -> Group

    expect(page.get_by_label("Type")).to_have_value("group")
    expect(group_note).to_be_visible()
    expect(pair_note).to_be_hidden()

    page.keyboard.press("ArrowUp")

    expect(group_note).to_be_hidden()
    expect(pair_note).to_be_visible()


def test_enrollment_form_follows_the_role_by_keyboard_and_a_hidden_field_never_blocks(
    page, sign_in, world, org
):
    board = CohortFactory(
        program=ProgramFactory(organization=org, name="Board", program_type="advisory_board")
    )
    newcomer = MembershipFactory(organization=org, role=Role.MEMBER, user=UserFactory()).user
    sign_in(page, newcomer)
    page.goto(reverse("participants:enroll", args=[org.slug, board.pk]))
    role = page.get_by_label("I join as")
    seats = page.get_by_label("Board seats I can fill")
    capacity = page.get_by_label("Mentees I can take on")
    wanted = page.get_by_label("Board members I would like")

    # Mentor first (the first choice): mentor fields only.
    expect(role).to_have_value("mentor")
    expect(seats).to_be_visible()
    expect(wanted).to_be_hidden()
    capacity.fill("99")  # out of range: would block if it were still sent

    role.focus()
    page.keyboard.press("ArrowDown")  # Mentor -> Mentee

    expect(role).to_have_value("mentee")
    expect(seats).to_be_hidden()
    expect(capacity).to_be_hidden()
    expect(capacity).to_be_disabled()
    expect(wanted).to_be_visible()

    page.get_by_label("Skills I want to grow").fill("negotiation")
    page.get_by_label("Languages").fill("English (native)")
    page.get_by_label("Working hours start").fill("09:00")
    page.get_by_label("Working hours end").fill("17:00")
    page.get_by_label("Country").select_option(label="Spain")
    page.get_by_label("Function / department").fill("Sales")
    page.get_by_role("button", name="Enroll").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You are enrolled")
    with scopes_disabled():
        participant = Participant.objects.get(cohort=board, user=newcomer)
    assert (participant.role, participant.mentor_capacity) == ("mentee", 1)


def test_catalog_filters_update_the_cards_in_place(page, sign_in, world, org):
    sign_in(page, world["member"])
    page.goto(reverse("programs:catalog", args=[org.slug]))
    page.evaluate("window.__sameDocument = true")
    cards = page.locator("#catalog-results .catalog-card")
    expect(cards).to_have_count(2)

    page.get_by_label("Type").select_option(label="Group")

    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Lead circles")
    expect(page).to_have_url(
        f"{reverse('programs:catalog', args=[org.slug])}?program_type=group&goal="
    )
    assert page.evaluate("window.__sameDocument") is True

    page.get_by_label("Type").select_option(label="Flash")

    expect(page.get_by_text("No open cohort matches these filters")).to_be_visible()
