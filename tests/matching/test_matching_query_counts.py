"""Matching pages issue the same number of queries with 50 rows as with 5."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from matching import selectors, services
from matching.config import config_from_json
from organizations.models import Role
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MAX_QUERIES = 25


def _cohort_with(org, pairs: int):
    cohort = CohortFactory(
        program=ProgramFactory(organization=org), mentor_capacity=200, mentee_capacity=200
    )
    config = config_from_json({}).to_json()
    config["self_match"] = {"enabled": True}
    cohort.matching_settings = config
    cohort.save()
    for index in range(pairs):
        ParticipantFactory(
            cohort=cohort,
            role="mentor",
            skills_offered=["SQL"],
            seniority=4,
            email=f"m{index}@x.test",
        )
        ParticipantFactory(
            cohort=cohort,
            role="mentee",
            skills_wanted=["SQL"],
            seniority=1,
            email=f"e{index}@x.test",
        )
    return cohort


def _queries(client, url) -> int:
    client.get(url)  # warm process-wide caches (sites, content types) so only the page counts
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _pages(org, cohort, django_capture_on_commit_callbacks):
    with scope(organization=org.pk):
        with django_capture_on_commit_callbacks():
            match_round = services.round_start(organization=org, cohort=cohort, actor=None)
        services.round_run(organization=org, round_id=match_round.pk)
    return [
        reverse("matching:cohort_matching", args=[org.slug, cohort.pk]),
        reverse("matching:round_detail", args=[org.slug, match_round.pk]),
    ]


def test_admin_matching_pages_do_not_grow_with_rows(
    client, org, django_capture_on_commit_callbacks
):
    admin = MembershipFactory(organization=org, role=Role.ADMIN, user=UserFactory()).user
    client.force_login(admin)
    small = _pages(org, _cohort_with(org, 5), django_capture_on_commit_callbacks)
    large = _pages(org, _cohort_with(org, 50), django_capture_on_commit_callbacks)

    for small_url, large_url in zip(small, large, strict=True):
        few, many = _queries(client, small_url), _queries(client, large_url)
        assert few == many, (large_url, few, many)
        assert many <= MAX_QUERIES


def test_find_a_mentor_does_not_grow_with_mentors(client, org, member):
    counts = []
    for size in (5, 50):
        cohort = _cohort_with(org, size)
        ParticipantFactory(cohort=cohort, role="mentee", user=member, email=f"me{size}@x.test")
        client.force_login(member)
        counts.append(_queries(client, reverse("matching:find_mentor", args=[org.slug, cohort.pk])))

    assert counts[0] == counts[1] <= MAX_QUERIES


def test_the_ranking_page_does_not_grow_with_people_or_rankings(client, org, member):
    counts = []
    for size in (5, 50):
        cohort = _cohort_with(org, size)
        cohort.matching_settings = {**cohort.matching_settings, "self_match": {"enabled": False}}
        cohort.save()
        me = ParticipantFactory(cohort=cohort, role="both", user=member, email=f"me{size}@x.test")
        with scope(organization=org.pk):
            for side in ("mentee", "mentor"):
                others = selectors.recommendation_list(
                    organization=org, participant=me, side=side, limit=5
                )
                services.stated_preferences_save(
                    organization=org,
                    participant=me,
                    side=side,
                    preferred_ids=[r.person.pk for r in others],
                )
        client.force_login(member)
        counts.append(_queries(client, reverse("matching:preferences", args=[org.slug, cohort.pk])))

    assert counts[0] == counts[1] <= MAX_QUERIES
