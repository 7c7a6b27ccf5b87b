"""The engagement API (`/api/v1/mentorships/`, `/check-ins/`, `/goals/`, `/messages/`): members
read and write their own mentorships with the pages' rules; program staff and API keys read
metadata only, never what a pair wrote; another mentorship's or organization's ids are 404."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from rest_framework.test import APIClient

from mentorships import services
from mentorships.models import (
    CheckIn,
    CheckInRecord,
    CheckInStatus,
    Goal,
    GoalStatus,
    MentorshipStatus,
    Message,
    Milestone,
)
from mentorships.services import goals as goal_services
from mentorships.services import messages as message_services
from organizations.models import OrganizationAPIKey, Role
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# What a pair writes. None of it may reach program staff or an API key.
AGENDA = "AGENDA-private-quarterly-plan"
LOCATION = "https://meet.example.com/private-room"
COMMENT = "COMMENT-private-he-seemed-tired"
CANCEL_REASON = "REASON-private-family-matter"
GOAL_TITLE = "GOAL-private-leave-the-company"
GOAL_DETAILS = "DETAILS-private-salary-talk"
MILESTONE_TITLE = "MILESTONE-private-update-cv"
MESSAGE_BODY = "BODY-private-thanks-for-listening"
PRIVATE_TEXTS = (
    AGENDA,
    LOCATION,
    COMMENT,
    CANCEL_REASON,
    GOAL_TITLE,
    GOAL_DETAILS,
    MILESTONE_TITLE,
    MESSAGE_BODY,
)
LISTS = ("/api/v1/mentorships/", "/api/v1/check-ins/", "/api/v1/goals/", "/api/v1/messages/")
CHECK_IN_PRIVATE_KEYS = {"agenda", "location", "cancel_reason", "my_record"}
GOAL_PRIVATE_KEYS = {"title", "description", "proposed_by", "position", "milestones"}


@dataclass
class Pair:
    mentorship: Any
    mentor: Any
    mentee: Any
    upcoming: CheckIn
    past: CheckIn
    cancelled: CheckIn
    goal: Goal
    milestone: Milestone
    message: Message


def person(cohort, role: str, email: str, *, org_role: str = Role.MEMBER, **fields):
    """A participant with an account and a membership in the cohort's organization."""
    user = MembershipFactory(
        organization=cohort.organization, role=org_role, user=UserFactory(email=email)
    ).user
    return ParticipantFactory(cohort=cohort, role=role, email=email, user=user, **fields)


def next_monday_utc(hour: int, weeks: int = 1) -> dt.datetime:
    today = timezone.now().astimezone(dt.UTC).date()
    monday = today + dt.timedelta(days=7 - today.weekday() + 7 * (weeks - 1))
    return dt.datetime.combine(monday, dt.time(hour), tzinfo=dt.UTC)


def build_pair(org, tag: str, *, mentor=None, mentee=None) -> Pair:
    """A mentorship with a check-in to come, one held (with the mentor's record), one
    cancelled, a goal with a milestone, and a message from the mentee: each carrying private
    words."""
    cohort = mentor.cohort if mentor else CohortFactory(program=ProgramFactory(organization=org))
    mentor = mentor or person(cohort, "mentor", f"mentor-{tag}@acme.test")
    mentee = mentee or person(cohort, "mentee", f"mentee-{tag}@acme.test")
    with scope(organization=org.pk):
        mentorship = services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
        (upcoming,) = services.check_in_book(
            organization=org,
            mentorship=mentorship,
            actor=mentor.user,
            starts_at=next_monday_utc(10),
            duration=dt.timedelta(minutes=45),
            agenda=AGENDA,
            location=LOCATION,
        )
        (cancelled,) = services.check_in_book(
            organization=org,
            mentorship=mentorship,
            actor=mentor.user,
            starts_at=next_monday_utc(14),
            duration=dt.timedelta(minutes=45),
            agenda=AGENDA,
        )
        services.check_in_cancel(
            organization=org, check_in=cancelled, actor=mentee.user, reason=CANCEL_REASON
        )
        now = timezone.now()
        past = CheckIn.objects.create(
            organization=org,
            mentorship=mentorship,
            organizer=mentor,
            starts_at=now - dt.timedelta(days=2),
            ends_at=now - dt.timedelta(days=2) + dt.timedelta(hours=1),
            time_zone="Europe/London",
            agenda=AGENDA,
            location=LOCATION,
            ical_uid=f"past-{tag}@meridian",
        )
        services.check_in_record(
            organization=org,
            check_in=past,
            actor=mentor.user,
            happened=True,
            rating=4,
            comment=COMMENT,
        )
        goal = goal_services.goal_propose(
            organization=org,
            mentorship=mentorship,
            actor=mentee.user,
            title=GOAL_TITLE,
            description=GOAL_DETAILS,
        )
        milestone = goal_services.milestone_add(
            organization=org, goal=goal, actor=mentee.user, title=MILESTONE_TITLE
        )
        message = message_services.message_post(
            organization=org, mentorship=mentorship, actor=mentee.user, body=MESSAGE_BODY
        )
    return Pair(mentorship, mentor, mentee, upcoming, past, cancelled, goal, milestone, message)


