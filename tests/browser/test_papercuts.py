"""What a new user tripped on (issue 6 §4), checked in Chromium."""

import datetime as dt
import os

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from matching import services as matching_services
from matching.models import MatchProposal
from mentorships.models import Mentorship, MentorshipMentee
from participants.models import Participant
from tests.browser.conftest import BROWSER_TIME_ZONE, PHONE
from tests.factories import EnrollmentQuestionFactory, ParticipantFactory
from tests.test_papercuts import _proposals, proposed_round

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOT_DIR = os.environ.get("BROWSER_SCREENSHOT_DIR")


def _shot(page, name: str) -> None:
    if SCREENSHOT_DIR:
        page.screenshot(path=f"{SCREENSHOT_DIR}/{name}.png", full_page=True)


def _fill_enrollment(page) -> None:
    page.select_option("#id_role", "mentee")
    page.fill("#id_languages", "English (native)")
    page.fill("#id_working_hours_start", "09:00")
    page.fill("#id_working_hours_end", "17:00")
    page.select_option("#id_country", "ES")
    page.fill("#id_function", "Finance")


def test_enrollment_left_on_follow_my_browser_takes_the_browsers_zone(
    page, sign_in, org, member, cohort
):
    sign_in(page, member)
    page.goto(reverse("participants:enroll", args=[org.slug, cohort.pk]))
    # The zone cookie is written by meridian.js on the first page; the form is sent after it.
    assert page.input_value("#id_time_zone") == ""
    _fill_enrollment(page)

    page.get_by_role("button", name="Enroll").click()

    page.get_by_role("heading", name="You are enrolled").wait_for()
    with scopes_disabled():
        assert Participant.objects.get(cohort=cohort).time_zone == BROWSER_TIME_ZONE


def test_required_enrollment_questions_are_marked_before_submitting(
    new_page, sign_in, org, member, cohort
):
    everyone = EnrollmentQuestionFactory(
        cohort=cohort, label="Meeting format", required=True, kind="short_text", choices=[]
    )
    for_mentees = EnrollmentQuestionFactory(
        cohort=cohort,
        label="What to grow",
        required=True,
        audience="mentees",
        kind="short_text",
        choices=[],
    )
    optional = EnrollmentQuestionFactory(
        cohort=cohort, label="Anything else", kind="short_text", choices=[]
    )
    for viewport, suffix in ((None, "1280"), (PHONE, "375")):
        page = new_page(viewport=viewport) if viewport else new_page()
        sign_in(page, member)
        page.goto(reverse("participants:enroll", args=[org.slug, cohort.pk]))
        _shot(page, f"enroll-required-{suffix}")

    def field(question):
        return page.locator(f"#id_{question.answer_key}")

    def marked(question):
        label = page.locator(f"label[for=id_{question.answer_key}]")
        return label.locator(".required-mark").count() == 1

    assert field(everyone).get_attribute("required") is not None
    assert marked(everyone)
    assert field(optional).get_attribute("required") is None
    assert not marked(optional)
    assert page.locator("label[for=id_function] .required-mark").count() == 1
    assert page.locator("#id_function").get_attribute("required") is not None
    # Asked of mentees only: marked, and required while the chosen role is mentee.
    assert marked(for_mentees)
    page.select_option("#id_role", "mentor")
    assert field(for_mentees).evaluate("el => el.required") is False
    page.select_option("#id_role", "mentee")
    assert field(for_mentees).evaluate("el => el.required") is True


def _round_page(page, sign_in, org, program_manager, match_round):
    sign_in(page, program_manager)
    page.goto(reverse("matching:round_detail", args=[org.slug, match_round.pk]))


def test_swap_offers_the_other_mentors_and_swaps(
    new_page, sign_in, org, program_manager, cohort, django_capture_on_commit_callbacks
):
    match_round = proposed_round(org, cohort, django_capture_on_commit_callbacks)
    first, second = _proposals(match_round)
    page = new_page()
    _round_page(page, sign_in, org, program_manager, match_round)
    row = page.locator(f"#proposal-{first.pk}")

    row.locator("summary.mx-rowmenu__trigger").click()
    row.get_by_text("Swap mentor…").click()
    search = row.get_by_label(f"New mentor for {first.mentee.full_name}")
    # A search narrows the other pairs' mentors; the choice is a radio button.
    search.fill(second.mentor.full_name)
    page.wait_for_load_state("networkidle")  # the search answers the narrowed list
    choice = row.get_by_label(f"{second.mentor.full_name} (now with {second.mentee.full_name})")
    choice.check()
    _shot(page, "round-swap-open-1280")
    row.get_by_role("button", name="Swap", exact=True).click()

    page.get_by_text("Mentors swapped").wait_for()
    with scopes_disabled():
        assert MatchProposal.objects.filter(
            match_round=match_round, mentee=first.mentee, mentor=second.mentor
        ).exists()


