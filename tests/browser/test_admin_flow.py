"""A new customer's first session in a real browser: sign up, confirm the email, set up a
program and a cohort, ask an extra question, enroll, and find themselves in the participant
list. Plus the small-screen and keyboard checks every page owes its users."""

import datetime as dt
import os
import re
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from organizations.models import Membership, Organization, Role
from participants.models import Participant
from programs.models import Cohort, CohortStatus, EnrollmentQuestion
from tests.browser.conftest import BROWSER_TIME_ZONE, PHONE
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CONFIRMATION_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")
PASSWORD = "a-long-unusual-passphrase"
# Set to a folder to keep full-page screenshots of the small-screen checks to look at.
SCREENSHOT_DIR = os.environ.get("BROWSER_SCREENSHOT_DIR")


def _sign_up(page, *, full_name: str, email: str, organization: str) -> None:
    page.goto(reverse("account_signup"))
    page.get_by_label("Your name").fill(full_name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Organization name").fill(organization)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password \(again\)")).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))


def _confirm_email(page, email: str) -> None:
    """Follows the link the verification email carries, as the person would."""
    sent = [message for message in mail.outbox if email in message.to]
    assert len(sent) == 1
    link = CONFIRMATION_LINK.search(sent[0].body)
    assert link, sent[0].body
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm").click()


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(zoneinfo.ZoneInfo(BROWSER_TIME_ZONE)).replace(second=0, microsecond=0)