def as_user(user, org) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_X_ORGANIZATION=org.slug)
    return client


def with_key(org, scopes: list[str]) -> APIClient:
    client = APIClient()
    _key, raw = OrganizationAPIKey.objects.create_key(name="k", organization=org, scopes=scopes)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def signed_in(org, role: str) -> APIClient:
    """A fresh member of the organization in this role, in no mentorship."""
    user = MembershipFactory(organization=org, role=role, user=UserFactory()).user
    return as_user(user, org)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def pair(org) -> Pair:
    return build_pair(org, "a")


@pytest.fixture
def mentor_client(pair, org) -> APIClient:
    return as_user(pair.mentor.user, org)


@pytest.fixture
def mentee_client(pair, org) -> APIClient:
    return as_user(pair.mentee.user, org)


def field_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    return error["fields"]


# --- Members read their own mentorships in full ----------------------------------------------


def test_a_member_reads_their_mentorship_with_its_people_and_counts(pair, mentee_client):
    response = mentee_client.get("/api/v1/mentorships/")

    (row,) = response.json()["results"]
    assert row["id"] == pair.mentorship.pk
    assert row["program"] == pair.mentorship.cohort.program_id
    assert row["cohort"] == pair.mentorship.cohort_id
    assert row["status"] == "active"
    assert row["mentor"] == pair.mentor.pk
    assert row["mentees"] == [pair.mentee.pk]
    assert row["check_ins_held"] == 1
    assert row["check_ins_upcoming"] == 1  # the cancelled one counts nowhere
    assert dt.datetime.fromisoformat(row["last_check_in_at"]) == pair.past.starts_at
    assert row["average_rating"] == 4
    assert row["goals_open"] == 1
    assert row["goals_done"] == 0
    assert row["messages_count"] == 1
    # Their own message is read; the mentor has one unread.
    assert row["unread_messages"] == 0
    assert mentee_client.get(f"/api/v1/mentorships/{pair.mentorship.pk}/").json() == row


def test_the_other_member_counts_the_message_unread_until_marking_the_thread_read(
    pair, mentor_client
):
    detail = f"/api/v1/mentorships/{pair.mentorship.pk}/"
    assert mentor_client.get(detail).json()["unread_messages"] == 1

    response = mentor_client.post(
        "/api/v1/messages/read/", {"mentorship": pair.mentorship.pk}, format="json"
    )

    assert response.status_code == 204
    assert mentor_client.get(detail).json()["unread_messages"] == 0


def test_a_member_reads_agendas_places_and_only_their_own_record(pair, mentor_client, org):
    mentee_client = as_user(pair.mentee.user, org)

    mentor_rows = {
        row["id"]: row for row in mentor_client.get("/api/v1/check-ins/").json()["results"]
    }
    mentee_past = mentee_client.get(f"/api/v1/check-ins/{pair.past.pk}/").json()

    assert set(mentor_rows) == {pair.upcoming.pk, pair.past.pk, pair.cancelled.pk}
    past = mentor_rows[pair.past.pk]
    assert past["agenda"] == AGENDA
    assert past["location"] == LOCATION
    assert past["my_record"]["comment"] == COMMENT
    assert past["my_record"]["rating"] == 4
    assert past["records_count"] == 1
    assert past["happened"] is True
    assert mentor_rows[pair.cancelled.pk]["cancel_reason"] == CANCEL_REASON
    assert mentor_rows[pair.cancelled.pk]["status"] == "cancelled"
    assert mentor_rows[pair.upcoming.pk]["happened"] is None
    # The mentee sees the agenda, not the mentor's comment on the meeting.
    assert mentee_past["agenda"] == AGENDA
    assert mentee_past["my_record"] is None
    assert COMMENT not in json.dumps(mentee_past)


