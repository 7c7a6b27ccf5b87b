"""The at-risk list names each reason in counts and dates (never what pairs wrote), suggests an
action, and the one-click nudge reaches the pair at most once a day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from mentorships.models import CheckIn, CheckInRecord, MentorshipStatus, Message
from mentorships.selectors.at_risk import at_risk_list
from organizations.models import Role
from tests.conftest import login
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def pair(org):
    mentorship, mentor, mentee = tokyo_sao_paulo_pair(org)
    return mentorship, mentor, mentee


def held(org, mentorship, days_ago, rating=None, by=None):
    ends = NOW - dt.timedelta(days=days_ago)
    check_in = CheckIn.objects.create(
        organization=org, mentorship=mentorship, organizer=mentorship.mentor, time_zone="UTC",
        starts_at=ends - dt.timedelta(minutes=30), ends_at=ends,
        ical_uid=f"h{days_ago}-{mentorship.pk}@meridian",
    )  # fmt: skip
    if rating is not None:
        CheckInRecord.objects.create(
            organization=org, check_in=check_in, participant=by, happened=True, rating=rating
        )
    return check_in


def reasons(org):
    with scope(organization=org.pk):
        return [(e.mentorship.pk, e.reasons, e.suggestion) for e in at_risk_list(organization=org)]


def test_a_healthy_pair_is_not_listed(org, pair):
    mentorship, mentor, _ = pair
    held(org, mentorship, days_ago=3, rating=5, by=mentor)
    assert reasons(org) == []


def test_each_reason_is_named(org, pair):
    mentorship, mentor, mentee = pair
    held(org, mentorship, days_ago=45, rating=2, by=mentee)
    held(org, mentorship, days_ago=40, rating=1, by=mentor)
    message = Message.objects.create(
        organization=org, mentorship=mentorship, author=mentee, body="Secret words"
    )
    Message.objects.for_org(org).filter(pk=message.pk).update(created_at=NOW - dt.timedelta(days=9))
    ((pk, why, suggestion),) = reasons(org)
    assert pk == mentorship.pk
    assert why == [
        "No check-in for 40 days",
        "Recent check-ins rated 1.5 of 5",
        "A message unanswered for 9 days",
    ]
    assert suggestion == "rematch"


def test_a_rematch_request_and_a_pair_that_never_met(org, pair):
    mentorship, *_ = pair
    mentorship.started_on = NOW.date() - dt.timedelta(days=31)
    mentorship.rematch_requested_at = NOW
    mentorship.save(update_fields=["started_on", "rematch_requested_at"])
    ((_pk, why, suggestion),) = reasons(org)
    assert why == [
        "No check-in held in 31 days since the match",
        "A member asked for a new match",
    ]
    assert suggestion == "rematch"


def test_closed_mentorships_are_not_listed(org, pair):
    mentorship, *_ = pair
    mentorship.started_on = NOW.date() - dt.timedelta(days=60)
    mentorship.status = MentorshipStatus.ENDED
    mentorship.save(update_fields=["started_on", "status"])
    assert reasons(org) == []


def test_the_page_shows_reasons_but_no_private_words_and_nudges_once_a_day(client, org, pair):
    mentorship, _, mentee = pair
    mentorship.started_on = NOW.date() - dt.timedelta(days=40)
    mentorship.save(update_fields=["started_on"])
    Message.objects.create(organization=org, mentorship=mentorship, author=mentee, body="Secret")
    manager = member_of(org, "pm@acme.test", role=Role.PROGRAM_MANAGER)
    page = login(client, manager).get(reverse("mentorships:at_risk", args=[org.slug]))
    body = page.content.decode()
    assert "No check-in held in 40 days since the match" in body
    assert "Secret" not in body
    nudge = reverse("mentorships:at_risk_nudge", args=[org.slug, mentorship.pk])
    mail.outbox.clear()
    client.post(nudge)
    client.post(nudge)
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@acme.test", "kenji@acme.test"]


def test_members_and_analysts_cannot_nudge(client, org, pair):
    mentorship, _, mentee = pair
    nudge = reverse("mentorships:at_risk_nudge", args=[org.slug, mentorship.pk])
    assert login(client, mentee.user).post(nudge).status_code == 403
    analyst = member_of(org, "hr@acme.test", role=Role.HR_ANALYST)
    assert (
        login(client, analyst).get(reverse("mentorships:at_risk", args=[org.slug])).status_code
        == 200
    )
    assert client.post(nudge).status_code == 403
    assert mail.outbox == []