def test_decided_counter_follows_in_page_decisions(
    new_page, sign_in, org, program_manager, cohort, django_capture_on_commit_callbacks
):
    match_round = proposed_round(org, cohort, django_capture_on_commit_callbacks)
    first, second = _proposals(match_round)
    page = new_page()
    _round_page(page, sign_in, org, program_manager, match_round)

    def count(name):
        return page.get_by_test_id(f"count-{name}").inner_text().strip()

    assert (count("approved"), count("rejected"), count("undecided")) == ("0", "0", "2")

    def decide(proposal, button):
        row = page.locator(f"#proposal-{proposal.pk}")
        row.locator("summary.mx-rowmenu__trigger").click()
        row.get_by_role("button", name=button).click()

    decide(first, "Approve")
    # Predicates are functions: Playwright evals a bare expression in the page, which the
    # Content-Security-Policy (script-src 'self', no 'unsafe-eval') refuses.
    page.wait_for_function(
        "() => document.querySelector('[data-testid=count-approved]').innerText.trim() === '1'"
    )
    decide(second, "Reject")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=count-rejected]').innerText.trim() === '1'"
    )

    assert (count("approved"), count("rejected"), count("undecided")) == ("1", "1", "0")
    _shot(page, "round-decided-1280")


@pytest.mark.parametrize("language", ["en", "es"])
def test_admin_nav_is_one_row_and_participants_table_fits_at_1280(
    page, sign_in, org, owner, cohort, language
):
    owner.language = language
    owner.save(update_fields=["language"])
    ParticipantFactory(
        cohort=cohort,
        full_name="Maximiliana Fernández-Castellanos de la Vega",
        email="maximiliana.fernandez-castellanos@subsidiary.example.com",
        function="Research and Development Operations",
        country="BA",
        seniority=5,
    )
    ParticipantFactory(cohort=cohort, role="both", country="CD")
    sign_in(page, owner)
    page.goto(reverse("participants:participant_list", args=[org.slug, cohort.pk]))
    _shot(page, f"participants-{language}-1280")

    box = page.evaluate(
        """() => { const t = document.querySelector('#participant-table table');
        const s = t.closest('.ui-table-wrap');
        return {table: t.getBoundingClientRect().right, box: s.getBoundingClientRect().right,
                scroll: s.scrollWidth, client: s.clientWidth}; }"""
    )
    assert box["scroll"] <= box["client"] and box["table"] <= box["box"] + 0.5, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # The sidebar never wraps: every item's label is one line, whole (not cut by an ellipsis).
    labels = page.evaluate(
        "[...document.querySelectorAll('.ui-sidebar .ui-nav__label')].map(l => {"
        " const s = getComputedStyle(l); return {text: l.textContent,"
        " lines: l.getBoundingClientRect().height / parseFloat(s.lineHeight),"
        " cut: l.scrollWidth > l.clientWidth}; })"
    )
    assert len(labels) >= 5, labels
    assert all(label["lines"] < 1.5 and not label["cut"] for label in labels), labels
    withdraw = page.get_by_role(
        "button", name="Withdraw" if language == "en" else "Dar de baja"
    ).first
    assert withdraw.is_visible()


def _status(participant) -> str:
    with scopes_disabled():
        participant.refresh_from_db()
    return participant.status


def test_withdraw_asks_first_and_can_be_cancelled_confirmed_or_done_by_keyboard(
    new_page, sign_in, org, org_admin, cohort
):
    ana = ParticipantFactory(cohort=cohort, full_name="Ana Ruiz")
    ben = ParticipantFactory(cohort=cohort, full_name="Ben Okafor")
    page = new_page()
    sign_in(page, org_admin)
    page.goto(reverse("participants:participant_list", args=[org.slug, cohort.pk]))
    dialog = page.locator("#confirm-dialog")

    def withdraw_button(name):
        row = page.locator("tr", has_text=name)
        return row.get_by_role("button", name="Withdraw")

    withdraw_button("Ana Ruiz").click()
    dialog.wait_for(state="visible")
    assert "Withdraw Ana Ruiz?" in dialog.inner_text()
    _shot(page, "withdraw-confirm-1280")
    dialog.get_by_role("button", name="Go back").click()
    dialog.wait_for(state="hidden")
    assert _status(ana) == "active"

    withdraw_button("Ana Ruiz").click()
    dialog.get_by_role("button", name="Withdraw").click()
    page.get_by_text("Ana Ruiz was withdrawn.").wait_for()
    assert _status(ana) == "withdrawn"

    # Keyboard only: Enter on the focused button opens the dialog, Escape cancels, and Enter
    # on the dialog's focused button confirms.
    withdraw_button("Ben Okafor").focus()
    page.keyboard.press("Enter")
    dialog.wait_for(state="visible")
    assert page.evaluate("document.activeElement.closest('#confirm-dialog') !== null")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert _status(ben) == "active"
    # Focus goes back to the button that asked (the dialog's close event runs after it hides).
    page.wait_for_function("() => document.activeElement.textContent.trim() === 'Withdraw'")
    page.keyboard.press("Enter")
    dialog.wait_for(state="visible")
    page.keyboard.press("Enter")
    page.get_by_text("Ben Okafor was withdrawn.").wait_for()
    assert _status(ben) == "withdrawn"

    page.locator("tr", has_text="Ana Ruiz").get_by_role("button", name="Reinstate").click()
    page.get_by_text("Ana Ruiz is active again.").wait_for()
    assert _status(ana) == "active"


