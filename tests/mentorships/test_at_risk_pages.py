"""The at-risk page shows fifty pairs a page, worst first, and reads only those pairs' mentees:
an organization with thousands of quiet pairs gets its page as fast as one with a few."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentorships.views.at_risk import AT_RISK_PAGE_SIZE
from organizations.models import Role
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory
from tests.mentorships.pages import member_of

pytestmark = pytest.mark.django_db


def _quiet_pairs(org, count):
    from django_scopes import scope

    from mentorships import services

    cohort = CohortFactory(program=ProgramFactory(organization=org))
    with scope(organization=org.pk):
        for n in range(count):
            mentor = ParticipantFactory(cohort=cohort, role="mentor", full_name=f"Mentor {n:03}")
            mentee = ParticipantFactory(cohort=cohort, role="mentee", full_name=f"Mentee {n:03}")
            mentorship = services.mentorship_create_from_match(
                organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
            )
            mentorship.started_on = timezone.now().date() - dt.timedelta(days=60)
            mentorship.save(update_fields=["started_on"])


def _page(client, org, page=None):
    url = reverse("mentorships:at_risk", args=[org.slug])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page": page} if page else {})
    return response.content.decode(), len(queries)


def test_pages_of_fifty_with_their_own_mentees_and_the_same_queries(client, org):
    manager = member_of(org, "pm@acme.test", role=Role.PROGRAM_MANAGER)
    login(client, manager)
    _quiet_pairs(org, 3)
    _page(client, org)  # the first request of a session also saves the session
    _, few_queries = _page(client, org)
    _quiet_pairs(org, AT_RISK_PAGE_SIZE + 7)

    first, many_queries = _page(client, org)
    second, _ = _page(client, org, page=2)

    assert first.count('data-testid="at-risk-row"') == AT_RISK_PAGE_SIZE
    assert second.count('data-testid="at-risk-row"') == 10
    assert f"1\N{EN DASH}{AT_RISK_PAGE_SIZE} of 60" in first
    assert "Mentee 000" in first  # each row names its own mentees
    assert many_queries == few_queries
