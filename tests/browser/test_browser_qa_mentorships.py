"""Found by trying the product from a fresh `scripts/run`, on the check-in booking page: the
home's "Book your first check-in" still leads a paused pair there, and the page offered the
whole form only for the booking to be refused ("no longer active") once filled in; it now says
the mentorship is paused and leads to its home, where it can be resumed. And its lengths read
"45 minutes" to a Spanish speaker."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from mentorships.models import CheckIn, MentorshipStatus
from tests.browser.conftest import PHONE
from tests.mentorships.pages import tokyo_sao_paulo_pair

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def paused_pair(org):
    mentorship, _mentor, mentee = tokyo_sao_paulo_pair(org)
    mentorship.status = MentorshipStatus.PAUSED
    mentorship.save(update_fields=["status"])
    return mentorship, mentee


def test_a_paused_pair_is_told_before_filling_in_the_booking_form(
    new_page, sign_in, org, paused_pair
):
    mentorship, mentee = paused_pair
    page = new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, mentee.user)

    page.goto(reverse("mentorships:book", args=[org.slug, mentorship.pk]))

    notice = page.get_by_test_id("booking-closed")
    expect(notice).to_contain_text("Paused")
    expect(notice).to_contain_text("nothing new can be booked until someone resumes it")
    expect(page.get_by_role("button", name="Book and send invitations")).to_have_count(0)
    notice.get_by_role("button", name="Open the mentorship").click()
    expect(page).to_have_url(reverse("mentorships:detail", args=[org.slug, mentorship.pk]))
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert not CheckIn.objects.for_org(org).exists()
    assert errors == []


def test_an_active_pair_still_gets_the_booking_form(new_page, sign_in, org):
    mentorship, _, mentee = tokyo_sao_paulo_pair(org)
    page = new_page()
    sign_in(page, mentee.user)

    page.goto(reverse("mentorships:book", args=[org.slug, mentorship.pk]))

    expect(page.get_by_role("button", name="Book and send invitations")).to_be_visible()
    expect(page.get_by_test_id("booking-closed")).to_have_count(0)


def test_the_booking_lengths_read_in_the_viewers_language(new_page, sign_in, org):
    """The lengths were put into words once, in English, when the form class was defined."""
    mentorship, _, mentee = tokyo_sao_paulo_pair(org)
    mentee.user.language = "es"
    mentee.user.save(update_fields=["language"])
    page = new_page()
    sign_in(page, mentee.user)

    page.goto(reverse("mentorships:book", args=[org.slug, mentorship.pk]))

    lengths = page.locator("select[name=duration] option").all_inner_texts()
    assert lengths == ["30 minutos", "45 minutos", "60 minutos", "90 minutos"]
