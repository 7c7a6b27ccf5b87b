"""The organization's home (mentoring/views.py dashboard, mentoring/home.py): the program team
sees the organization's figures, what waits for their decision and the running programs; a
participant sees their mentorships as people, their enrollments and the catalog; nobody sees
another organization's rows; the page costs the same few queries whatever the size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from matching.models import MatchProposal, MatchRound, MentorRequest, ProposalStatus, RoundStatus
from mentorships.models import Mentorship, MentorshipMentee, MentorshipStatus
from organizations.models import Role
from tests.conftest import login
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    OrganizationFactory,
    ParticipantFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db

# Session, user, membership, row-level security on and off, the shell's counts (for the program
# team, whether they take part in a mentorship and its unread messages), and the home's own
# reads (three for the program team, three or four for a participant).
MAX_HOME_QUERIES = 16


def _mentorship(mentor, *mentees, status=MentorshipStatus.ACTIVE):
    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=mentor.organization,
            cohort=mentor.cohort,
            mentor=mentor,
            started_on=dt.date(2027, 1, 13),
            status=status,
        )
        for mentee in mentees:
            MentorshipMentee.objects.create(
                organization=mentor.organization, mentorship=mentorship, mentee=mentee
            )
    return mentorship


def _round(cohort, *, status=RoundStatus.PROPOSED, decided=0, undecided=0):
    """A finished round with `decided` approved and `undecided` proposed pairs."""
    with scopes_disabled():
        match_round = MatchRound.objects.create(
            organization=cohort.organization,
            cohort=cohort,
            status=status,
            finished_at=timezone.now(),
        )
        for index in range(decided + undecided):
            MatchProposal.objects.create(
                organization=cohort.organization,
                match_round=match_round,
                mentee=ParticipantFactory(cohort=cohort, role="mentee"),
                mentor=ParticipantFactory(cohort=cohort, role="mentor"),
                score=0.5,
                status=ProposalStatus.APPROVED if index < decided else ProposalStatus.PROPOSED,
            )
    return match_round


def _awaiting_approval(cohort):
    with scopes_disabled():
        return MentorRequest.objects.create(
            organization=cohort.organization,
            cohort=cohort,
            mentee=ParticipantFactory(cohort=cohort, role="mentee"),
            mentor=ParticipantFactory(cohort=cohort, role="mentor"),
            rank=1,
            status="awaiting_approval",
        )


def _home(client, organization):
    return client.get(reverse("dashboard", args=[organization.slug]))


# The program team's home


def test_program_team_sees_honest_figures_for_the_live_cohorts(client, org, org_admin, cohort):
    mentor = ParticipantFactory(cohort=cohort, role="mentor")
    matched = ParticipantFactory(cohort=cohort, role="mentee")
    ParticipantFactory(cohort=cohort, role="mentee")
    ParticipantFactory(cohort=cohort, role="both")
    ParticipantFactory(cohort=cohort, role="mentee", status="withdrawn")
    _mentorship(mentor, matched)
    # A draft cohort's people count for nothing.
    draft = CohortFactory(program=cohort.program, status="draft")
    ParticipantFactory(cohort=draft, role="mentee")
    # A mentee whose mentorship ended early was matched all the same (docs/metrics.md: the
    # dashboard's match rate counts them too).
    ended = ParticipantFactory(cohort=cohort, role="mentee")
    _mentorship(mentor, ended, status=MentorshipStatus.ENDED)
    login(client, org_admin)

    figures = _home(client, org).context["admin_home"].figures

    # Five active people in the live cohort; of its four mentees (one is both), two matched.
    assert (figures.enrolled, figures.mentees, figures.matched) == (5, 4, 2)


def test_what_needs_a_decision_lists_rounds_and_requests_with_links(
    client, org, program_manager, cohort
):
    to_review = _round(cohort, decided=1, undecided=2)
    other = CohortFactory(program=cohort.program, name="Autumn")
    to_publish = _round(other, status=RoundStatus.REVIEWED, decided=3)
    _round(other, status=RoundStatus.PUBLISHED, decided=1)
    _awaiting_approval(cohort)
    _awaiting_approval(cohort)
    login(client, program_manager)

    response = _home(client, org)

    home = response.context["admin_home"]
    html = response.content.decode()
    assert home.figures.awaiting_review == 2
    assert home.figures.requests_awaiting_approval == 2
    assert [d.round_id for d in home.rounds] == [to_review.pk, to_publish.pk]
    assert reverse("matching:round_detail", args=[org.slug, to_review.pk]) in html
    assert "2 of 3 proposed pairs to review" in html
    assert "Reviewed: 3 pairs ready to publish" in html
    approvals = reverse("matching:mentor_request_approvals", args=[org.slug, cohort.pk])
    assert approvals in html
    assert "2 accepted mentor requests await your approval" in html


def test_a_round_with_every_pair_decided_asks_to_be_marked_reviewed(client, org, org_admin, cohort):
    _round(cohort, decided=4)
    login(client, org_admin)

    response = _home(client, org)

    assert response.context["admin_home"].figures.awaiting_review == 0
    assert "All 4 pairs are decided: mark the round reviewed" in response.content.decode()


def test_nothing_to_decide_says_so(client, org, org_admin, cohort):
    login(client, org_admin)

    html = _home(client, org).content.decode()

    assert "Nothing waits for a decision" in html


def test_running_programs_show_seats_filled_and_mentees_matched(client, org, org_admin):
    program = ProgramFactory(organization=org, name="Bridges")
    spring = CohortFactory(program=program, mentor_capacity=4, mentee_capacity=6)
    autumn = CohortFactory(program=program, status="active", mentor_capacity=2, mentee_capacity=2)
    mentor = ParticipantFactory(cohort=spring, role="mentor")
    mentee = ParticipantFactory(cohort=spring, role="mentee")
    ParticipantFactory(cohort=autumn, role="both")
    _mentorship(mentor, mentee)
    idle = ProgramFactory(organization=org, name="Not running")
    CohortFactory(program=idle, status="closed")
    login(client, org_admin)

    response = _home(client, org)

    (health,) = response.context["admin_home"].programs
    assert health.program == program
    assert (health.live_cohorts, health.seats_taken, health.seats) == (2, 4, 14)
    assert (health.mentees, health.matched) == (2, 1)
    assert health.stage == "enrolling"  # the most urgent stage of its cohorts
    html = response.content.decode()
    assert 'aria-valuenow="4" aria-valuemin="0" aria-valuemax="14"' in html
    assert "1 of 2 mentees matched" in html
    assert "Not running" not in html


def test_the_program_health_dashboard_is_drawn_by_its_own_request(client, org, org_admin):
    login(client, org_admin)

    html = _home(client, org).content.decode()

    # The analytics app's panel (tests/analytics/test_dashboard.py) fills it after the page.
    assert f'hx-get="{reverse("analytics:dashboard", args=[org.slug])}"' in html
    assert "<canvas" not in html
    assert "ui-stat__trend" not in html  # the home's own tiles have no comparison to show


def test_program_team_without_participations_sees_no_participant_sections(
    client, org, hr_analyst, cohort
):
    login(client, hr_analyst)

    html = _home(client, org).content.decode()

    assert "Needs a decision" in html
    assert "Your participations" not in html
    assert "Open for enrollment" not in html


# A participant's home


def test_member_sees_no_program_team_figures(client, org, member, cohort):
    _round(cohort, undecided=1)
    login(client, member)

    response = _home(client, org)

    html = response.content.decode()
    assert response.context["admin_home"] is None
    assert "Needs a decision" not in html
    assert "Pairs awaiting review" not in html
    assert "Open for enrollment" in html
    assert reverse("participants:enroll", args=[org.slug, cohort.pk]) in html


def test_open_for_enrollment_leaves_out_cohorts_the_member_already_joined(
    client, org, member, cohort
):
    other = CohortFactory(program=cohort.program, name="Autumn")
    ParticipantFactory(cohort=cohort, user=member, email=member.email)
    login(client, member)

    home = _home(client, org).context["participant_home"]

    # The joined cohort is under the participations, not offered again.
    assert [c.pk for c in home.open_cohorts] == [other.pk]
    assert [p.cohort_id for p in home.participations] == [cohort.pk]


def test_mentee_sees_their_mentor_as_a_person_with_shared_languages_and_local_time(
    client, org, member, cohort
):
    me = ParticipantFactory(
        cohort=cohort,
        user=member,
        email=member.email,
        languages=[
            {"code": "en", "proficiency": "fluent"},
            {"code": "es", "proficiency": "native"},
        ],
    )
    mentor = ParticipantFactory(
        cohort=cohort,
        role="mentor",
        full_name="Kenji Watanabe",
        email="kenji@acme.test",
        country="JP",
        time_zone="Asia/Tokyo",
        languages=[
            {"code": "ja", "proficiency": "native"},
            {"code": "en", "proficiency": "fluent"},
        ],
    )
    mentorship = _mentorship(mentor, me)
    login(client, member)

    response = _home(client, org)

    html = response.content.decode()
    assert "Your mentorships" in html
    assert "Kenji Watanabe" in html
    assert '<abbr title="Japan">JP</abbr>' in html
    # The time now where the mentor is, with the zone named on hover.
    assert 'class="ui-person__time" title="Asia/Tokyo"' in html
    assert "You share English" in html
    assert reverse("mentorships:messages", args=[org.slug, mentorship.pk]) in html

    # The viewer is never shown to themselves as a partner.
    mentorship = response.context["participant_home"].mentorships[0]
    assert [p.person for p in mentorship.partners] == [mentor]


def test_mentor_of_a_group_sees_each_mentee(client, org, member, cohort):
    me = ParticipantFactory(cohort=cohort, user=member, email=member.email, role="mentor")
    first = ParticipantFactory(cohort=cohort, full_name="Ana Ruiz")
    second = ParticipantFactory(cohort=cohort, full_name="Ben Okafor")
    _mentorship(me, first, second)
    login(client, member)

    response = _home(client, org)

    (mentorship,) = response.context["participant_home"].mentorships
    assert [p.person.full_name for p in mentorship.partners] == ["Ana Ruiz", "Ben Okafor"]
    assert all(not p.is_mentor for p in mentorship.partners)
    assert "You mentor" in response.content.decode()


def test_ended_mentorships_leave_the_home(client, org, member, cohort):
    me = ParticipantFactory(cohort=cohort, user=member, email=member.email)
    mentor = ParticipantFactory(cohort=cohort, role="mentor", full_name="Old Mentor")
    _mentorship(mentor, me, status=MentorshipStatus.COMPLETED)
    login(client, member)

    html = _home(client, org).content.decode()

    assert "Old Mentor" not in html


def test_member_without_enrollments_is_pointed_to_the_catalog(client, org, member, cohort):
    login(client, member)

    html = _home(client, org).content.decode()

    assert "You have not enrolled in a cohort yet." in html
    assert reverse("programs:catalog", args=[org.slug]) in html


def test_program_manager_who_takes_part_sees_both_homes(client, org, program_manager, cohort):
    me = ParticipantFactory(
        cohort=cohort, user=program_manager, email=program_manager.email, role="mentor"
    )
    mentee = ParticipantFactory(cohort=cohort, full_name="Mina Park")
    _mentorship(me, mentee)
    login(client, program_manager)

    html = _home(client, org).content.decode()

    assert "Needs a decision" in html
    assert "Your mentorships" in html
    assert "Mina Park" in html
    assert "Your participations" in html
    # The program team has the catalog in the navigation; the home does not repeat it.
    assert "Open for enrollment" not in html


# Tenant isolation


def test_home_shows_nothing_of_another_organization(client, org, org_admin, other_org, cohort):
    foreign_program = ProgramFactory(organization=other_org, name="Globex secret program")
    foreign = CohortFactory(program=foreign_program, name="Globex cohort")
    foreign_mentor = ParticipantFactory(cohort=foreign, role="mentor")
    foreign_mentee = ParticipantFactory(cohort=foreign, full_name="Globex Person")
    _mentorship(foreign_mentor, foreign_mentee)
    foreign_round = _round(foreign, undecided=3)
    _awaiting_approval(foreign)
    # The admin also takes part in the other organization's cohort under the same account.
    ParticipantFactory(cohort=foreign, user=org_admin, email=org_admin.email)
    login(client, org_admin)

    response = _home(client, org)

    home = response.context["admin_home"]
    html = response.content.decode()
    assert (home.figures.enrolled, home.figures.awaiting_review) == (0, 0)
    assert home.figures.requests_awaiting_approval == 0
    assert home.rounds == []
    assert [health.program.name for health in home.programs] == ["Bridges"]
    assert response.context["participant_home"].participations == []
    for text in ("Globex secret program", "Globex cohort", "Globex Person"):
        assert text not in html
    assert reverse("matching:round_detail", args=[org.slug, foreign_round.pk]) not in html


def test_a_member_of_one_organization_cannot_open_anothers_home(client, org, member, other_org):
    login(client, member)

    assert _home(client, other_org).status_code == 404


# Cost


def _fill(organization, user, rows: int) -> None:
    """`rows` running programs, each with a cohort, people, a mentorship of the viewer, a round
    to review and a request to approve."""
    for index in range(rows):
        cohort = CohortFactory(program=ProgramFactory(organization=organization))
        me = ParticipantFactory(cohort=cohort, user=user, email=user.email, role="both")
        _mentorship(me, ParticipantFactory(cohort=cohort))
        _mentorship(ParticipantFactory(cohort=cohort, role="mentor"), me)
        _round(cohort, undecided=1)
        _awaiting_approval(cohort)
        if index % 2:
            ParticipantFactory(cohort=cohort, role="both")


def _count(client, organization) -> int:
    _home(client, organization)  # warm process-wide caches
    with CaptureQueriesContext(connection) as captured:
        assert _home(client, organization).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MEMBER])
def test_the_home_costs_the_same_few_queries_with_3_or_12_of_everything(client, role):
    counts = []
    for rows in (3, 12):
        organization = OrganizationFactory()
        user = MembershipFactory(organization=organization, role=role).user
        _fill(organization, user, rows)
        client.force_login(user)
        counts.append(_count(client, organization))

    assert counts[0] == counts[1]
    assert counts[1] <= MAX_HOME_QUERIES, counts
