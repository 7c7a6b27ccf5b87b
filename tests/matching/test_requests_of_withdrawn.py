"""Open self-match requests of people who left their cohort end; the mentee's next choice is
asked when their chosen mentor left."""

import pytest
from django_scopes import scope

from matching import selectors, services
from matching.models import MentorRequest, RequestStatus
from matching.tasks import expire_mentor_requests_task
from participants.models import ParticipantStatus
from participants.services import participant_withdraw
from tests.matching.test_self_match import setup  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _statuses(org):
    return {r.mentor_id: r.status for r in MentorRequest.objects.for_org(org)}


def test_a_withdrawn_mentee_leaves_the_mentors_inbox_and_the_pass_withdraws_the_requests(
    org,
    setup,  # noqa: F811
):
    mentee, first, second, _third = setup
    with scope(organization=org.pk):
        services.mentor_requests_create(
            organization=org, mentee=mentee, mentor_ids=[first.pk, second.pk]
        )
        participant_withdraw(organization=org, participant=mentee, actor=None)
        inbox = list(selectors.mentor_request_list_for_mentor(organization=org, mentors=[first]))
    expire_mentor_requests_task()
    expire_mentor_requests_task()

    assert inbox == []
    with scope(organization=org.pk):
        assert _statuses(org) == {first.pk: "withdrawn", second.pk: "withdrawn"}


def test_when_the_chosen_mentor_withdraws_the_request_passes_to_the_next_choice(
    org,
    setup,  # noqa: F811
):
    mentee, first, second, third = setup
    with scope(organization=org.pk):
        services.mentor_requests_create(
            organization=org, mentee=mentee, mentor_ids=[first.pk, second.pk, third.pk]
        )
        participant_withdraw(organization=org, participant=first, actor=None)
    expire_mentor_requests_task()

    with scope(organization=org.pk):
        assert _statuses(org) == {first.pk: "withdrawn", second.pk: "pending", third.pk: "queued"}
        again = services.mentor_requests_release_withdrawn(organization=org)
    assert again == 0


def test_requests_of_active_people_are_left_alone(org, setup):  # noqa: F811
    mentee, first, second, _third = setup
    with scope(organization=org.pk):
        services.mentor_requests_create(
            organization=org, mentee=mentee, mentor_ids=[first.pk, second.pk]
        )
        released = services.mentor_requests_release_withdrawn(organization=org)
        assert _statuses(org) == {first.pk: RequestStatus.PENDING, second.pk: RequestStatus.QUEUED}
    assert released == 0
    assert mentee.status == ParticipantStatus.ACTIVE