def test_a_member_reads_goals_with_their_words_and_milestones(pair, mentor_client):
    (goal,) = mentor_client.get("/api/v1/goals/").json()["results"]

    assert goal["title"] == GOAL_TITLE
    assert goal["description"] == GOAL_DETAILS
    assert goal["proposed_by"] == pair.mentee.pk
    assert goal["milestone_count"] == 1
    assert goal["milestones_done"] == 0
    assert [m["title"] for m in goal["milestones"]] == [MILESTONE_TITLE]


def test_a_member_reads_the_thread_of_their_mentorship(pair, mentor_client):
    (message,) = mentor_client.get(f"/api/v1/messages/?mentorship={pair.mentorship.pk}").json()[
        "results"
    ]

    assert message == {
        "id": pair.message.pk,
        "mentorship": pair.mentorship.pk,
        "author": pair.mentee.pk,
        "body": MESSAGE_BODY,
        "edited_at": None,
        "created_at": message["created_at"],
    }


# --- Another mentorship, another organization -----------------------------------------------


def test_a_member_of_another_mentorship_in_the_organization_gets_404_and_empty_lists(pair, org):
    other = build_pair(org, "b")
    outsider = as_user(other.mentee.user, org)

    for url in (
        f"/api/v1/mentorships/{pair.mentorship.pk}/",
        f"/api/v1/check-ins/{pair.upcoming.pk}/",
        f"/api/v1/goals/{pair.goal.pk}/",
    ):
        assert outsider.get(url).status_code == 404, url
    for url in (
        "/api/v1/mentorships/",
        "/api/v1/check-ins/",
        "/api/v1/goals/",
        "/api/v1/messages/",
    ):
        listed = ids(outsider.get(url))
        assert listed, url  # their own rows
        assert not listed & {
            pair.mentorship.pk,
            pair.upcoming.pk,
            pair.past.pk,
            pair.goal.pk,
            pair.message.pk,
        }, url
    filtered = outsider.get(f"/api/v1/messages/?mentorship={pair.mentorship.pk}")
    assert filtered.json()["results"] == []


def test_a_member_of_another_mentorship_cannot_write_to_it(pair, org):
    other = build_pair(org, "b")
    outsider = as_user(other.mentee.user, org)
    check_in, goal = pair.upcoming.pk, pair.goal.pk

    moves = [
        outsider.patch(
            f"/api/v1/check-ins/{check_in}/",
            {"starts_at": "2031-01-06T10:00:00Z"},
            format="json",
        ),
        outsider.post(f"/api/v1/check-ins/{check_in}/cancel/", {}, format="json"),
        outsider.post(f"/api/v1/check-ins/{pair.past.pk}/record/", {"happened": False}),
        outsider.put(f"/api/v1/goals/{goal}/", {"title": "hacked"}, format="json"),
        outsider.post(f"/api/v1/goals/{goal}/status/", {"status": "dropped"}, format="json"),
        outsider.post(f"/api/v1/goals/{goal}/milestones/", {"title": "hacked"}, format="json"),
    ]
    assert [r.status_code for r in moves] == [404] * len(moves)
    for url, body in (
        ("/api/v1/check-ins/", {"starts_at": "2031-01-06T10:00:00Z", "duration_minutes": 30}),
        ("/api/v1/goals/", {"title": "hacked"}),
        ("/api/v1/messages/", {"body": "hacked"}),
        ("/api/v1/messages/read/", {}),
    ):
        response = outsider.post(url, {"mentorship": pair.mentorship.pk, **body}, format="json")
        assert field_errors(response) == {"mentorship": ["No such mentorship."]}, url
    with scopes_disabled():
        assert CheckIn.objects.get(pk=check_in).status == CheckInStatus.SCHEDULED
        assert Goal.objects.get(pk=goal).title == GOAL_TITLE
        assert not Message.objects.filter(body="hacked").exists()
        assert not CheckInRecord.objects.filter(check_in=pair.past, happened=False).exists()


