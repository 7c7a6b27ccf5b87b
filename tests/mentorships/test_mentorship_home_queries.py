"""The mentorship's home and its thread cost the same number of queries whatever the pair's
history holds: the home reads counts, never rows, and the thread reads one page of messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentorships.models import CheckIn, CheckInRecord, Goal, Message, Milestone
from tests.conftest import login
from tests.mentorships.pages import tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


def grow(org, mentorship, mentor, mentee, size):
    now = timezone.now()
    meetings = CheckIn.objects.bulk_create(
        CheckIn(
            organization=org, mentorship=mentorship, organizer=mentor, time_zone="UTC",
            starts_at=now + dt.timedelta(weeks=k - size // 2),
            ends_at=now + dt.timedelta(weeks=k - size // 2, minutes=30),
            ical_uid=f"grow-{size}-{k}@meridian",
        )
        for k in range(size)
    )  # fmt: skip
    CheckInRecord.objects.bulk_create(
        CheckInRecord(organization=org, check_in=m, participant=mentee, happened=True, rating=4)
        for m in meetings[: size // 2]
    )
    goals = Goal.objects.bulk_create(
        Goal(organization=org, mentorship=mentorship, title=f"g{k}", proposed_by=mentee)
        for k in range(size)
    )
    Milestone.objects.bulk_create(
        Milestone(organization=org, goal=goal, title="step") for goal in goals
    )
    Message.objects.bulk_create(
        Message(organization=org, mentorship=mentorship, author=mentor, body=f"m{k}")
        for k in range(size * 10)
    )


def queries(client, url):
    client.get(url)  # the first visit writes the read mark
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", ["mentorships:detail", "mentorships:messages"])
def test_the_query_count_does_not_grow_with_the_history(client, org, page):
    mentorship, mentor, mentee = tokyo_sao_paulo_pair(org, windows=False)
    url = reverse(page, args=[org.slug, mentorship.pk])
    login(client, mentee.user)
    grow(org, mentorship, mentor, mentee, 3)
    small = queries(client, url)
    grow(org, mentorship, mentor, mentee, 60)
    assert queries(client, url) == small
