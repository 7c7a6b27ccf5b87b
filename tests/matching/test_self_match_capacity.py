"""A mentor with one seat and two pending requests takes one mentee, never two: one after the
other, and when both acceptances arrive at the same moment (the mentor's row lock serialises
them)."""

import contextlib
import threading

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from matching import selectors, services
from matching.config import config_from_json
from matching.models import MentorRequest, RequestStatus
from mentorships.models import Mentorship
from organizations.models import Role
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    OrganizationFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)


def _one_seat_two_requests():
    organization = OrganizationFactory(slug="seats")
    cohort = CohortFactory(program=ProgramFactory(organization=organization, name="Seats"))
    config = config_from_json(cohort.matching_settings).to_json()
    config["self_match"] = {"enabled": True, "require_approval": False, "response_days": 3}
    cohort.matching_settings = config
    cohort.save()
    user = MembershipFactory(
        organization=organization, role=Role.MEMBER, user=UserFactory(email="mentor@seats.test")
    ).user
    mentor = ParticipantFactory(
        cohort=cohort, role="mentor", mentor_capacity=1, user=user, email=user.email
    )
    requests = [
        MentorRequest.objects.create(
            organization=organization,
            cohort=cohort,
            mentee=ParticipantFactory(cohort=cohort, role="mentee", email=f"mentee{n}@seats.test"),
            mentor=mentor,
            rank=1,
            status=RequestStatus.PENDING,
        )
        for n in range(2)
    ]
    return organization, mentor, requests


def _accept(organization, request):
    with scope(organization=organization.pk):
        request = selectors.mentor_request_get(organization=organization, request_id=request.pk)
        return services.mentor_request_respond(
            organization=organization, request=request, user=request.mentor.user, accept=True
        )


def _outcome(mentor):
    with scopes_disabled():
        mentorships = Mentorship.objects.filter(mentor=mentor).count()
        statuses = sorted(
            MentorRequest.objects.filter(mentor=mentor).values_list("status", flat=True)
        )
    return mentorships, statuses


@pytest.mark.django_db
def test_the_second_acceptance_beyond_capacity_is_refused_and_creates_nothing():
    organization, mentor, (first, second) = _one_seat_two_requests()

    accepted = _accept(organization, first)
    with pytest.raises(DomainError):
        _accept(organization, second)

    assert accepted.status == RequestStatus.ACCEPTED
    assert _outcome(mentor) == (1, [RequestStatus.ACCEPTED, RequestStatus.PENDING])


@pytest.mark.django_db(transaction=True)
def test_two_acceptances_at_once_take_the_one_seat_once(monkeypatch):
    """Each thread has its own database connection. Both are held right after counting the
    seats left, until both have counted or two seconds pass: without the mentor's row lock,
    both count one seat and both accept; with it, the second waits for the first to commit,
    then counts none."""
    organization, mentor, requests = _one_seat_two_requests()
    both_counted = threading.Barrier(2, timeout=2)
    seats_left = selectors.mentor_seats_left

    def counted_then_held(**kwargs):
        seats = seats_left(**kwargs)
        # A broken barrier: the other thread is waiting for the row lock, as it should.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counted.wait()
        return seats

    monkeypatch.setattr(selectors, "mentor_seats_left", counted_then_held)
    results: dict[int, object] = {}

    def accept(request):
        try:
            results[request.pk] = _accept(organization, request).status
        except DomainError as error:
            results[request.pk] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(type(r).__name__ for r in results.values()) == ["DomainError", "str"]
    assert RequestStatus.ACCEPTED in results.values()
    assert _outcome(mentor) == (1, [RequestStatus.ACCEPTED, RequestStatus.PENDING])