def test_another_organizations_ids_are_404_for_members_staff_and_keys(pair, org, other_org):
    foreign = build_pair(other_org, "x")
    callers = {
        "member": as_user(pair.mentor.user, org),
        "staff": signed_in(org, Role.ADMIN),
        "key": with_key(org, ["read", "write"]),
    }
    details = {
        "/api/v1/mentorships/": foreign.mentorship.pk,
        "/api/v1/check-ins/": foreign.upcoming.pk,
        "/api/v1/goals/": foreign.goal.pk,
    }
    for who, client in callers.items():
        for prefix, pk in details.items():
            detail = f"{prefix}{pk}/"
            assert client.get(detail).status_code == 404, (who, detail)
            assert client.patch(detail, {}, format="json").status_code == 404, (who, detail)
            assert client.put(detail, {}, format="json").status_code == 404, (who, detail)
            assert pk not in ids(client.get(f"{prefix}?page_size=200")), (who, prefix)
        for url in (
            f"/api/v1/check-ins/{foreign.upcoming.pk}/cancel/",
            f"/api/v1/check-ins/{foreign.past.pk}/record/",
            f"/api/v1/goals/{foreign.goal.pk}/status/",
            f"/api/v1/goals/{foreign.goal.pk}/milestones/",
            f"/api/v1/goals/{foreign.goal.pk}/tick/",
        ):
            assert client.post(url, {}, format="json").status_code == 404, (who, url)
        messages = client.get(f"/api/v1/messages/?mentorship={foreign.mentorship.pk}")
        assert messages.json()["results"] == []
    with scopes_disabled():
        assert CheckIn.objects.get(pk=foreign.upcoming.pk).status == CheckInStatus.SCHEDULED


# --- Program staff and API keys: metadata only ----------------------------------------------


@pytest.fixture(params=["program_manager", "hr_analyst", "admin", "read-key"])
def metadata_reader(request, org) -> APIClient:
    if request.param == "read-key":
        return with_key(org, ["read"])
    return signed_in(org, request.param)


def test_staff_and_keys_read_every_mentorship_with_its_counts(pair, org, metadata_reader):
    other = build_pair(org, "b")

    rows = {row["id"]: row for row in metadata_reader.get("/api/v1/mentorships/").json()["results"]}

    assert set(rows) == {pair.mentorship.pk, other.mentorship.pk}
    row = rows[pair.mentorship.pk]
    assert (row["check_ins_held"], row["check_ins_upcoming"], row["messages_count"]) == (1, 1, 1)
    assert row["average_rating"] == 4
    assert "unread_messages" not in row


def test_staff_and_keys_read_check_in_and_goal_metadata_without_what_the_pair_wrote(
    pair, metadata_reader
):
    responses = [
        metadata_reader.get("/api/v1/check-ins/"),
        metadata_reader.get(f"/api/v1/check-ins/{pair.past.pk}/"),
        metadata_reader.get(f"/api/v1/check-ins/{pair.cancelled.pk}/"),
        metadata_reader.get("/api/v1/goals/"),
        metadata_reader.get(f"/api/v1/goals/{pair.goal.pk}/"),
        metadata_reader.get("/api/v1/mentorships/"),
        metadata_reader.get("/api/v1/messages/"),
    ]

    for response in responses:
        assert response.status_code == 200
        body = response.content.decode()
        for text in PRIVATE_TEXTS:
            assert text not in body
    check_ins = {row["id"]: row for row in responses[0].json()["results"]}
    assert set(check_ins) == {pair.upcoming.pk, pair.past.pk, pair.cancelled.pk}
    for row in check_ins.values():
        assert not CHECK_IN_PRIVATE_KEYS & set(row)
    past = responses[1].json()
    assert (past["happened"], past["average_rating"], past["records_count"]) == (True, 4, 1)
    assert past["starts_at"] and past["ends_at"] and past["status"] == "scheduled"
    assert responses[2].json()["status"] == "cancelled"
    goal = responses[4].json()
    assert not GOAL_PRIVATE_KEYS & set(goal)
    assert (goal["status"], goal["milestone_count"], goal["milestones_done"]) == ("proposed", 1, 0)
    # No thread for anyone but its members.
    assert responses[6].json()["results"] == []


