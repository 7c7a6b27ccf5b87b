"""Goals and milestones: either side proposes and changes them, every change is recorded with
who made it, and only the mentorship's members touch them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope

from core.errors import DomainError
from mentorships import services
from mentorships.models import GoalStatus, MentorshipStatus
from mentorships.selectors import goals as goal_selectors
from mentorships.services import goals
from notifications.models import Notification
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
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


def call(org, function, **kwargs):
    with scope(organization=org.pk):
        return function(organization=org, **kwargs)


def propose(org, mentorship, user, title="Run a workshop", **options):
    return call(org, goals.goal_propose, mentorship=mentorship, actor=user, title=title, **options)


def history(org, mentorship):
    with scope(organization=org.pk):
        return [
            (change.actor.full_name, change.action, change.detail)
            for change in reversed(
                list(goal_selectors.goal_history(organization=org, mentorship=mentorship))
            )
        ]


def test_either_side_proposes_and_the_other_is_told(org, pair, django_capture_on_commit_callbacks):
    mentorship, mentor, mentee = pair
    with django_capture_on_commit_callbacks(execute=True):
        goal = propose(org, mentorship, mentee.user, title="  Run   a workshop ")
    assert goal.title == "Run a workshop" and goal.status == GoalStatus.PROPOSED
    assert goal.proposed_by == mentee
    with scope(organization=org.pk):
        notices = list(Notification.objects.for_org(org).values_list("user__email", "text"))
    assert notices == [("m@acme.test", "Eli proposed a goal: Run a workshop")]
    second = propose(org, mentorship, mentor.user, title="Give feedback")
    assert second.position == goal.position + 1


def test_every_change_is_recorded_with_who_made_it(org, pair):
    mentorship, mentor, mentee = pair
    goal = propose(org, mentorship, mentee.user)
    call(org, goals.goal_set_status, goal=goal, actor=mentor.user, status=GoalStatus.IN_PROGRESS)
    milestone = call(org, goals.milestone_add, goal=goal, actor=mentee.user, title="Draft agenda")
    call(org, goals.milestone_set_done, milestone=milestone, actor=mentor.user, done=True)
    call(org, goals.milestone_set_done, milestone=milestone, actor=mentor.user, done=True)
    target = timezone.localdate() + dt.timedelta(days=30)
    call(
        org, goals.goal_update, goal=goal, actor=mentee.user, title="Run a workshop",
        description="For the sales team", target_date=target,
    )  # fmt: skip
    call(org, goals.goal_set_status, goal=goal, actor=mentee.user, status=GoalStatus.DONE)
    assert history(org, mentorship) == [
        ("Eli", "created", {"title": "Run a workshop"}),
        ("Mia", "status", {"old": "proposed", "new": "in_progress"}),
        ("Eli", "milestone_added", {"title": "Draft agenda"}),
        ("Mia", "milestone_done", {"title": "Draft agenda"}),  # the repeated tick adds nothing
        ("Eli", "edited", {"description": True, "target_date": target.isoformat()}),
        ("Eli", "status", {"old": "in_progress", "new": "done"}),
    ]
    milestone.refresh_from_db()
    assert milestone.done_by == mentor and milestone.done_at is not None


def test_progress_counts_done_milestones_and_open_goals(org, pair):
    mentorship, mentor, _ = pair
    goal = propose(org, mentorship, mentor.user)
    first = call(org, goals.milestone_add, goal=goal, actor=mentor.user, title="One")
    call(org, goals.milestone_add, goal=goal, actor=mentor.user, title="Two")
    call(org, goals.milestone_set_done, milestone=first, actor=mentor.user, done=True)
    late = propose(org, mentorship, mentor.user, title="Late")
    late.target_date = timezone.localdate() - dt.timedelta(days=1)
    late.save(update_fields=["target_date"])
    dropped = propose(org, mentorship, mentor.user, title="Dropped")
    call(org, goals.goal_set_status, goal=dropped, actor=mentor.user, status=GoalStatus.DROPPED)
    with scope(organization=org.pk):
        listed = {
            g.title: g for g in goal_selectors.goal_list(organization=org, mentorship=mentorship)
        }
        summary = goal_selectors.goal_summary(organization=org, mentorship=mentorship)
    assert (listed["Run a workshop"].milestones_done, listed["Run a workshop"].milestone_count) == (
        1,
        2,
    )
    assert (summary.open, summary.done, summary.overdue) == (2, 0, 1)


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (GoalStatus.DONE, GoalStatus.PROPOSED),
        (GoalStatus.DONE, GoalStatus.DROPPED),
        (GoalStatus.DROPPED, GoalStatus.DONE),
        (GoalStatus.IN_PROGRESS, GoalStatus.PROPOSED),
        (GoalStatus.PROPOSED, "finished"),
    ],
)
def test_statuses_move_only_along_the_plan(org, pair, start, to):
    mentorship, mentor, _ = pair
    goal = propose(org, mentorship, mentor.user)
    goal.status = start
    goal.save(update_fields=["status"])
    with pytest.raises(DomainError) as refused:
        call(org, goals.goal_set_status, goal=goal, actor=mentor.user, status=to)
    assert refused.value.field == "status"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "x" * 4001}, "description"),
        ({"target_date": dt.date(2020, 1, 1)}, "target_date"),
    ],
)
def test_bad_goals_are_refused_on_their_field(org, pair, options, field):
    mentorship, mentor, _ = pair
    with pytest.raises(DomainError) as refused:
        propose(org, mentorship, mentor.user, **options)
    assert refused.value.field == field


def test_only_members_and_only_open_mentorships(org, pair, org_admin):
    mentorship, mentor, _ = pair
    goal = propose(org, mentorship, mentor.user)
    with pytest.raises(DomainError) as outsider:
        propose(org, mentorship, org_admin)
    assert outsider.value.code == "permission_denied"
    with pytest.raises(DomainError):
        call(org, goals.goal_set_status, goal=goal, actor=org_admin, status=GoalStatus.DONE)
    mentorship.status = MentorshipStatus.ENDED
    mentorship.save(update_fields=["status"])
    with pytest.raises(DomainError) as closed:
        propose(org, mentorship, mentor.user)
    assert closed.value.code == "conflict"


def test_another_organizations_goals_are_not_found(org, other_org, pair):
    mentorship, mentor, _ = pair
    goal = propose(org, mentorship, mentor.user)
    milestone = call(org, goals.milestone_add, goal=goal, actor=mentor.user, title="One")
    with pytest.raises(DomainError) as refused:
        call(other_org, goals.goal_set_status, goal=goal, actor=mentor.user, status="done")
    assert refused.value.code == "not_found"
    with pytest.raises(DomainError):
        call(other_org, goals.milestone_set_done, milestone=milestone, actor=mentor.user, done=True)
    with pytest.raises(DomainError):
        call(other_org, goal_selectors.goal_get, goal_id=goal.pk)
