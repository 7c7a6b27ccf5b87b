"""Every list page and list endpoint issues the same, small number of queries with 50 rows as
with 5: no query per row."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentorships.models import Mentorship, MentorshipMentee
from organizations.models import Invitation, OrganizationAPIKey, Role
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    OrganizationFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FEW, MANY = 5, 50
# Session, user, membership, the page's selectors and a few per-request lookups (the shell's
# counts: for the program team, also their own mentorships' unread messages); a page over
# this budget is doing something per row or per fragment worth looking at.
MAX_PAGE_QUERIES = 16
MAX_API_QUERIES = 8


def _queries(client, url: str, **headers) -> int:
    # Warm process-wide caches (content types, sites, translations) so only the request counts.
    client.get(url, **headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def _admin_of_fresh_org():
    """Each size gets its own organization, so 'rows' means exactly that many."""
    organization = OrganizationFactory()
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    return organization, admin


def _fill(organization, admin, rows: int) -> dict:
    """`rows` of everything a list page shows: programs, cohorts, participants (each the mentee
    of a mentorship the admin mentors), the admin's participations, members, invitations and
    API keys."""
    programs = ProgramFactory.create_batch(rows, organization=organization)
    main = programs[0]
    # One program with `rows` cohorts: the program page lists them all.
    cohorts = CohortFactory.create_batch(rows, program=main)
    cohort = cohorts[0]
    participants = ParticipantFactory.create_batch(rows, cohort=cohort)
    for other in cohorts[1:]:
        # The admin takes part in every cohort, so the dashboard lists `rows` participations.
        ParticipantFactory(cohort=other, user=admin, email=admin.email, role="both")
    mentor = ParticipantFactory(cohort=cohort, user=admin, email=admin.email, role="mentor")
    today = timezone.now().date()
    for mentee in participants:
        mentorship = Mentorship.objects.create(
            organization=organization, cohort=cohort, mentor=mentor, started_on=today
        )
        MentorshipMentee.objects.create(
            organization=organization, mentorship=mentorship, mentee=mentee
        )
    for user in UserFactory.create_batch(rows):
        MembershipFactory(organization=organization, user=user, role=Role.MEMBER)
        Invitation.objects.create(
            organization=organization,
            email=f"invited-{user.pk}@example.com",
            role=Role.MEMBER,
            token_hash=f"{user.pk:064d}",
            invited_by=admin,
            expires_at=timezone.now() + dt.timedelta(days=7),
        )
    for index in range(rows):
        OrganizationAPIKey.objects.create_key(
            name=f"key {index}", organization=organization, scopes=["read"], created_by=admin
        )
    return {"program": main, "cohort": cohort}


def _page_urls(organization, made) -> dict[str, str]:
    slug = organization.slug
    return {
        "program list": reverse("programs:program_list", args=[slug]),
        "catalog": reverse("programs:catalog", args=[slug]),
        "program detail": reverse("programs:program_detail", args=[slug, made["program"].pk]),
        "participant list": reverse(
            "participants:participant_list", args=[slug, made["cohort"].pk]
        ),
        "members": reverse("organizations:member_list", args=[slug]),
        "api keys": reverse("organizations:api_key_list", args=[slug]),
        "dashboard": reverse("dashboard", args=[slug]),
    }


def _page_counts(client, rows: int) -> dict[str, int]:
    organization, admin = _admin_of_fresh_org()
    made = _fill(organization, admin, rows)
    client.force_login(admin)
    return {name: _queries(client, url) for name, url in _page_urls(organization, made).items()}


def test_list_pages_queries_do_not_grow_with_rows(client):
    few = _page_counts(client, FEW)
    many = _page_counts(client, MANY)

    assert many == few
    over_budget = {name: count for name, count in many.items() if count > MAX_PAGE_QUERIES}
    assert not over_budget, over_budget


@pytest.mark.parametrize(
    "endpoint", ["/api/v1/programs/", "/api/v1/cohorts/", "/api/v1/participants/"]
)
def test_list_endpoint_queries_do_not_grow_with_rows(client, endpoint):
    counts = []
    for rows in (FEW, MANY):
        organization, admin = _admin_of_fresh_org()
        _fill(organization, admin, rows)
        _key, secret = OrganizationAPIKey.objects.create_key(
            name="reporting", organization=organization, scopes=["read"]
        )
        count = _queries(client, endpoint, HTTP_AUTHORIZATION=f"Api-Key {secret}")
        response = client.get(endpoint, HTTP_AUTHORIZATION=f"Api-Key {secret}")
        # Each list holds at least `rows` items, so the count covers a full page of rows.
        assert len(response.json()["results"]) >= rows
        counts.append(count)

    few, many = counts
    assert few == many, (endpoint, few, many)
    assert many <= MAX_API_QUERIES