def test_a_program_manager_who_mentors_reads_their_own_pair_in_full_and_the_rest_as_metadata(
    org,
):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    managing_mentor = person(cohort, "mentor", "pm-mentor@acme.test", org_role=Role.PROGRAM_MANAGER)
    own = build_pair(org, "own", mentor=managing_mentor)
    others = build_pair(org, "others")
    client = as_user(managing_mentor.user, org)

    rows = {row["id"]: row for row in client.get("/api/v1/check-ins/").json()["results"]}
    goals = {row["id"]: row for row in client.get("/api/v1/goals/").json()["results"]}
    mentorships = {row["id"]: row for row in client.get("/api/v1/mentorships/").json()["results"]}

    assert rows[own.past.pk]["agenda"] == AGENDA
    assert rows[own.past.pk]["my_record"]["comment"] == COMMENT
    assert not CHECK_IN_PRIVATE_KEYS & set(rows[others.past.pk])
    assert goals[own.goal.pk]["title"] == GOAL_TITLE
    assert not GOAL_PRIVATE_KEYS & set(goals[others.goal.pk])
    assert mentorships[own.mentorship.pk]["unread_messages"] == 1
    assert "unread_messages" not in mentorships[others.mentorship.pk]
    assert ids(client.get("/api/v1/messages/")) == {own.message.pk}


def test_a_plain_member_outside_every_mentorship_reads_empty_lists(pair, org):
    client = signed_in(org, Role.MEMBER)

    for url in (
        "/api/v1/mentorships/",
        "/api/v1/check-ins/",
        "/api/v1/goals/",
        "/api/v1/messages/",
    ):
        assert ids(client.get(url)) == set(), url
    assert client.get(f"/api/v1/mentorships/{pair.mentorship.pk}/").status_code == 404


# --- Who may write -------------------------------------------------------------------------


LATER = {"starts_at": "2031-01-06T10:00:00Z"}


def _every_write(pair) -> list[tuple[str, str, dict]]:
    mentorship = pair.mentorship.pk
    return [
        (
            "post",
            "/api/v1/check-ins/",
            {"mentorship": mentorship, "starts_at": "2031-01-06T10:00:00Z", "duration_minutes": 30},
        ),
        ("patch", f"/api/v1/check-ins/{pair.upcoming.pk}/", {"starts_at": "2031-01-06T10:00:00Z"}),
        ("put", f"/api/v1/check-ins/{pair.upcoming.pk}/", {"starts_at": "2031-01-06T10:00:00Z"}),
        ("post", f"/api/v1/check-ins/{pair.upcoming.pk}/cancel/", {}),
        ("post", f"/api/v1/check-ins/{pair.past.pk}/record/", {"happened": False}),
        ("post", "/api/v1/goals/", {"mentorship": mentorship, "title": "New goal"}),
        ("patch", f"/api/v1/goals/{pair.goal.pk}/", {"title": "Renamed"}),
        ("put", f"/api/v1/goals/{pair.goal.pk}/", {"title": "Renamed"}),
        ("post", f"/api/v1/goals/{pair.goal.pk}/status/", {"status": "dropped"}),
        ("post", f"/api/v1/goals/{pair.goal.pk}/milestones/", {"title": "Another"}),
        ("post", f"/api/v1/goals/{pair.goal.pk}/tick/", {"milestone": pair.milestone.pk}),
        ("post", "/api/v1/messages/", {"mentorship": mentorship, "body": "Hello"}),
        ("post", "/api/v1/messages/read/", {"mentorship": mentorship}),
    ]


def _nothing_changed(pair) -> None:
    with scopes_disabled():
        upcoming = CheckIn.objects.get(pk=pair.upcoming.pk)
        assert (upcoming.status, upcoming.starts_at) == (
            CheckInStatus.SCHEDULED,
            pair.upcoming.starts_at,
        )
        assert CheckIn.objects.filter(mentorship=pair.mentorship).count() == 3
        assert CheckInRecord.objects.filter(check_in__mentorship=pair.mentorship).count() == 1
        assert list(
            Goal.objects.filter(mentorship=pair.mentorship).values_list("title", "status")
        ) == [(GOAL_TITLE, GoalStatus.PROPOSED)]
        assert Milestone.objects.get(pk=pair.milestone.pk).done_at is None
        assert Milestone.objects.filter(goal=pair.goal).count() == 1
        assert Message.objects.filter(mentorship=pair.mentorship).count() == 1