def test_publish_says_how_many_people_it_emails(
    new_page, sign_in, org, program_manager, cohort, django_capture_on_commit_callbacks
):
    match_round = proposed_round(org, cohort, django_capture_on_commit_callbacks)
    with scope(organization=org.pk):
        matching_services.proposal_approve_all(
            organization=org, match_round=match_round, actor=None
        )
        matching_services.round_mark_reviewed(organization=org, match_round=match_round, actor=None)
    page = new_page(viewport=PHONE)
    _round_page(page, sign_in, org, program_manager, match_round)

    page.get_by_role("button", name="Publish and notify").click()

    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    assert "emails 4 people" in dialog.inner_text()
    _shot(page, "publish-confirm-375")
    dialog.get_by_role("button", name="Go back").click()
    with scopes_disabled():
        match_round.refresh_from_db()
    assert match_round.status == "reviewed"


def test_error_pages_wear_the_apps_look(new_page, sign_in, org, member):
    for viewport, suffix in ((None, "1280"), (PHONE, "375")):
        page = new_page(viewport=viewport) if viewport else new_page()
        sign_in(page, member)
        response = page.goto(reverse("organizations:api_key_list", args=[org.slug]))
        assert response.status == 403
        _shot(page, f"error-403-{suffix}")
        response = page.goto("/o/acme/no-such-page/")
        assert response.status == 404
        _shot(page, f"error-404-{suffix}")
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Times" not in font and "system-ui" in font
        assert page.get_by_role("button", name="Go to your home page").is_visible()


def test_mentee_dashboard_shows_their_mentor_not_themself(new_page, sign_in, org, member, cohort):
    member.full_name = "Mina Mentee"
    member.save(update_fields=["full_name"])
    mentee = ParticipantFactory(
        cohort=cohort, user=member, email=member.email, full_name="Mina Mentee", country="ES"
    )
    mentor = ParticipantFactory(
        cohort=cohort, role="mentor", full_name="Olga Mentor", country="PT", email="olga@acme.test"
    )
    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=org, cohort=cohort, mentor=mentor, started_on=dt.date(2027, 1, 13)
        )
        MentorshipMentee.objects.create(organization=org, mentorship=mentorship, mentee=mentee)
    for viewport, suffix in ((None, "1280"), (PHONE, "375")):
        page = new_page(viewport=viewport) if viewport else new_page()
        sign_in(page, member)
        page.goto(reverse("dashboard", args=[org.slug]))
        _shot(page, f"dashboard-mentee-{suffix}")

    card = page.locator(".mentorship-card")
    text = card.inner_text()
    assert "Olga Mentor" in text and "Mentor" in text
    assert card.locator('abbr[title="Portugal"]').inner_text() == "PT"
    assert "Mina Mentee" not in text
    # Writing opens the pair's thread in the product, not the mail program.
    assert card.get_by_role("link", name="Write to Olga").get_attribute("href") == reverse(
        "mentorships:messages", args=[org.slug, mentorship.pk]
    )


def test_account_forms_mark_required_fields(new_page):
    for viewport, suffix in ((None, "1280"), (PHONE, "375")):
        page = new_page(viewport=viewport) if viewport else new_page()
        page.goto(reverse("account_signup"))
        _shot(page, f"signup-{suffix}")
        assert page.locator("label[for=id_email] .required-mark").count() == 1
        assert page.locator("#id_email").get_attribute("required") is not None
        page.goto(reverse("account_login"))
        _shot(page, f"login-{suffix}")
        assert page.locator("label[for=id_password] .required-mark").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_people_page_invite_form_keeps_its_row_layout(new_page, sign_in, org, owner):
    for viewport, suffix in ((None, "1280"), (PHONE, "375")):
        page = new_page(viewport=viewport) if viewport else new_page()
        sign_in(page, owner)
        page.goto(reverse("organizations:member_list", args=[org.slug]))
        _shot(page, f"people-{suffix}")
        # The "Fields marked * are required" note sits above the invite grid, not in a column.
        assert page.locator(".grid .required-note").count() == 0
        assert page.locator(".required-note").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
