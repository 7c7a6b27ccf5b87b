"""The mentorship's home: its members see the other person, the next check-in in both zones,
the plan, unread messages and one next action; anyone else, program staff included, gets 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from mentorships import services
from mentorships.models import Goal, GoalStatus, LearningPath, Message, PathStage
from tests.conftest import login
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org)


def detail_url(org, mentorship):
    return reverse("mentorships:detail", args=[org.slug, mentorship.pk])


def test_a_mentee_sees_the_mentor_and_is_asked_to_book_the_first_check_in(client, org, pair):
    mentorship, _mentor, mentee = pair
    response = login(client, mentee.user).get(detail_url(org, mentorship))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kenji Watanabe" in page
    assert "Engineering" in page
    assert "Japan" in page
    # Both speak English; only the mentor speaks Japanese.
    home = response.context["home"]
    (other,) = home.others
    assert other.is_mentor
    assert other.shared_languages == ["English"]
    assert other.languages == ["Japanese", "English"]
    assert "Book your first check-in" in page
    assert reverse("mentorships:book", args=[org.slug, mentorship.pk]) in page
    assert home.next_action == "book_first"


def test_the_next_check_in_shows_in_the_viewers_zone_and_the_others(client, org, pair):
    mentorship, mentor, mentee = pair
    starts = (timezone.now() + dt.timedelta(days=3)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )  # 00:00 UTC is 9:00 in Tokyo and 21:00 the day before in São Paulo
    with scope(organization=org.pk):
        services.check_in_book(
            organization=org,
            mentorship=mentorship,
            actor=mentor.user,
            starts_at=starts,
            duration=dt.timedelta(minutes=45),
            location="https://meet.example.com/abc",
        )
    response = login(client, mentee.user).get(detail_url(org, mentorship))
    times = response.context["home"].next_check_in_times
    assert [(t.zone_label, t.clock) for t in times] == [("Sao Paulo", "21:00"), ("Tokyo", "9:00")]
    assert times[0].at.date() == (starts - dt.timedelta(days=1)).date()
    assert response.context["home"].next_action == "prepare"
    assert "https://meet.example.com/abc" in response.content.decode()


def test_the_home_counts_open_goals_and_unread_messages_and_names_the_path_stage(client, org, pair):
    mentorship, mentor, mentee = pair
    for title, status in [("Speak up", GoalStatus.IN_PROGRESS), ("Read", GoalStatus.DONE)]:
        Goal.objects.create(
            organization=org, mentorship=mentorship, title=title, status=status, proposed_by=mentor
        )
    Message.objects.create(organization=org, mentorship=mentorship, author=mentor, body="Hola")
    path = LearningPath.objects.create(
        organization=org, program=mentorship.cohort.program, name={"en": "Path"}
    )
    PathStage.objects.create(organization=org, path=path, position=0, title={"en": "Get to know"})
    PathStage.objects.create(
        organization=org, path=path, position=1, title={"en": "Later"}, opens_after_check_ins=3
    )
    response = login(client, mentee.user).get(detail_url(org, mentorship))
    home = response.context["home"]
    assert (home.goals.open, home.goals.done) == (1, 1)
    assert home.unread == 1
    assert (home.stage.position, home.stage.total) == (1, 2)
    assert response.context["stage_title"] == "Get to know"
    # The mentor wrote it, so it is not unread for them.
    assert login(client, mentor.user).get(detail_url(org, mentorship)).context["home"].unread == 0


def test_the_tabs_link_the_overview_and_the_check_ins(client, org, pair):
    mentorship, _mentor, mentee = pair
    page = login(client, mentee.user).get(detail_url(org, mentorship)).content.decode()
    assert 'aria-current="page"' in page
    assert reverse("mentorships:check_ins", args=[org.slug, mentorship.pk]) in page


@pytest.mark.parametrize("role", ["member", "admin", "program_manager", "owner"])
def test_someone_outside_the_mentorship_gets_404_whatever_their_role(client, org, pair, role):
    mentorship, _mentor, _mentee = pair
    stranger = member_of(org, f"{role}@acme.test", role=role)
    assert login(client, stranger).get(detail_url(org, mentorship)).status_code == 404


def test_a_mentorship_of_another_organization_is_not_found(client, org, other_org, pair):
    mentorship, _mentor, mentee = pair
    elsewhere = reverse("mentorships:detail", args=[other_org.slug, mentorship.pk])
    assert login(client, mentee.user).get(elsewhere).status_code == 404


def test_the_home_reads_a_fixed_number_of_queries(client, org, pair, django_assert_max_num_queries):
    mentorship, mentor, mentee = pair
    for n in range(5):
        Goal.objects.create(
            organization=org, mentorship=mentorship, title=f"g{n}", proposed_by=mentor
        )
        Message.objects.create(organization=org, mentorship=mentorship, author=mentor, body="x")
    login(client, mentee.user)
    with django_assert_max_num_queries(20):
        assert client.get(detail_url(org, mentorship)).status_code == 200


def test_the_dashboard_card_asks_for_the_first_check_in_then_shows_the_next(client, org, pair):
    mentorship, mentor, mentee = pair
    login(client, mentee.user)
    page = client.get(reverse("dashboard", args=[org.slug])).content.decode()
    assert detail_url(org, mentorship) in page
    assert "Book your first check-in" in page
    assert reverse("mentorships:book", args=[org.slug, mentorship.pk]) in page
    with scope(organization=org.pk):
        services.check_in_book(
            organization=org,
            mentorship=mentorship,
            actor=mentor.user,
            starts_at=(timezone.now() + dt.timedelta(days=2)).replace(microsecond=0),
            duration=dt.timedelta(minutes=30),
        )
    page = client.get(reverse("dashboard", args=[org.slug])).content.decode()
    assert "Book your first check-in" not in page
    assert "Next check-in:" in page