@pytest.mark.parametrize("scopes", [["read"], ["read", "write"], ["reports:read"]])
def test_no_api_key_writes_whatever_its_scopes(pair, org, scopes):
    client = with_key(org, scopes)

    for method, url, body in _every_write(pair):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 403, (method, url, response.content)

    _nothing_changed(pair)


def test_a_write_key_is_told_that_only_members_write(pair, org):
    response = with_key(org, ["read", "write"]).post(
        "/api/v1/messages/", {"mentorship": pair.mentorship.pk, "body": "Hi"}, format="json"
    )

    assert response.json()["error"]["code"] == "permission_denied"
    assert "only the mentorship's members" in response.json()["error"]["message"]


def test_a_reports_only_key_reads_none_of_it(pair, org):
    client = with_key(org, ["reports:read"])

    for url in (
        "/api/v1/mentorships/",
        f"/api/v1/mentorships/{pair.mentorship.pk}/",
        "/api/v1/check-ins/",
        f"/api/v1/check-ins/{pair.past.pk}/",
        "/api/v1/goals/",
        f"/api/v1/goals/{pair.goal.pk}/",
        "/api/v1/messages/",
    ):
        assert client.get(url).status_code == 403, url


def test_program_staff_get_the_services_refusal_on_every_write(pair, org):
    client = signed_in(org, Role.ADMIN)

    for method, url, body in _every_write(pair):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 403, (method, url, response.content)
        assert response.json()["error"]["message"] == "Only the mentorship's members can do this."

    _nothing_changed(pair)


# --- Members write through the services ------------------------------------------------------


def test_a_member_books_a_check_in_and_everyone_gets_the_invitation(
    pair, mentee_client, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    starts = next_monday_utc(16, weeks=2)

    with django_capture_on_commit_callbacks(execute=True):
        response = mentee_client.post(
            "/api/v1/check-ins/",
            {
                "mentorship": pair.mentorship.pk,
                "starts_at": starts.isoformat(),
                "duration_minutes": 60,
                "agenda": "Career paths",
                "location": "Room 4",
            },
            format="json",
        )

    assert response.status_code == 201, response.content
    (booked,) = response.json()
    assert booked["organizer"] == pair.mentee.pk
    assert booked["agenda"] == "Career paths"
    assert dt.datetime.fromisoformat(booked["ends_at"]) - dt.datetime.fromisoformat(
        booked["starts_at"]
    ) == dt.timedelta(hours=1)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([pair.mentor.email, pair.mentee.email])
    assert all(m.attachments[0][0] == "invite.ics" for m in mail.outbox)


def test_a_member_books_a_series_that_keeps_the_organizers_local_hour(pair, org):
    client = as_user(pair.mentor.user, org)
    starts = next_monday_utc(8, weeks=2)

    response = client.post(
        "/api/v1/check-ins/",
        {
            "mentorship": pair.mentorship.pk,
            "starts_at": starts.isoformat(),
            "duration_minutes": 30,
            "every_weeks": 2,
            "occurrences": 3,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    booked = response.json()
    assert len(booked) == 3 and all(row["is_series"] for row in booked)
    gaps = [
        dt.datetime.fromisoformat(b["starts_at"]) - dt.datetime.fromisoformat(a["starts_at"])
        for a, b in itertools.pairwise(booked)
    ]
    # London's hour, two weeks apart: 14 days, give or take a clock change.
    assert all(abs(gap - dt.timedelta(days=14)) <= dt.timedelta(hours=1) for gap in gaps)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"starts_at": "2020-01-06T10:00:00Z"}, {"starts_at": ["Choose a time in the future."]}),
        (
            {"starts_at": "2031-01-06T10:00:00"},
            {
                "starts_at": [
                    "Give the time with its offset from UTC, e.g. 2030-05-06T09:30:00+02:00."
                ]
            },
        ),
        (
            {"duration_minutes": 5},
            {"duration_minutes": ["Ensure this value is greater than or equal to 15."]},
        ),
        (
            {"occurrences": 3},
            {"every_weeks": ["Repeat every 1 to 8 weeks."]},
        ),
        ({"agenda": 12}, {"agenda": ["Not a valid string."]}),
    ],
    ids=["past", "no-offset", "too-short", "series-without-gap", "agenda-not-text"],
)
def test_a_booking_with_bad_input_gets_field_messages(pair, mentor_client, body, expected):
    booking = {
        "mentorship": pair.mentorship.pk,
        "starts_at": "2031-01-06T10:00:00Z",
        "duration_minutes": 30,
        **body,
    }

    response = mentor_client.post("/api/v1/check-ins/", booking, format="json")

    assert field_errors(response) == expected


