"""The app shell's navigation (templates/base.html with mentoring/context_processors.py): the
sections each role sees, the current one marked, counts of what awaits a decision, and no link
that leads nowhere."""

import re

import pytest
from django.urls import resolve, reverse
from django_scopes import scope

from matching import services as matching_services
from matching.models import MentorRequest, RequestStatus
from mentoring.context_processors import nav_section
from mentoring.selectors import decision_counts
from tests.conftest import login
from tests.factories import ParticipantFactory
from tests.test_papercuts import proposed_round

pytestmark = pytest.mark.django_db


def _nav(html: str) -> dict[str, str]:
    """Section → href of the sidebar's items."""
    sidebar = html[html.index('<aside class="ui-sidebar">') : html.index("</aside>")]
    return {
        section: href
        for href, section in re.findall(r'href="([^"]*)" data-nav="([a-z]+)"', sidebar)
    }


def _current(html: str) -> list[str]:
    return re.findall(r'data-nav="([a-z]+)" aria-current="page"', html)


def test_an_admin_sees_programs_people_matching_catalog_settings_and_notifications(
    client, org, org_admin
):
    login(client, org_admin)

    nav = _nav(client.get(reverse("dashboard", args=[org.slug])).content.decode())

    expected = {"home", "programs", "people", "catalog", "settings", "notifications"}
    assert expected <= set(nav)
    assert "mentorships" not in nav
    assert nav["settings"] == reverse("organizations:api_key_list", args=[org.slug])


def test_a_program_manager_sees_no_people_or_settings_they_cannot_open(
    client, org, program_manager
):
    login(client, program_manager)

    nav = _nav(client.get(reverse("dashboard", args=[org.slug])).content.decode())

    assert {"home", "programs", "catalog"} <= set(nav)
    assert not {"people", "settings", "mentorships"} & set(nav)


def test_a_participant_sees_home_their_mentorships_and_the_catalog(client, org, member):
    login(client, member)

    nav = _nav(client.get(reverse("programs:catalog", args=[org.slug])).content.decode())

    assert list(nav) == ["home", "mentorships", "catalog", "notifications"]
    assert nav["mentorships"] == reverse("dashboard", args=[org.slug]) + "#mentorships"


@pytest.mark.parametrize("user", ["owner", "org_admin", "program_manager", "hr_analyst", "member"])
def test_every_navigation_link_opens_a_page(client, org, user, request):
    person = request.getfixturevalue(user)
    login(client, person)

    nav = _nav(client.get(reverse("dashboard", args=[org.slug])).content.decode())

    for section, href in nav.items():
        response = client.get(href.split("#")[0])
        assert response.status_code == 200, (user, section, href, response.status_code)


@pytest.mark.parametrize(
    ("url_name", "section"),
    [
        ("dashboard", "home"),
        ("programs:program_list", "programs"),
        ("programs:catalog", "catalog"),
        ("organizations:member_list", "people"),
        ("organizations:api_key_list", "settings"),
        ("organizations:audit_log", "settings"),
        ("notifications:notification_list", "notifications"),
    ],
)
def test_the_current_section_is_marked_once(client, org, owner, url_name, section):
    login(client, owner)

    html = client.get(reverse(url_name, args=[org.slug])).content.decode()

    assert _current(html) == [section]


def test_cohort_pages_belong_to_programs_and_a_participants_own_matching_to_mentorships(
    client, org, owner, cohort
):
    login(client, owner)

    participants = client.get(reverse("participants:participant_list", args=[org.slug, cohort.pk]))
    inbox = client.get(reverse("matching:mentor_request_inbox", args=[org.slug]))

    assert _current(participants.content.decode()) == ["programs"]
    assert _current(inbox.content.decode()) == []  # an admin has no "My mentorships" item


def test_decision_counts_are_proposals_awaiting_review_and_requests_awaiting_approval(
    org, cohort, django_capture_on_commit_callbacks
):
    match_round = proposed_round(org, cohort, django_capture_on_commit_callbacks, pairs=3)
    mentee = ParticipantFactory(cohort=cohort, role="mentee")
    mentor = ParticipantFactory(cohort=cohort, role="mentor")
    MentorRequest.objects.create(
        organization=org,
        cohort=cohort,
        mentee=mentee,
        mentor=mentor,
        rank=1,
        status=RequestStatus.AWAITING_APPROVAL,
    )

    before = decision_counts(organization=org)
    with scope(organization=org.pk):
        matching_services.proposal_approve_all(
            organization=org, match_round=match_round, actor=None
        )
    after = decision_counts(organization=org)

    assert (before.awaiting_review, before.requests_awaiting_approval, before.total) == (3, 1, 4)
    assert (after.awaiting_review, after.requests_awaiting_approval) == (0, 1)


def test_the_navigation_counts_nothing_for_participants(client, org, member, cohort):
    login(client, member)

    html = client.get(reverse("dashboard", args=[org.slug])).content.decode()

    assert "awaiting a decision" not in html


def test_a_participants_own_matching_and_mentorship_pages_belong_to_my_mentorships(rf):
    def section(path: str) -> str:
        request = rf.get(path)
        request.resolver_match = resolve(path)
        return nav_section(request)

    assert section("/o/acme/mentor-requests/") == "mentorships"
    assert section("/o/acme/cohorts/1/find-a-mentor/") == "mentorships"
    assert section("/o/acme/mentorships/1/") == "mentorships"
    assert section("/o/acme/rounds/1/") == "matching"
    assert section("/o/acme/cohorts/1/enroll/") == "catalog"
    assert section("/orgs/") == ""
