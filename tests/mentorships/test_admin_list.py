"""The program team's list of mentorships: by status with counts, filtered by program, cohort
and status, with last check-in, check-ins held, average rating and rematch requests; what
pairs write never shows; the query count does not grow with the rows; members get no entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from mentorships.models import (
    CheckIn,
    CheckInRecord,
    Goal,
    MentorshipStatus,
    Message,
    Reflection,
    SharedDocument,
)
from organizations.models import Role
from tests.conftest import login
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair
from tests.mentorships.test_reminders import make_pair

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def held(org, mentorship, days_ago, rating=None, by=None):
    starts = NOW - dt.timedelta(days=days_ago)
    check_in = CheckIn.objects.create(
        organization=org, mentorship=mentorship, organizer=mentorship.mentor, time_zone="UTC",
        starts_at=starts, ends_at=starts + dt.timedelta(minutes=30),
        ical_uid=f"a{days_ago}-{mentorship.pk}@meridian",
    )  # fmt: skip
    if rating is not None:
        CheckInRecord.objects.create(
            organization=org, check_in=check_in, participant=by, happened=True, rating=rating,
            comment="Private comment",
        )  # fmt: skip
    return check_in


def rows(response):
    return response.content.decode().count('data-testid="mentorship-row"')


@pytest.fixture
def manager(org):
    return member_of(org, "pm@acme.test", role=Role.PROGRAM_MANAGER)


def test_shows_metadata_and_never_what_pairs_write(client, org, manager):
    mentorship, mentor, mentee = tokyo_sao_paulo_pair(org)
    held(org, mentorship, days_ago=10, rating=4, by=mentor)
    held(org, mentorship, days_ago=3, rating=1, by=mentee)
    Message.objects.create(organization=org, mentorship=mentorship, author=mentee, body="Secret m")
    Reflection.objects.create(
        organization=org, mentorship=mentorship, author=mentee, body="Secret r"
    )
    Goal.objects.create(
        organization=org, mentorship=mentorship, title="Secret goal", proposed_by=mentee
    )
    with scope(organization=org.pk):
        SharedDocument.objects.update_or_create(
            organization=org, mentorship=mentorship, defaults={"body": "Secret doc"}
        )
    mentorship.rematch_requested_at = NOW
    mentorship.rematch_reason = "Secret reason"
    mentorship.save(update_fields=["rematch_requested_at", "rematch_reason"])
    page = login(client, manager).get(reverse("mentorships:admin_list", args=[org.slug]))
    body = page.content.decode()
    assert page.status_code == 200 and rows(page) == 1
    assert mentor.full_name in body and mentee.full_name in body
    assert "2.5" in body  # the average rating
    assert "Secret" not in body and "Private comment" not in body


def test_filters_and_counts_by_status(client, org, manager):
    first, _, _ = make_pair(org, suffix="1")
    second, _, _ = make_pair(org, suffix="2")
    second.status = MentorshipStatus.PAUSED
    second.save(update_fields=["status"])
    url = reverse("mentorships:admin_list", args=[org.slug])
    login(client, manager)
    assert rows(client.get(url)) == 2
    assert rows(client.get(url, {"status": "paused"})) == 1
    assert rows(client.get(url, {"program": first.cohort.program_id})) == 1
    assert rows(client.get(url, {"cohort": second.cohort_id, "status": "active"})) == 0
    assert "No mentorships match" in client.get(url, {"status": "ended"}).content.decode()


def test_the_query_count_does_not_grow_with_the_rows(client, org, manager):
    url = reverse("mentorships:admin_list", args=[org.slug])
    login(client, manager)
    make_pair(org, suffix="a")
    client.get(url)  # the first request of a session reads more (the session's first use)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for suffix in "bcdef":
        mentorship, mentor, _ = make_pair(org, suffix=suffix)
        held(org, mentorship, days_ago=2, rating=3, by=mentor)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert rows(page) == 6
    assert len(many) == len(few)


def test_members_cannot_see_it_and_other_organizations_stay_out(client, org, other_org, manager):
    _mentorship, _, mentee = tokyo_sao_paulo_pair(org)
    make_pair(other_org, suffix="x")
    url = reverse("mentorships:admin_list", args=[org.slug])
    assert login(client, mentee.user).get(url).status_code in (403, 404)
    assert rows(login(client, manager).get(url)) == 1
