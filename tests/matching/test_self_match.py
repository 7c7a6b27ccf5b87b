"""Self-match: recommendations with reasons, ranked requests that cascade, capacity, approval."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from matching import selectors, services
from matching.config import config_from_json
from matching.models import MentorRequest, RequestStatus
from mentorships.models import Mentorship, MentorshipMentee
from mentorships.services import mentorship_create_from_match
from organizations.models import Role
from tests.conftest import login
from tests.factories import CohortFactory, MembershipFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


def _enable(cohort, **overrides):
    config = config_from_json(cohort.matching_settings).to_json()
    config["self_match"] = {
        "enabled": True,
        "require_approval": False,
        "response_days": 3,
        **overrides,
    }
    cohort.matching_settings = config
    cohort.save()


def _mentor(org, cohort, name, **fields):
    user = MembershipFactory(
        organization=org, role=Role.MEMBER, user=UserFactory(email=f"{name}@acme.test")
    ).user
    return ParticipantFactory(
        cohort=cohort,
        role="mentor",
        full_name=name,
        email=user.email,
        user=user,
        seniority=4,
        **fields,
    )


@pytest.fixture
def setup(org, member, cohort):
    _enable(cohort)
    mentee = ParticipantFactory(
        cohort=cohort,
        role="mentee",
        user=member,
        email=member.email,
        skills_wanted=["SQL"],
        seniority=1,
    )
    first = _mentor(org, cohort, "first", skills_offered=["SQL"], mentor_capacity=1)
    second = _mentor(org, cohort, "second", skills_offered=["python"], mentor_capacity=1)
    third = _mentor(org, cohort, "third", skills_offered=["hiring"], mentor_capacity=1)
    return mentee, first, second, third


def test_recommendations_are_ranked_explained_and_filtered(org, setup, cohort):
    mentee, _first, _second, _third = setup
    _mentor(org, cohort, "finnish", languages=[{"code": "fi", "proficiency": "native"}])
    _mentor(org, cohort, "full", mentor_capacity=0)

    with scope(organization=org.pk):
        recommendations = selectors.recommendation_list(
            organization=org, participant=mentee, side="mentee"
        )

    names = [r.person.full_name for r in recommendations]
    assert names[0] == "first"
    assert "finnish" not in names and "full" not in names
    assert "SQL" in recommendations[0].explanation


@pytest.mark.parametrize("rotate", [True, False])
def test_with_mentor_rotation_last_cohorts_mentor_is_not_recommended_again(
    org, setup, cohort, rotate
):
    mentee, first, _second, _third = setup
    earlier = CohortFactory(program=cohort.program, name="Last year")
    with scopes_disabled():
        old_mentor = ParticipantFactory(cohort=earlier, role="mentor", email=first.email)
        old_mentee = ParticipantFactory(cohort=earlier, role="mentee", email=mentee.email)
        mentorship = Mentorship.objects.create(
            organization=org, cohort=earlier, mentor=old_mentor, started_on=dt.date(2025, 1, 6)
        )
        MentorshipMentee.objects.create(organization=org, mentorship=mentorship, mentee=old_mentee)
    config = config_from_json(cohort.matching_settings).to_json()
    config["rules"]["rotate_mentors"] = rotate
    cohort.matching_settings = config
    cohort.save()
    mentee.refresh_from_db()

    with scope(organization=org.pk):
        recommended = selectors.recommendation_list(
            organization=org, participant=mentee, side="mentee"
        )

    assert (first in [r.person for r in recommended]) is not rotate


def test_request_goes_to_the_first_choice_and_cascades_on_decline(org, setup):
    mentee, first, second, third = setup
    with scope(organization=org.pk):
        requests = services.mentor_requests_create(
            organization=org, mentee=mentee, mentor_ids=[first.pk, second.pk, third.pk]
        )
        statuses = [r.status for r in MentorRequest.objects.for_org(org).order_by("rank")]
        services.mentor_request_respond(
            organization=org, request=requests[0], user=first.user, accept=False
        )
        after = {r.mentor_id: r.status for r in MentorRequest.objects.for_org(org)}

    assert statuses == [RequestStatus.PENDING, RequestStatus.QUEUED, RequestStatus.QUEUED]
    assert after == {first.pk: "declined", second.pk: "pending", third.pk: "queued"}


def test_unanswered_request_expires_and_passes_on(org, setup):
    mentee, first, second, _third = setup
    with scope(organization=org.pk):
        services.mentor_requests_create(
            organization=org, mentee=mentee, mentor_ids=[first.pk, second.pk]
        )
        MentorRequest.objects.for_org(org).filter(mentor=first).update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
        expired = services.mentor_requests_expire(organization=org)
        again = services.mentor_requests_expire(organization=org)
        after = {r.mentor_id: r.status for r in MentorRequest.objects.for_org(org)}

    assert (expired, again) == (1, 0)
    assert after == {first.pk: "expired", second.pk: "pending"}


def test_acceptance_creates_the_mentorship_and_withdraws_the_rest(
    org, setup, django_capture_on_commit_callbacks
):
    mentee, first, second, _third = setup
    with scope(organization=org.pk):
        requests = services.mentor_requests_create(
            organization=org, mentee=mentee, mentor_ids=[first.pk, second.pk]
        )
        with django_capture_on_commit_callbacks():
            services.mentor_request_respond(
                organization=org, request=requests[0], user=first.user, accept=True
            )
        after = {r.mentor_id: r.status for r in MentorRequest.objects.for_org(org)}
        mentorship = Mentorship.objects.for_org(org).get()
        mentees = list(mentorship.mentees.all())

    assert after == {first.pk: "accepted", second.pk: "withdrawn"}
    assert mentorship.mentor == first
    assert mentees == [mentee]


def test_a_mentor_at_capacity_cannot_accept(org, setup, cohort, django_capture_on_commit_callbacks):
    mentee, first, _second, _third = setup
    other = ParticipantFactory(cohort=cohort, role="mentee", skills_wanted=["SQL"])
    with scope(organization=org.pk):
        mentorship_create_from_match(organization=org, cohort=cohort, mentor=first, mentees=[other])
        with pytest.raises(DomainError):
            services.mentor_requests_create(organization=org, mentee=mentee, mentor_ids=[first.pk])


def test_more_than_three_choices_or_repeats_are_refused(org, setup, cohort):
    mentee, first, second, third = setup
    fourth = _mentor(org, cohort, "fourth")
    with scope(organization=org.pk):
        with pytest.raises(DomainError) as too_many:
            services.mentor_requests_create(
                organization=org,
                mentee=mentee,
                mentor_ids=[first.pk, second.pk, third.pk, fourth.pk],
            )
        with pytest.raises(DomainError):
            services.mentor_requests_create(
                organization=org, mentee=mentee, mentor_ids=[first.pk, first.pk]
            )
    assert too_many.value.field == "mentors"


def test_admin_approval_when_required(org, setup, cohort, django_capture_on_commit_callbacks):
    _enable(cohort, require_approval=True)
    mentee, first, _second, _third = setup
    with scope(organization=org.pk):
        (request,) = services.mentor_requests_create(
            organization=org, mentee=mentee, mentor_ids=[first.pk]
        )
        services.mentor_request_respond(
            organization=org, request=request, user=first.user, accept=True
        )
        request.refresh_from_db()
        awaiting = request.status
        assert not Mentorship.objects.for_org(org).exists()
        with django_capture_on_commit_callbacks():
            services.mentor_request_approve(
                organization=org, request=request, actor=None, approve=True
            )
        request.refresh_from_db()

    assert awaiting == RequestStatus.AWAITING_APPROVAL
    assert request.status == RequestStatus.ACCEPTED


def test_self_match_is_off_unless_the_cohort_enables_it(org, member, cohort):
    cohort.matching_settings = {}
    cohort.save()
    mentee = ParticipantFactory(cohort=cohort, role="mentee", user=member)
    mentor = _mentor(org, cohort, "m")
    with scope(organization=org.pk), pytest.raises(DomainError):
        services.mentor_requests_create(organization=org, mentee=mentee, mentor_ids=[mentor.pk])


def test_mentee_uses_the_page_and_the_mentor_answers_in_the_inbox(
    client, org, member, setup, cohort
):
    _mentee, first, second, _third = setup
    login(client, member)
    page = client.get(reverse("matching:find_mentor", args=[org.slug, cohort.pk]))
    client.post(
        reverse("matching:find_mentor", args=[org.slug, cohort.pk]),
        {"choice_1": str(first.pk), "choice_2": str(second.pk), "message": "Hi!"},
    )
    client.force_login(first.user)
    inbox = client.get(reverse("matching:mentor_request_inbox", args=[org.slug]))
    with scopes_disabled():
        request = MentorRequest.objects.get(mentor=first)
    client.force_login(second.user)
    not_yours = client.post(
        reverse("matching:mentor_request_respond", args=[org.slug, request.pk]),
        {"decision": "accept"},
    )

    assert "filtered and ranked" in page.content.decode()
    assert b"Hi!" in inbox.content
    assert not_yours.status_code == 404
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_accepted_mentee_sees_the_mentorship_on_the_dashboard(
    client, org, member, setup, django_capture_on_commit_callbacks
):
    mentee, first, _second, _third = setup
    with scope(organization=org.pk):
        (request,) = services.mentor_requests_create(
            organization=org, mentee=mentee, mentor_ids=[first.pk]
        )
        with django_capture_on_commit_callbacks():
            services.mentor_request_respond(
                organization=org, request=request, user=first.user, accept=True
            )
    login(client, member)

    page = client.get(reverse("dashboard", args=[org.slug]))

    assert "Your mentorships" in page.content.decode()
    assert first.full_name in page.content.decode()