def test_a_booking_over_another_check_in_is_refused_on_the_start(pair, mentor_client):
    response = mentor_client.post(
        "/api/v1/check-ins/",
        {
            "mentorship": pair.mentorship.pk,
            "starts_at": pair.upcoming.starts_at.isoformat(),
            "duration_minutes": 30,
        },
        format="json",
    )

    assert field_errors(response) == {
        "starts_at": ["Someone in this mentorship already has a check-in at that time."]
    }


def test_an_empty_booking_names_every_missing_field(mentor_client):
    response = mentor_client.post("/api/v1/check-ins/", {}, format="json")

    assert set(field_errors(response)) == {"mentorship", "starts_at", "duration_minutes"}


def test_a_member_moves_a_check_in_and_keeps_its_length_unless_told(pair, mentor_client):
    url = f"/api/v1/check-ins/{pair.upcoming.pk}/"
    later = next_monday_utc(11, weeks=3)

    moved = mentor_client.patch(url, {"starts_at": later.isoformat()}, format="json")
    longer = mentor_client.patch(url, {"duration_minutes": 90}, format="json")
    whole = mentor_client.put(url, {"duration_minutes": 30}, format="json")

    assert moved.status_code == 200, moved.content
    assert dt.datetime.fromisoformat(moved.json()["starts_at"]) == later
    assert dt.datetime.fromisoformat(moved.json()["ends_at"]) == later + dt.timedelta(minutes=45)
    assert dt.datetime.fromisoformat(longer.json()["ends_at"]) == later + dt.timedelta(minutes=90)
    assert field_errors(whole) == {"starts_at": ["This field is required."]}


