"""The goals page: the plan with progress, proposing with refusals beside their fields, moving a
goal along, milestones added and ticked in place (htmx answers with the plan region only), overdue
goals marked, and the history in words. Only the pair reaches it: program staff get 404 and never
see a goal's text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from mentorships.models import Goal, GoalStatus, Milestone
from mentorships.services import goals as goal_services
from organizations.models import Role
from tests.conftest import login
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org, windows=False)


def goals_url(org, mentorship):
    return reverse("mentorships:goals", args=[org.slug, mentorship.pk])


def a_goal(org, mentorship, person, title="Run a workshop", **fields):
    with scope(organization=org.pk):
        return goal_services.goal_propose(
            organization=org, mentorship=mentorship, actor=person.user, title=title, **fields
        )


def test_a_member_proposes_a_goal_and_both_see_it_with_who_proposed_it(client, org, pair):
    mentorship, mentor, mentee = pair
    response = login(client, mentee.user).post(
        goals_url(org, mentorship),
        {"new-title": "Run a workshop", "new-description": "For the sales team"},
    )
    assert response.status_code == 302
    page = login(client, mentor.user).get(goals_url(org, mentorship)).content.decode()
    assert "Run a workshop" in page
    assert "Proposed by Ana Souza" in page
    assert "Ana Souza proposed &#x27;Run a workshop&#x27;" in page


def test_a_goal_without_a_title_or_with_a_past_date_is_refused_beside_the_field(client, org, pair):
    mentorship, _mentor, mentee = pair
    login(client, mentee.user)
    empty = client.post(goals_url(org, mentorship), {"new-title": "  "})
    assert empty.status_code == 400
    assert empty.context["propose_form"].errors["title"]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    past = client.post(
        goals_url(org, mentorship),
        {"new-title": "Ship it", "new-target_date": yesterday.isoformat()},
        HTTP_HX_REQUEST="true",
    )
    assert past.status_code == 200
    assert past.templates[0].name == "mentorships/goals_plan.html"
    assert past.context["propose_form"].errors["target_date"] == ["Choose a date from today on."]
    with scope(organization=org.pk):
        assert not Goal.objects.exists()


def test_milestones_are_added_and_ticked_with_htmx_and_say_who_ticked_them(client, org, pair):
    mentorship, mentor, mentee = pair
    goal = a_goal(org, mentorship, mentee)
    login(client, mentee.user)
    added = client.post(
        reverse("mentorships:milestone_add", args=[org.slug, goal.pk]),
        {f"milestone-{goal.pk}-title": "Draft the agenda"},
        HTTP_HX_REQUEST="true",
    )
    assert added.templates[0].name == "mentorships/goals_plan.html"
    with scope(organization=org.pk):
        milestone = Milestone.objects.get(goal=goal)
    login(client, mentor.user)
    ticked = client.post(
        reverse("mentorships:milestone_done", args=[org.slug, milestone.pk]),
        {"done": "1"},
        HTTP_HX_REQUEST="true",
    )
    page = ticked.content.decode()
    assert 'id="goals-plan"' in page and "<html" not in page
    assert "ticked by Kenji Watanabe" in page
    assert "Kenji Watanabe ticked &#x27;Draft the agenda&#x27;" in page
    assert 'aria-valuenow="1"' in page
    unticked = client.post(
        reverse("mentorships:milestone_done", args=[org.slug, milestone.pk]),
        HTTP_HX_REQUEST="true",
    )
    assert "ticked by" not in unticked.content.decode()
    with scope(organization=org.pk):
        milestone.refresh_from_db()
        assert milestone.done_at is None


def test_a_milestone_without_a_title_is_refused_beside_the_field(client, org, pair):
    mentorship, _mentor, mentee = pair
    goal = a_goal(org, mentorship, mentee)
    response = login(client, mentee.user).post(
        reverse("mentorships:milestone_add", args=[org.slug, goal.pk]),
        {f"milestone-{goal.pk}-title": ""},
    )
    assert response.status_code == 400
    row = response.context["rows"][0]
    assert row.milestone_form.errors["title"]


def test_a_goal_moves_along_its_statuses_and_the_history_says_so(client, org, pair):
    mentorship, _mentor, mentee = pair
    goal = a_goal(org, mentorship, mentee)
    status_url = reverse("mentorships:goal_status", args=[org.slug, goal.pk])
    login(client, mentee.user)
    client.post(status_url, {"status": GoalStatus.IN_PROGRESS})
    done = client.post(status_url, {"status": GoalStatus.DONE}, HTTP_HX_REQUEST="true")
    page = done.content.decode()
    assert "Ana Souza marked &#x27;Run a workshop&#x27; done" in page
    assert "Ana Souza started &#x27;Run a workshop&#x27;" in page
    # Done goes back only to in progress: a jump to dropped is refused on the goal.
    refused = client.post(status_url, {"status": GoalStatus.DROPPED})
    assert refused.status_code == 400
    assert "cannot go from" in refused.context["rows"][0].status_error
    with scope(organization=org.pk):
        goal.refresh_from_db()
        assert goal.status == GoalStatus.DONE


def test_editing_a_goal_saves_it_and_an_empty_title_keeps_the_form_open(client, org, pair):
    mentorship, mentor, mentee = pair
    goal = a_goal(org, mentorship, mentee)
    edit_url = reverse("mentorships:goal_edit", args=[org.slug, goal.pk])
    login(client, mentor.user)
    refused = client.post(edit_url, {f"goal-{goal.pk}-title": ""}, HTTP_HX_REQUEST="true")
    row = refused.context["rows"][0]
    assert row.editing and row.edit_form.errors["title"]
    client.post(edit_url, {f"goal-{goal.pk}-title": "Run two workshops"})
    with scope(organization=org.pk):
        goal.refresh_from_db()
        assert goal.title == "Run two workshops"
    page = client.get(goals_url(org, mentorship)).content.decode()
    assert "Kenji Watanabe edited &#x27;Run two workshops&#x27;" in page


def test_an_open_goal_past_its_target_date_is_marked_overdue(client, org, pair):
    mentorship, _mentor, mentee = pair
    goal = a_goal(org, mentorship, mentee, target_date=timezone.localdate())
    with scope(organization=org.pk):
        Goal.objects.filter(pk=goal.pk).update(
            target_date=timezone.localdate() - dt.timedelta(days=3)
        )
    response = login(client, mentee.user).get(goals_url(org, mentorship))
    assert response.context["rows"][0].is_overdue
    assert response.context["summary"].overdue == 1
    assert "Overdue" in response.content.decode()


def test_the_history_shows_times_in_the_viewers_zone(client, org, pair):
    mentorship, mentor, mentee = pair
    a_goal(org, mentorship, mentee)
    tokyo = login(client, mentor.user).get(goals_url(org, mentorship)).context["history"]
    sao_paulo = login(client, mentee.user).get(goals_url(org, mentorship)).context["history"]
    assert str(tokyo[0].at.tzinfo) == "Asia/Tokyo"
    assert str(sao_paulo[0].at.tzinfo) == "America/Sao_Paulo"
    assert tokyo[0].at == sao_paulo[0].at


def test_an_empty_plan_says_what_to_do_next(client, org, pair):
    mentorship, _mentor, mentee = pair
    page = login(client, mentee.user).get(goals_url(org, mentorship)).content.decode()
    assert "No goals yet" in page and "Propose a first goal" in page


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PROGRAM_MANAGER, Role.ADMIN, Role.OWNER])
def test_anyone_outside_the_pair_gets_404_and_never_a_goals_text(client, org, pair, role):
    mentorship, _mentor, mentee = pair
    goal = a_goal(org, mentorship, mentee, title="Secret ambition")
    with scope(organization=org.pk):
        milestone = goal_services.milestone_add(
            organization=org, goal=goal, actor=mentee.user, title="Hidden step"
        )
    login(client, member_of(org, f"{role}@acme.test", role=role))
    responses = [
        client.get(goals_url(org, mentorship)),
        client.post(goals_url(org, mentorship), {"new-title": "Mine"}),
        client.post(
            reverse("mentorships:goal_edit", args=[org.slug, goal.pk]),
            {f"goal-{goal.pk}-title": "Hijacked"},
        ),
        client.post(
            reverse("mentorships:goal_status", args=[org.slug, goal.pk]), {"status": "dropped"}
        ),
        client.post(
            reverse("mentorships:milestone_add", args=[org.slug, goal.pk]),
            {f"milestone-{goal.pk}-title": "x"},
        ),
        client.post(
            reverse("mentorships:milestone_done", args=[org.slug, milestone.pk]), {"done": "1"}
        ),
    ]
    for response in responses:
        assert response.status_code == 404
        assert "Secret ambition" not in response.content.decode()
    with scope(organization=org.pk):
        goal.refresh_from_db()
        assert (goal.title, goal.status) == ("Secret ambition", GoalStatus.PROPOSED)
        assert Goal.objects.count() == 1


def test_goals_move_up_and_down_the_plan_and_stay_put_at_the_edges(client, org, pair):
    mentorship, _mentor, mentee = pair
    first = a_goal(org, mentorship, mentee, title="First")
    second = a_goal(org, mentorship, mentee, title="Second")
    third = a_goal(org, mentorship, mentee, title="Third")
    login(client, mentee.user)

    def order():
        page = client.get(goals_url(org, mentorship))
        return [row.goal.title for row in page.context["rows"]]

    moved = client.post(
        reverse("mentorships:goal_move", args=[org.slug, third.pk]),
        {"direction": "up"},
        HTTP_HX_REQUEST="true",
    )
    assert [row.goal.title for row in moved.context["rows"]] == ["First", "Third", "Second"]
    client.post(reverse("mentorships:goal_move", args=[org.slug, first.pk]), {"direction": "down"})
    assert order() == ["Third", "First", "Second"]
    client.post(reverse("mentorships:goal_move", args=[org.slug, second.pk]), {"direction": "down"})
    client.post(reverse("mentorships:goal_move", args=[org.slug, third.pk]), {"direction": "up"})
    assert order() == ["Third", "First", "Second"]


def test_only_the_pair_reorders_its_goals(client, org, pair):
    mentorship, _mentor, mentee = pair
    first = a_goal(org, mentorship, mentee, title="First")
    a_goal(org, mentorship, mentee, title="Second")
    login(client, member_of(org, "pm@acme.test", role=Role.PROGRAM_MANAGER))
    response = client.post(
        reverse("mentorships:goal_move", args=[org.slug, first.pk]), {"direction": "down"}
    )
    assert response.status_code == 404
    with scope(organization=org.pk):
        assert list(Goal.objects.order_by("position").values_list("title", flat=True)) == [
            "First",
            "Second",
        ]
