"""The goal plan's guards, each by itself: a change touches its own goal or milestone and no
other, records exactly what changed, keeps to the limits, and the organization checks hold with
no tenant scope and no row-level security (the service's own filters alone). Written for
`scripts/mutate mentorships/services/goals.py` (docs/testing.md, fourth round)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from mentorships import services
from mentorships.models import Goal, GoalChange, GoalStatus, MentorshipStatus, Milestone
from mentorships.services import goals
from notifications.models import Notification
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def _pair(organization):
    cohort = CohortFactory(program=ProgramFactory(organization=organization))
    mentor = ParticipantFactory(cohort=cohort, role="mentor", user=UserFactory(), full_name="Mia")
    mentee = ParticipantFactory(cohort=cohort, role="mentee", user=UserFactory(), full_name="Eli")
    with scope(organization=organization.pk):
        mentorship = services.mentorship_create_from_match(
            organization=organization, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
    return mentorship, mentor, mentee


@pytest.fixture
def pair(org):
    return _pair(org)


def call(org, function, **kwargs):
    with scope(organization=org.pk):
        return function(organization=org, **kwargs)


def propose(org, mentorship, user, title="Run a workshop", **options):
    return call(org, goals.goal_propose, mentorship=mentorship, actor=user, title=title, **options)


def changes(goal):
    with scopes_disabled():
        return list(
            GoalChange.objects.filter(goal=goal).order_by("pk").values_list("action", "detail")
        )


def fresh(model, row):
    with scopes_disabled():
        return model.objects.get(pk=row.pk)


def test_a_title_is_tidied_and_may_be_exactly_the_longest(org, pair):
    mentorship, mentor, _ = pair
    goal = propose(org, mentorship, mentor.user, title="  Run   a\n workshop ")
    longest = propose(org, mentorship, mentor.user, title="x" * goals.TITLE_MAX)

    assert goal.title == "Run a workshop"
    assert longest.title == "x" * 200
    with pytest.raises(DomainError) as refused:
        propose(org, mentorship, mentor.user, title="x" * 201)
    assert "201" in str(refused.value)


def test_today_is_a_fine_target_date_and_details_may_be_exactly_the_longest(org, pair):
    mentorship, mentor, _ = pair
    goal = propose(
        org,
        mentorship,
        mentor.user,
        target_date=timezone.localdate(),
        description="d" * goals.DESCRIPTION_MAX,
    )
    assert goal.target_date == timezone.localdate()
    assert goal.description == "d" * 4000


def test_goals_are_numbered_in_the_order_they_are_proposed_up_to_the_limit(org, pair, monkeypatch):
    mentorship, mentor, mentee = pair
    other, other_mentor, _ = _pair(org)
    propose(org, other, other_mentor.user)  # another mentorship's goal counts for nothing
    monkeypatch.setattr(goals, "GOALS_MAX", 3)

    made = [propose(org, mentorship, user) for user in (mentor.user, mentee.user, mentor.user)]
    with pytest.raises(DomainError) as full:
        propose(org, mentorship, mentee.user)

    assert [goal.position for goal in made] == [1, 2, 3]
    assert "3" in str(full.value)


def test_only_the_other_members_are_told_of_a_proposal(
    org, pair, django_capture_on_commit_callbacks
):
    mentorship, mentor, mentee = pair
    with django_capture_on_commit_callbacks(execute=True):
        goal = propose(org, mentorship, mentee.user)

    with scopes_disabled():
        told = list(Notification.objects.values_list("user_id", "idempotency_key"))
    assert told == [(mentor.user_id, f"goal-proposed:{goal.pk}:{mentor.pk}")]
    assert changes(goal) == [("created", {"title": "Run a workshop"})]


def test_an_edit_records_exactly_what_changed_and_nothing_when_nothing_did(org, pair):
    mentorship, mentor, mentee = pair
    goal = propose(org, mentorship, mentor.user, description="Plan")
    untouched = propose(org, mentorship, mentor.user, title="Another")

    def edit(**fields):
        values = {"title": goal.title, "description": "Plan", "target_date": None, **fields}
        return call(org, goals.goal_update, goal=goal, actor=mentee.user, **values)

    edit(description=" Plan ")  # the same once tidied
    edit(title="Run two workshops")
    edit(title="Run two workshops", description="A better plan")
    day = timezone.localdate() + dt.timedelta(days=7)
    edit(title="Run two workshops", description="A better plan", target_date=day)

    assert changes(goal)[1:] == [
        ("edited", {"title": "Run two workshops"}),
        ("edited", {"description": True}),
        ("edited", {"target_date": day.isoformat()}),
    ]
    saved = fresh(Goal, goal)
    assert (saved.title, saved.description, saved.target_date) == (
        "Run two workshops",
        "A better plan",
        day,
    )
    assert fresh(Goal, untouched).title == "Another"
    with pytest.raises(DomainError) as long:
        edit(description="d" * 4001)
    assert long.value.field == "description"


def test_an_edit_needs_a_member_and_an_open_mentorship(org, pair, org_admin):
    mentorship, mentor, _ = pair
    goal = propose(org, mentorship, mentor.user)
    fields = {"title": "New", "description": "", "target_date": None}
    with pytest.raises(DomainError) as outsider:
        call(org, goals.goal_update, goal=goal, actor=org_admin, **fields)
    assert outsider.value.code == "permission_denied"
    mentorship.status = MentorshipStatus.COMPLETED
    mentorship.save(update_fields=["status"])
    for attempt in (
        lambda: call(org, goals.goal_update, goal=goal, actor=mentor.user, **fields),
        lambda: call(org, goals.goal_set_status, goal=goal, actor=mentor.user, status="done"),
        lambda: call(org, goals.milestone_add, goal=goal, actor=mentor.user, title="M"),
        lambda: call(org, goals.goal_move, goal=goal, actor=mentor.user, up=True),
    ):
        with pytest.raises(DomainError) as closed:
            attempt()
        assert closed.value.code == "conflict"
    assert fresh(Goal, goal).title == "Run a workshop"


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (GoalStatus.PROPOSED, GoalStatus.IN_PROGRESS),
        (GoalStatus.PROPOSED, GoalStatus.DONE),
        (GoalStatus.PROPOSED, GoalStatus.DROPPED),
        (GoalStatus.IN_PROGRESS, GoalStatus.DONE),
        (GoalStatus.IN_PROGRESS, GoalStatus.DROPPED),
        (GoalStatus.DONE, GoalStatus.IN_PROGRESS),
        (GoalStatus.DROPPED, GoalStatus.IN_PROGRESS),
    ],
)
def test_every_move_of_the_plan_is_allowed_and_recorded(org, pair, start, to):
    mentorship, mentor, _ = pair
    goal = propose(org, mentorship, mentor.user)
    with scopes_disabled():
        Goal.objects.filter(pk=goal.pk).update(status=start)

    moved = call(org, goals.goal_set_status, goal=goal, actor=mentor.user, status=to)

    assert moved.status == fresh(Goal, goal).status == to
    assert changes(goal)[-1] == ("status", {"old": start, "new": to})


def test_milestones_are_numbered_up_to_the_limit_of_their_own_goal(org, pair, monkeypatch):
    mentorship, mentor, _ = pair
    goal = propose(org, mentorship, mentor.user)
    other_goal = propose(org, mentorship, mentor.user, title="Other")
    call(org, goals.milestone_add, goal=other_goal, actor=mentor.user, title="Elsewhere")
    monkeypatch.setattr(goals, "MILESTONES_MAX", 2)

    first = call(org, goals.milestone_add, goal=goal, actor=mentor.user, title=" Draft  it ")
    second = call(org, goals.milestone_add, goal=goal, actor=mentor.user, title="Send it")
    with pytest.raises(DomainError) as full:
        call(org, goals.milestone_add, goal=goal, actor=mentor.user, title="Too many")

    assert (first.title, first.position, second.position) == ("Draft it", 1, 2)
    assert "2" in str(full.value)
    assert changes(goal)[1:] == [
        ("milestone_added", {"title": "Draft it"}),
        ("milestone_added", {"title": "Send it"}),
    ]


def test_ticking_a_milestone_twice_changes_it_once_and_unticking_clears_who(org, pair):
    mentorship, mentor, mentee = pair
    goal = propose(org, mentorship, mentor.user)
    milestone = call(org, goals.milestone_add, goal=goal, actor=mentor.user, title="One")
    neighbour = call(org, goals.milestone_add, goal=goal, actor=mentor.user, title="Two")

    def tick(done):
        return call(
            org, goals.milestone_set_done, milestone=milestone, actor=mentee.user, done=done
        )

    tick(True)
    tick(True)
    done = fresh(Milestone, milestone)
    assert done.done_at is not None and done.done_by_id == mentee.pk
    assert fresh(Milestone, neighbour).done_at is None
    tick(False)
    tick(False)
    reopened = fresh(Milestone, milestone)
    assert (reopened.done_at, reopened.done_by_id) == (None, None)
    assert [action for action, _detail in changes(goal)] == [
        "created",
        "milestone_added",
        "milestone_added",
        "milestone_done",
        "milestone_reopened",
    ]


def test_a_milestone_needs_a_member_and_an_open_mentorship(org, pair, org_admin):
    mentorship, mentor, _ = pair
    goal = propose(org, mentorship, mentor.user)
    milestone = call(org, goals.milestone_add, goal=goal, actor=mentor.user, title="One")
    with pytest.raises(DomainError) as outsider:
        call(org, goals.milestone_set_done, milestone=milestone, actor=org_admin, done=True)
    assert outsider.value.code == "permission_denied"
    mentorship.status = MentorshipStatus.ENDED
    mentorship.save(update_fields=["status"])
    with pytest.raises(DomainError) as closed:
        call(org, goals.milestone_set_done, milestone=milestone, actor=mentor.user, done=True)
    assert closed.value.code == "conflict"
    assert fresh(Milestone, milestone).done_at is None


def test_moving_a_goal_swaps_it_with_its_neighbour_and_stops_at_the_edges(org, pair):
    mentorship, mentor, _ = pair
    first, second, third = (
        propose(org, mentorship, mentor.user, title=title) for title in ("A", "B", "C")
    )
    other, other_mentor, _ = _pair(org)
    elsewhere = propose(org, other, other_mentor.user, title="Elsewhere")

    def order():
        with scopes_disabled():
            return list(
                Goal.objects.filter(mentorship=mentorship)
                .order_by("position")
                .values_list("title", "position")
            )

    def move(goal, up):
        return call(org, goals.goal_move, goal=goal, actor=mentor.user, up=up)

    assert move(third, up=True).position == 2
    assert order() == [("A", 1), ("C", 2), ("B", 3)]
    move(first, up=False)
    assert order() == [("C", 1), ("A", 2), ("B", 3)]
    assert move(second, up=False).position == 3  # the last stays last
    move(third, up=True)
    assert move(third, up=True).position == 1  # the first stays first
    assert order() == [("C", 1), ("A", 2), ("B", 3)]
    assert fresh(Goal, elsewhere).position == 1


def test_another_organizations_goal_and_milestone_are_refused_with_no_scope_and_no_rls(
    org, other_org, settings
):
    settings.MERIDIAN_ROW_LEVEL_SECURITY = False
    mentorship, mentor, _ = _pair(other_org)
    goal = propose(other_org, mentorship, mentor.user)
    milestone = call(other_org, goals.milestone_add, goal=goal, actor=mentor.user, title="One")
    fields = {"title": "Taken", "description": "", "target_date": None}

    with scopes_disabled():
        for attempt in (
            lambda: goals.goal_propose(
                organization=org, mentorship=mentorship, actor=mentor.user, title="Mine"
            ),
            lambda: goals.goal_update(organization=org, goal=goal, actor=mentor.user, **fields),
            lambda: goals.goal_set_status(
                organization=org, goal=goal, actor=mentor.user, status="done"
            ),
            lambda: goals.milestone_add(organization=org, goal=goal, actor=mentor.user, title="M"),
            lambda: goals.milestone_set_done(
                organization=org, milestone=milestone, actor=mentor.user, done=True
            ),
            lambda: goals.goal_move(organization=org, goal=goal, actor=mentor.user, up=True),
        ):
            with pytest.raises(DomainError) as refused:
                attempt()
            assert refused.value.code == "not_found"
    saved = fresh(Goal, goal)
    assert (saved.title, saved.status) == ("Run a workshop", GoalStatus.PROPOSED)
    assert fresh(Milestone, milestone).done_at is None
    with scopes_disabled():
        assert Goal.objects.filter(mentorship=mentorship).count() == 1


def test_the_notice_of_a_proposal_speaks_each_members_own_language(
    org, pair, django_capture_on_commit_callbacks
):
    mentorship, mentor, mentee = pair
    mentee.user.language = "es"
    mentee.user.save(update_fields=["language"])

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        propose(org, mentorship, mentor.user)

    with scopes_disabled():
        [notice] = Notification.objects.filter(user=mentee.user)
    assert notice.text == "Mia ha propuesto un objetivo: Run a workshop"


def test_only_a_member_moves_a_goal(org, pair, org_admin):
    mentorship, mentor, _ = pair
    first = propose(org, mentorship, mentor.user, title="A")
    second = propose(org, mentorship, mentor.user, title="B")

    with pytest.raises(DomainError) as outsider:
        call(org, goals.goal_move, goal=second, actor=org_admin, up=True)

    assert outsider.value.code == "permission_denied"
    assert (fresh(Goal, first).position, fresh(Goal, second).position) == (1, 2)


def test_details_are_measured_as_stored_on_proposal_as_on_an_edit(org, pair):
    mentorship, mentor, _ = pair
    padded = " " + "d" * goals.DESCRIPTION_MAX + " "

    goal = propose(org, mentorship, mentor.user, description=padded)

    assert goal.description == "d" * goals.DESCRIPTION_MAX