def test_a_member_cancels_a_check_in_with_a_reason(pair, mentee_client):
    response = mentee_client.post(
        f"/api/v1/check-ins/{pair.upcoming.pk}/cancel/", {"reason": "Travelling"}, format="json"
    )
    again = mentee_client.post(f"/api/v1/check-ins/{pair.upcoming.pk}/cancel/", {}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == (
        "cancelled",
        "Travelling",
    )
    assert field_errors(again) == {"non_field_errors": ["This check-in was cancelled."]}


def test_a_member_says_how_a_check_in_went_once_it_has_started(pair, mentee_client):
    too_early = mentee_client.post(
        f"/api/v1/check-ins/{pair.upcoming.pk}/record/", {"happened": True}, format="json"
    )
    bad_rating = mentee_client.post(
        f"/api/v1/check-ins/{pair.past.pk}/record/", {"happened": True, "rating": 9}, format="json"
    )
    recorded = mentee_client.post(
        f"/api/v1/check-ins/{pair.past.pk}/record/",
        {"happened": True, "rating": 2, "comment": "Too short"},
        format="json",
    )

    assert field_errors(too_early) == {
        "non_field_errors": ["You can say how it went once it has started."]
    }
    assert field_errors(bad_rating) == {"rating": ["Ensure this value is less than or equal to 5."]}
    assert recorded.status_code == 200
    row = recorded.json()
    assert row["my_record"]["comment"] == "Too short"
    assert (row["records_count"], row["average_rating"]) == (2, 3)


def test_members_propose_edit_and_move_goals_as_on_the_pages(pair, mentor_client):
    proposed = mentor_client.post(
        "/api/v1/goals/",
        {
            "mentorship": pair.mentorship.pk,
            "title": "  Speak   at the all-hands ",
            "target_date": None,
        },
        format="json",
    )
    goal_url = f"/api/v1/goals/{proposed.json()['id']}/"
    started = mentor_client.post(f"{goal_url}status/", {"status": "in_progress"}, format="json")
    renamed = mentor_client.patch(goal_url, {"description": "Five minutes"}, format="json")
    done = mentor_client.post(f"{goal_url}status/", {"status": "done"}, format="json")
    dropped = mentor_client.post(f"{goal_url}status/", {"status": "dropped"}, format="json")
    back = mentor_client.post(f"{goal_url}status/", {"status": "proposed"}, format="json")

    assert proposed.status_code == 201, proposed.content
    assert proposed.json()["title"] == "Speak at the all-hands"
    assert started.json()["status"] == "in_progress"
    assert (renamed.json()["title"], renamed.json()["description"]) == (
        "Speak at the all-hands",
        "Five minutes",
    )
    assert done.json()["status"] == "done"
    assert field_errors(dropped) == {"status": ["A goal cannot go from Done to Dropped."]}
    assert field_errors(back) == {"status": ['"proposed" is not a valid choice.']}


def test_a_goal_with_a_blank_title_or_a_past_date_gets_field_messages(pair, mentor_client):
    blank = mentor_client.post(
        "/api/v1/goals/", {"mentorship": pair.mentorship.pk, "title": "   "}, format="json"
    )
    past = mentor_client.post(
        "/api/v1/goals/",
        {"mentorship": pair.mentorship.pk, "title": "Late", "target_date": "2020-01-01"},
        format="json",
    )

    assert field_errors(blank) == {"title": ["This field may not be blank."]}
    assert field_errors(past) == {"target_date": ["Choose a date from today on."]}


def test_members_add_and_tick_milestones_of_their_goal_only(pair, org, mentee_client):
    other = build_pair(org, "b")
    url = f"/api/v1/goals/{pair.goal.pk}/"

    added = mentee_client.post(f"{url}milestones/", {"title": "Book the room"}, format="json")
    ticked = mentee_client.post(f"{url}tick/", {"milestone": pair.milestone.pk}, format="json")
    elsewhere = mentee_client.post(f"{url}tick/", {"milestone": other.milestone.pk}, format="json")
    reopened = mentee_client.post(
        f"{url}tick/", {"milestone": pair.milestone.pk, "done": False}, format="json"
    )

    assert added.status_code == 201
    assert [m["title"] for m in added.json()["milestones"]] == [MILESTONE_TITLE, "Book the room"]
    assert ticked.json()["milestones_done"] == 1
    (tick,) = [m for m in ticked.json()["milestones"] if m["id"] == pair.milestone.pk]
    assert tick["done_by"] == pair.mentee.pk and tick["done_at"]
    assert field_errors(elsewhere) == {"milestone": ["This goal has no such milestone."]}
    assert reopened.json()["milestones_done"] == 0
    with scopes_disabled():
        assert Milestone.objects.get(pk=other.milestone.pk).done_at is None


def test_members_post_messages_and_not_to_a_closed_mentorship(pair, mentor_client):
    posted = mentor_client.post(
        "/api/v1/messages/", {"mentorship": pair.mentorship.pk, "body": " See you Monday "}
    )
    blank = mentor_client.post(
        "/api/v1/messages/", {"mentorship": pair.mentorship.pk, "body": ""}, format="json"
    )
    with scopes_disabled():
        type(pair.mentorship).objects.filter(pk=pair.mentorship.pk).update(
            status=MentorshipStatus.COMPLETED
        )
    closed = mentor_client.post(
        "/api/v1/messages/", {"mentorship": pair.mentorship.pk, "body": "Still there?"}
    )

    assert posted.status_code == 201, posted.content
    assert (posted.json()["body"], posted.json()["author"]) == ("See you Monday", pair.mentor.pk)
    assert field_errors(blank) == {"body": ["This field may not be blank."]}
    assert field_errors(closed) == {"non_field_errors": ["This mentorship is closed."]}


# --- The documented schema -------------------------------------------------------------------


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable` as JSON Schema's null type, so `jsonschema` can check it."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _validate(document: dict, component: str, row: dict) -> None:
    schema = {"components": _json_schema(document["components"])}
    schema["$ref"] = f"#/components/schemas/{component}"
    jsonschema.Draft202012Validator(schema).validate(row)
    # Every key answered is documented.
    assert set(row) <= set(document["components"]["schemas"][component]["properties"])


def test_member_and_metadata_rows_answer_as_the_served_schema_says(pair, org, mentor_client):
    document = json.loads(APIClient().get("/api/v1/schema/?format=json").content)
    key = with_key(org, ["read"])

    for client in (mentor_client, key):
        for url, component in (
            ("/api/v1/mentorships/", "Mentorship"),
            ("/api/v1/check-ins/", "CheckIn"),
            ("/api/v1/goals/", "Goal"),
            ("/api/v1/messages/", "Message"),
        ):
            for row in client.get(url).json()["results"]:
                _validate(document, component, row)
