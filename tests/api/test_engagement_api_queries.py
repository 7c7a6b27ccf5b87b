"""Each engagement list answers a page in the same few queries however many rows it holds, for
an API key (metadata) and for a member (their rows in full, with their own records, the goals'
milestones and their unread counts). As in production, the request's transaction is the
outermost one, so the queries counted are the request's own."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from mentorships.models import CheckInRecord, Milestone
from organizations.models import OrganizationAPIKey, Role
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    OrganizationFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)
from tests.mentorships.factories import (
    CheckInFactory,
    GoalFactory,
    MentorshipFactory,
    MessageFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

LISTS = [
    "/api/v1/mentorships/",
    "/api/v1/check-ins/",
    "/api/v1/goals/",
    "/api/v1/messages/",
    "/api/v1/check-ins/?page_size=200",
]


def _organization_with_mentorships(count: int):
    """`count` mentorships of one mentor who has an account, each with two mentees, two
    check-ins (one recorded by the mentor), a goal with two milestones and two messages."""
    organization = OrganizationFactory()
    cohort = CohortFactory(program=ProgramFactory(organization=organization))
    user = MembershipFactory(organization=organization, role=Role.MEMBER, user=UserFactory()).user
    mentor = ParticipantFactory(cohort=cohort, role="mentor", user=user, mentor_capacity=count)
    for _ in range(count):
        mentees = [ParticipantFactory(cohort=cohort), ParticipantFactory(cohort=cohort)]
        mentorship = MentorshipFactory(cohort=cohort, mentor=mentor, mentees=mentees)
        held = CheckInFactory(mentorship=mentorship)
        CheckInFactory(mentorship=mentorship, starts_at=timezone.now() + dt.timedelta(days=3))
        CheckInRecord.objects.create(
            organization=organization, check_in=held, participant=mentor, happened=True, rating=4
        )
        goal = GoalFactory(mentorship=mentorship)
        for title in ("First", "Second"):
            Milestone.objects.create(organization=organization, goal=goal, title=title)
        MessageFactory(mentorship=mentorship)
        MessageFactory(mentorship=mentorship, author=mentees[0])
    return organization, user


def _key_client(organization) -> APIClient:
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="reporting", organization=organization, scopes=["read"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def _member_client(organization, user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_X_ORGANIZATION=organization.slug)
    return client


def _queries(client: APIClient, endpoint: str, expected_rows: int) -> list[str]:
    client.get(endpoint)  # an API key records its last use (once a minute)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(endpoint)
    assert response.status_code == 200
    assert len(response.json()["results"]) >= expected_rows
    return [q["sql"] for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]


@pytest.mark.parametrize("endpoint", LISTS)
def test_an_api_key_reads_a_list_in_a_fixed_number_of_queries(endpoint):
    counts = []
    for size in (1, 8):
        organization, _user = _organization_with_mentorships(size)
        # Messages are their members' alone: a key reads none.
        rows = 0 if "messages" in endpoint else size
        counts.append(len(_queries(_key_client(organization), endpoint, rows)))

    assert counts[0] == counts[1]
    # The key, the row-level-security setting, the page, and the mentees of the mentorships.
    assert counts[0] <= 4


@pytest.mark.parametrize("endpoint", LISTS)
def test_a_member_reads_their_list_in_a_fixed_number_of_queries(endpoint):
    counts = []
    for size in (1, 8):
        organization, user = _organization_with_mentorships(size)
        counts.append(len(_queries(_member_client(organization, user), endpoint, size)))

    assert counts[0] == counts[1]
    # The membership, the setting, the member's mentorships, the page, one prefetch (their
    # records, the milestones or the mentees) and the unread counts.
    assert counts[0] <= 7