def test_new_customer_sets_up_a_program_and_enrolls_themselves(page):
    _sign_up(page, full_name="Nadia Founder", email="nadia@newco.test", organization="NewCo")
    _confirm_email(page, "nadia@newco.test")

    # Confirming signs the person in and lands them in their new organization.
    expect(page).to_have_url(re.compile(r"/o/[\w-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("NewCo")
    slug = page.url.rstrip("/").rsplit("/", 1)[-1]
    organization = Organization.objects.get(slug=slug)
    with scopes_disabled():
        owner = Membership.objects.get(organization=organization)
    assert (owner.user.email, owner.role) == ("nadia@newco.test", Role.OWNER)

    # A program, through its form.
    page.get_by_role("button", name="New program").click()
    expect(page).to_have_url(reverse("programs:program_create", args=[slug]))
    page.get_by_label("Name").fill("Bridges")
    page.get_by_label("Type").select_option(label="One-to-one")
    page.get_by_label("Goal").select_option(label="Cross-functional")
    page.get_by_label("Description").fill("Engineers and sales people learn from each other.")
    page.get_by_role("button", name="Save program").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bridges")

    # A cohort enrolling now, through its form: date and datetime-local inputs, which the
    # person fills in their own (browser's) time zone.
    now = timezone.now()
    opens, closes = _local(now - dt.timedelta(days=1)), _local(now + dt.timedelta(days=14))
    page.get_by_role("button", name="New cohort").click()
    page.get_by_label("Name").fill("Spring")
    page.get_by_label("Starts on").fill(f"{now.date() + dt.timedelta(days=30):%Y-%m-%d}")
    page.get_by_label("Ends on").fill(f"{now.date() + dt.timedelta(days=200):%Y-%m-%d}")
    page.get_by_label("Enrollment opens").fill(f"{opens:%Y-%m-%dT%H:%M}")
    page.get_by_label("Enrollment closes").fill(f"{closes:%Y-%m-%dT%H:%M}")
    page.get_by_label("Mentor seats").fill("10")
    page.get_by_label("Mentee seats").fill("10")
    page.get_by_label("Status").select_option(label="Enrolling")
    page.get_by_role("button", name="Save cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring")
    with scopes_disabled():
        cohort = Cohort.objects.get(organization=organization, name="Spring")
    assert cohort.status == CohortStatus.ENROLLING
    assert cohort.enrollment_opens_at == opens
    assert cohort.enrollment_closes_at == closes
    assert cohort.is_enrollment_open

    # An extra question through the htmx form: the list updates in place, no page load.
    page.evaluate("window.__sameDocument = true")
    page.get_by_text("Add a question").click()
    questions = page.locator("#questions")
    questions.get_by_label("Question").fill("What would you like to talk about first?")
    questions.get_by_label("Kind").select_option(label="Short text")
    questions.get_by_role("button", name="Add question").click()
    expect(questions.get_by_role("listitem")).to_have_count(1)
    expect(questions.get_by_role("listitem")).to_contain_text(
        "What would you like to talk about first?"
    )
    assert page.evaluate("window.__sameDocument") is True
    with scopes_disabled():
        question = EnrollmentQuestion.objects.get(cohort=cohort)

    # Enroll as a participant through the standard profile, answering the new question.
    page.get_by_role("button", name="Enrollment form").click()
    expect(page).to_have_url(reverse("participants:enroll", args=[slug, cohort.pk]))
    page.get_by_label("I join as").select_option(label="Mentee")
    page.get_by_label("Skills I want to grow").fill("negotiation, public speaking")
    page.get_by_label("Goals").fill("Learn how sales teams close deals.")
    page.get_by_label("Languages").fill("English (native), German (fluent)")
    page.get_by_label("Time zone").select_option(value=BROWSER_TIME_ZONE)
    page.get_by_label("Working hours start").fill("09:00")
    page.get_by_label("Working hours end").fill("17:30")
    page.get_by_label("Country").select_option(label="Germany")
    page.get_by_label("Function / department").fill("Engineering")
    page.get_by_label("Seniority").select_option(label="Senior")
    page.get_by_label("What would you like to talk about first?").fill("Pricing")
    page.get_by_role("button", name="Enroll").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are enrolled")

    with scopes_disabled():
        participant = Participant.objects.get(cohort=cohort)
    assert participant.email == "nadia@newco.test"
    assert participant.answers == {question.answer_key: "Pricing"}

    # The admin's participant list shows them.
    page.goto(reverse("participants:participant_list", args=[slug, cohort.pk]))
    row = page.get_by_role("row").filter(has_text="nadia@newco.test")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Nadia Founder")
    expect(row).to_contain_text("Mentee")


@pytest.fixture
def busy_cohort(org):
    """A cohort with long names and many participants: what overflows a phone, if anything."""
    program = ProgramFactory(
        organization=org,
        name="Cross-functional leadership accelerator for first-time managers",
        description="A long description " * 20,
        participation_criteria="People managers in their first two years, any function.",
        time_commitment="Two hours a month",
    )
    cohort = CohortFactory(program=program, name="Autumn intake with a rather long name")
    ParticipantFactory.create_batch(12, cohort=cohort)
    ParticipantFactory(
        cohort=cohort,
        full_name="Maximiliana Konstantinopoulou-Vanderbilt",
        email="maximiliana.konstantinopoulou-vanderbilt@subsidiary.example.com",
        function="Research and development, platform infrastructure",
    )
    return cohort


@pytest.fixture
def admin(org):
    return MembershipFactory(organization=org, role=Role.ADMIN, user=UserFactory()).user


def _page_width(page) -> dict:
    return page.evaluate(
        "({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth})"
    )


def test_catalog_and_participant_list_do_not_overflow_a_375px_screen(
    new_page, sign_in, admin, busy_cohort
):
    page = new_page(viewport=PHONE)
    sign_in(page, admin)
    slug = busy_cohort.organization.slug
    urls = {
        "catalog": reverse("programs:catalog", args=[slug]),
        "participants": reverse("participants:participant_list", args=[slug, busy_cohort.pk]),
    }
    for name, url in urls.items():
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if SCREENSHOT_DIR:
            page.screenshot(path=f"{SCREENSHOT_DIR}/{name}-375.png", full_page=True)
        width = _page_width(page)
        assert width["scroll"] <= PHONE["width"], (name, width)


def test_tab_reaches_the_skip_link_first_and_it_moves_focus_to_main(page, sign_in, admin, cohort):
    sign_in(page, admin)
    page.goto(reverse("programs:catalog", args=[cohort.organization.slug]))

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
