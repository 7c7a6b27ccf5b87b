"""Mentor recognition: figures against a hand-built world, thank-yous, the pages by role, and
the certificate that only its mentor can open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.models import ThankYou
from analytics.recognition import RecognitionFilters, recognition_rows, thank_you_send
from core.errors import DomainError
from mentorships.models import CheckInRecord, CheckInStatus
from organizations.models import Role
from tests.conftest import login
from tests.factories import MembershipFactory, ParticipantFactory, UserFactory
from tests.mentorships.factories import CheckInFactory, MentorshipFactory

pytestmark = pytest.mark.django_db


def _meeting(mentorship, *, days_ago, minutes, **fields):
    starts = timezone.now() - dt.timedelta(days=days_ago)
    return CheckInFactory(
        mentorship=mentorship, starts_at=starts, ends_at=starts + dt.timedelta(minutes=minutes),
        **fields,
    )  # fmt: skip


def _rate(check_in, participant, rating, happened=True):
    CheckInRecord.objects.create(
        organization=check_in.organization,
        check_in=check_in,
        participant=participant,
        happened=happened,
        rating=rating,
    )


@pytest.fixture
def world(org, cohort, member):
    """Ada mentors two mentees: three held check-ins (60 + 90 + 30 minutes), one cancelled,
    one that a mentee said did not happen, one still to come. Her mentees rate 5, 4 and 3; her
    own rating of 1 is left out. Bo mentors one mentee and has held nothing."""
    ada = ParticipantFactory(cohort=cohort, role="mentor", full_name="Ada", user=member)
    bo = ParticipantFactory(cohort=cohort, role="mentor", full_name="Bo")
    mentee_1, mentee_2, mentee_3 = (ParticipantFactory(cohort=cohort) for _ in range(3))
    first = MentorshipFactory(cohort=cohort, mentor=ada, mentees=[mentee_1])
    second = MentorshipFactory(cohort=cohort, mentor=ada, mentees=[mentee_2])
    MentorshipFactory(cohort=cohort, mentor=bo, mentees=[mentee_3])
    a = _meeting(first, days_ago=10, minutes=60)
    b = _meeting(first, days_ago=5, minutes=90)
    c = _meeting(second, days_ago=3, minutes=30)
    _meeting(second, days_ago=2, minutes=45, status=CheckInStatus.CANCELLED)
    _rate(_meeting(second, days_ago=1, minutes=60), mentee_2, None, happened=False)
    _meeting(first, days_ago=-2, minutes=60)
    _rate(a, mentee_1, 5)
    _rate(b, mentee_1, 4)
    _rate(c, mentee_2, 3)
    _rate(c, ada, 1)
    return {"ada": ada, "bo": bo, "first": first}


def test_recognition_figures_follow_the_held_check_ins(org, world):
    rows = recognition_rows(organization=org)
    ada, bo = rows
    assert (ada.full_name, bo.full_name) == ("Ada", "Bo")
    assert ada.hours_mentored == 3.0
    assert ada.check_ins_held == 3
    assert ada.average_rating == 4.0
    assert ada.ratings == 3
    assert ada.mentees == 2
    assert (bo.hours_mentored, bo.check_ins_held, bo.average_rating, bo.mentees) == (0, 0, None, 1)


def test_recognition_period_counts_only_its_check_ins(org, world):
    since = timezone.localdate() - dt.timedelta(days=6)
    ada = recognition_rows(organization=org, filters=RecognitionFilters(since=since))[0]
    assert ada.check_ins_held == 2
    assert ada.hours_mentored == 2.0


def test_thank_yous_are_counted_and_kept_to_their_organization(
    org, other_org, world, org_admin, other_participant
):
    thank_you_send(organization=org, mentor=world["ada"], from_user=org_admin, message=" Thanks! ")
    ada = recognition_rows(organization=org)[0]
    assert ada.thank_yous == 1
    assert ThankYou.objects.for_org(org).get().message == "Thanks!"
    assert recognition_rows(organization=other_org) == []
    with pytest.raises(DomainError):
        thank_you_send(organization=org, mentor=world["ada"], from_user=org_admin, message="  ")


def test_admin_sees_the_recognition_page_with_chart_and_table(client, org, world, org_admin):
    response = login(client, org_admin).get(reverse("analytics:recognition", args=[org.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="recognition-table"' in body
    assert "recognition-hours" in body
    assert reverse("analytics:recognition_thank", args=[org.slug, world["ada"].pk]) in body


def test_members_cannot_open_the_team_recognition_page(client, org, world, member):
    response = login(client, member).get(reverse("analytics:recognition", args=[org.slug]))
    assert response.status_code == 403


def test_hr_analyst_reads_the_page_but_cannot_thank(client, org, world, hr_analyst):
    login(client, hr_analyst)
    page = client.get(reverse("analytics:recognition", args=[org.slug]))
    assert page.status_code == 200
    url = reverse("analytics:recognition_thank", args=[org.slug, world["ada"].pk])
    assert url not in page.content.decode()
    assert client.post(url, {"message": "Thanks"}).status_code == 403
    assert not ThankYou.objects.for_org(org).exists()


def test_program_manager_sends_a_thank_you_the_mentor_then_sees(client, org, world, member):
    manager = MembershipFactory(organization=org, role=Role.PROGRAM_MANAGER).user
    url = reverse("analytics:recognition_thank", args=[org.slug, world["ada"].pk])
    response = login(client, manager).post(url, {"message": "Your mentees love you."})
    assert response.status_code == 302
    login(client, member)
    mine = client.get(reverse("analytics:recognition_me", args=[org.slug])).content.decode()
    assert "Your mentees love you." in mine
    card = client.get(reverse("analytics:recognition_card", args=[org.slug])).content.decode()
    assert "Your mentees love you." in card


def test_thank_you_to_another_organizations_participant_is_404(
    client, org, org_admin, other_participant
):
    url = reverse("analytics:recognition_thank", args=[org.slug, other_participant.pk])
    assert login(client, org_admin).post(url, {"message": "Hi"}).status_code == 404


def test_the_mentor_downloads_their_certificate(client, org, world, member):
    url = reverse("analytics:recognition_certificate", args=[org.slug, world["ada"].pk])
    response = login(client, member).get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="certificate"' in body
    assert "Ada" in body and "3.0" in body


def test_another_mentors_certificate_is_404_even_for_admins(client, org, world, member, org_admin):
    bo_user = UserFactory()
    MembershipFactory(organization=org, user=bo_user, role=Role.MEMBER)
    world["bo"].user = bo_user
    world["bo"].save(update_fields=["user"])
    url = reverse("analytics:recognition_certificate", args=[org.slug, world["bo"].pk])
    assert login(client, member).get(url).status_code == 404
    assert login(client, org_admin).get(url).status_code == 404
    # His own: no 404, but nothing to certify yet (test_recognition_nothing_yet.py).
    assert login(client, bo_user).get(url).status_code == 302


def test_the_home_card_is_empty_without_thank_yous(client, org, world, member):
    response = login(client, member).get(reverse("analytics:recognition_card", args=[org.slug]))
    assert response.status_code == 200
    assert response.content.decode().strip() == ""
