"""Pause, resume, close and ask for a new match: who may, what each leaves behind, and that a
paused mentorship is left in peace."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope

from core.errors import DomainError
from mentorships import services
from mentorships.models import MentorshipStatus
from mentorships.services import lifecycle
from notifications.models import Notification
from organizations.models import Role
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    cohort = CohortFactory(program=ProgramFactory(organization=org, name="Bridges"))
    mentor = ParticipantFactory(
        cohort=cohort, role="mentor", user=UserFactory(email="m@acme.test"), full_name="Mia"
    )
    mentee = ParticipantFactory(
        cohort=cohort, role="mentee", user=UserFactory(email="e@acme.test"), full_name="Eli"
    )
    with scope(organization=org.pk):
        mentorship = services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
    return mentorship, mentor, mentee


def act(org, action, mentorship, user, **options):
    with scope(organization=org.pk):
        return getattr(lifecycle, action)(
            organization=org, mentorship=mentorship, actor=user, **options
        )


def test_a_member_pauses_and_resumes(org, pair):
    mentorship, mentor, mentee = pair
    paused = act(org, "mentorship_pause", mentorship, mentee.user)
    assert paused.status == MentorshipStatus.PAUSED and paused.paused_at is not None
    with pytest.raises(DomainError) as again:
        act(org, "mentorship_pause", mentorship, mentor.user)
    assert again.value.code == "conflict"
    resumed = act(org, "mentorship_resume", mentorship, mentor.user)
    assert resumed.status == MentorshipStatus.ACTIVE and resumed.paused_at is None
    with pytest.raises(DomainError):
        act(org, "mentorship_resume", mentorship, mentor.user)


def test_a_paused_mentorship_takes_no_bookings_and_gets_no_reminders(org, pair):
    mentorship, mentor, _ = pair
    starts_at = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    with scope(organization=org.pk):
        services.check_in_book(
            organization=org, mentorship=mentorship, actor=mentor.user, starts_at=starts_at,
            duration=dt.timedelta(minutes=30),
        )  # fmt: skip
    act(org, "mentorship_pause", mentorship, mentor.user)
    mail.outbox.clear()
    with scope(organization=org.pk):
        assert (
            services.check_in_reminders_send(
                organization=org, now=starts_at - dt.timedelta(minutes=30)
            )
            == 0
        )
        with pytest.raises(DomainError):
            services.check_in_book(
                organization=org, mentorship=mentorship, actor=mentor.user,
                starts_at=starts_at + dt.timedelta(days=1), duration=dt.timedelta(minutes=30),
            )  # fmt: skip
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("goals_met", MentorshipStatus.COMPLETED),
        ("program_ended", MentorshipStatus.COMPLETED),
        ("no_time", MentorshipStatus.ENDED),
        ("not_a_fit", MentorshipStatus.ENDED),
    ],
)
def test_closing_completes_or_ends_by_reason(org, pair, reason, status):
    mentorship, mentor, _ = pair
    closed = act(org, "mentorship_close", mentorship, mentor.user, reason=reason, comment="x")
    assert closed.status == status
    assert closed.close_reason == reason and closed.closed_by == mentor
    assert closed.ended_on == timezone.localdate()
    with pytest.raises(DomainError) as again:
        act(org, "mentorship_close", mentorship, mentor.user, reason=reason)
    assert again.value.code == "conflict"


def test_other_needs_a_comment_and_a_reason_must_be_known(org, pair):
    mentorship, mentor, _ = pair
    with pytest.raises(DomainError) as other:
        act(org, "mentorship_close", mentorship, mentor.user, reason="other", comment=" ")
    assert other.value.field == "comment"
    with pytest.raises(DomainError) as unknown:
        act(org, "mentorship_close", mentorship, mentor.user, reason="bored")
    assert unknown.value.field == "reason"


def test_the_program_team_may_close_but_not_pause(org, pair, org_admin):
    mentorship, *_ = pair
    with pytest.raises(DomainError) as pause:
        act(org, "mentorship_pause", mentorship, org_admin)
    assert pause.value.code == "permission_denied"
    closed = act(org, "mentorship_close", mentorship, org_admin, reason="program_ended")
    assert closed.status == MentorshipStatus.COMPLETED and closed.closed_by is None


def test_a_plain_member_of_the_organization_may_do_nothing(org, pair):
    mentorship, *_ = pair
    outsider = MembershipFactory(organization=org, role=Role.MEMBER).user
    for action, options in (
        ("mentorship_pause", {}),
        ("mentorship_close", {"reason": "no_time"}),
        ("mentorship_request_rematch", {"reason": "x"}),
    ):
        with pytest.raises(DomainError) as refused:
            act(org, action, mentorship, outsider, **options)
        assert refused.value.code == "permission_denied"


def test_another_organizations_mentorship_is_not_found(other_org, pair):
    mentorship, mentor, _ = pair
    with pytest.raises(DomainError) as refused:
        act(other_org, "mentorship_pause", mentorship, mentor.user)
    assert refused.value.code == "not_found"


def test_a_rematch_request_reaches_the_program_team_once(
    org, pair, org_admin, django_capture_on_commit_callbacks
):
    mentorship, _, mentee = pair
    manager = MembershipFactory(organization=org, role=Role.PROGRAM_MANAGER).user
    MembershipFactory(organization=org, role=Role.HR_ANALYST)  # reads reports, matches no one
    with django_capture_on_commit_callbacks(execute=True):
        requested = act(
            org, "mentorship_request_rematch", mentorship, mentee.user, reason="Never free"
        )
    assert requested.rematch_requested_at is not None
    assert {m.to[0] for m in mail.outbox} == {org_admin.email, manager.email}
    assert all("Never free" in m.body and "Eli" in m.subject for m in mail.outbox)
    with scope(organization=org.pk):
        assert Notification.objects.for_org(org).count() == 2
    with pytest.raises(DomainError) as again:
        act(org, "mentorship_request_rematch", mentorship, mentee.user, reason="Still")
    assert again.value.code == "conflict"
    with pytest.raises(DomainError) as empty:
        act(org, "mentorship_request_rematch", mentorship, mentee.user, reason=" ")
    assert empty.value.field == "reason"
