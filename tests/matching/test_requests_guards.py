"""Self-match requests change exactly the requests they name: one mentee's ranking, answer,
approval or expiry leaves every other mentee's requests alone; each request is answered once,
by its mentor, while the mentor is in the cohort with a seat; people hear of it in their own
language. Written for the mutants `scripts/mutate` found alive in
`matching/services/requests.py` (docs/testing.md)."""

import datetime as dt
import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from core.tenancy import in_organization
from matching import services
from matching.config import config_from_json
from matching.models import MentorRequest, RequestStatus
from matching.services import requests as request_services
from matching.tasks import notify_match_published_task
from mentorships.models import Mentorship
from mentorships.services import mentorship_create_from_match
from notifications.models import Notification
from organizations.models import AuditLogEntry, Role
from participants.models import Participant
from participants.services import participant_withdraw
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PENDING, QUEUED = RequestStatus.PENDING, RequestStatus.QUEUED
DECLINED, ACCEPTED = RequestStatus.DECLINED, RequestStatus.ACCEPTED


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


def _person(org, cohort, name, role, language="", **fields):
    user = MembershipFactory(
        organization=org,
        role=Role.MEMBER,
        user=UserFactory(email=f"{name.lower()}@acme.test", language=language),
    ).user
    return ParticipantFactory(
        cohort=cohort, role=role, full_name=name, email=user.email, user=user, **fields
    )


@pytest.fixture
def cohort(org):
    cohort = CohortFactory(program=ProgramFactory(organization=org, name="Bridges"))
    _enable(cohort)
    return cohort


@pytest.fixture
def people(org, cohort):
    """Mentees Ana (who reads Spanish) and Ben; one-seat mentors Fay (Spanish), Gus and Hal."""
    return {
        "ana": _person(org, cohort, "Ana", "mentee", language="es", skills_wanted=["SQL"]),
        "ben": _person(org, cohort, "Ben", "mentee", skills_wanted=["SQL"]),
        "fay": _person(org, cohort, "Fay", "mentor", language="es", mentor_capacity=1, seniority=4),
        "gus": _person(org, cohort, "Gus", "mentor", mentor_capacity=1, seniority=4),
        "hal": _person(org, cohort, "Hal", "mentor", mentor_capacity=1, seniority=4),
    }


def _create(org, mentee, mentors, message=""):
    with scope(organization=org.pk):
        return services.mentor_requests_create(
            organization=org, mentee=mentee, mentor_ids=[m.pk for m in mentors], message=message
        )


def _respond(org, request, accept, user=None):
    with scope(organization=org.pk):
        request = (
            MentorRequest.objects.for_org(org).select_related("mentor", "mentee").get(pk=request.pk)
        )
        return services.mentor_request_respond(
            organization=org, request=request, user=user or request.mentor.user, accept=accept
        )


def _approve(org, request, approve, actor=None):
    with scope(organization=org.pk):
        request = (
            MentorRequest.objects.for_org(org).select_related("mentor", "mentee").get(pk=request.pk)
        )
        return services.mentor_request_approve(
            organization=org, request=request, actor=actor, approve=approve
        )


def _statuses(mentee):
    """The mentee's requests as (mentor's name, rank, status), by rank."""
    with scopes_disabled():
        return [
            (r.mentor.full_name, r.rank, r.status)
            for r in MentorRequest.objects.filter(mentee=mentee)
            .select_related("mentor")
            .order_by("rank", "mentor__full_name")
        ]


def _notices(person):
    with scopes_disabled():
        return list(Notification.objects.filter(user=person.user).values_list("text", flat=True))


def _mentorships(cohort):
    with scopes_disabled():
        return sorted(
            (m.mentor.full_name, tuple(m.mentees.values_list("full_name", flat=True)))
            for m in Mentorship.objects.filter(cohort=cohort)
        )


# --- Asking --------------------------------------------------------------------------------


def test_the_first_choice_hears_of_the_request_in_their_language(org, people):
    ana, fay, gus = people["ana"], people["fay"], people["gus"]

    _create(org, ana, [fay, gus])

    assert _notices(fay) == ["Ana te pide que seas su mentor en Bridges."]
    assert _notices(gus) == []
    assert [message.to for message in mail.outbox] == [[fay.email]]
    with scopes_disabled():
        sent = MentorRequest.objects.get(mentee=ana, mentor=fay)
    assert sent.expires_at - sent.sent_at == dt.timedelta(days=3)


def test_a_ranking_is_numbered_from_one_keeps_2000_characters_and_is_audited(org, people):
    ana = people["ana"]

    _create(org, ana, [people["gus"], people["fay"], people["hal"]], message="x" * 3000)

    assert _statuses(ana) == [("Gus", 1, PENDING), ("Fay", 2, QUEUED), ("Hal", 3, QUEUED)]
    with scopes_disabled():
        assert {len(r.message) for r in MentorRequest.objects.filter(mentee=ana)} == {2000}
        entry = AuditLogEntry.objects.get(organization=org, action="mentor_request.create")
    assert (entry.actor, entry.target) == (ana.user, ana.email)


def test_a_mentee_of_another_organization_is_refused(org, other_org, people):
    with scopes_disabled():
        stranger = ParticipantFactory(
            cohort=CohortFactory(program=ProgramFactory(organization=other_org)), role="mentee"
        )
        _enable(stranger.cohort)

    with pytest.raises(DomainError) as refused:
        _create(org, stranger, [people["fay"]])

    assert refused.value.code == "not_found"
    with scopes_disabled():
        assert not MentorRequest.objects.exists()


def test_choosing_nobody_is_refused(org, people):
    with pytest.raises(DomainError) as refused:
        _create(org, people["ana"], [])

    assert refused.value.field == "mentors"


def test_open_requests_block_a_new_ranking_of_their_own_mentee_only(org, people):
    ana, ben = people["ana"], people["ben"]
    _create(org, ben, [people["hal"]])

    _create(org, ana, [people["fay"], people["gus"]])
    with pytest.raises(DomainError):
        _create(org, ana, [people["hal"]])

    assert _statuses(ana) == [("Fay", 1, PENDING), ("Gus", 2, QUEUED)]
    assert _statuses(ben) == [("Hal", 1, PENDING)]


def test_choosing_again_replaces_only_the_closed_requests_to_the_same_mentors(org, people):
    ana, ben, fay, gus, hal = (people[k] for k in ("ana", "ben", "fay", "gus", "hal"))
    _create(org, ben, [fay])
    _respond(org, MentorRequest.objects.for_org(org).get(mentee=ben), accept=False)
    first_fay, _first_gus = _create(org, ana, [fay, gus])
    _respond(org, first_fay, accept=False)
    _respond(org, MentorRequest.objects.for_org(org).get(mentee=ana, mentor=gus), accept=False)

    # Both declined: Ana may choose again, Fay among them.
    _create(org, ana, [hal, fay])

    assert _statuses(ana) == [("Hal", 1, PENDING), ("Fay", 2, QUEUED), ("Gus", 2, DECLINED)]
    assert _statuses(ben) == [("Fay", 1, DECLINED)]


# --- Answering ------------------------------------------------------------------------------


def test_a_decline_passes_to_that_mentees_next_choice_only(org, people):
    ana, ben = people["ana"], people["ben"]
    _create(org, ben, [people["hal"], people["gus"]])
    (request,) = _create(org, ana, [people["fay"]])

    _respond(org, request, accept=False)

    assert _statuses(ben) == [("Hal", 1, PENDING), ("Gus", 2, QUEUED)]
    # Ana had no other choice: she is told, in Spanish, to choose again.
    assert _notices(ana) == [
        "Ninguno de los mentores que elegiste puede aceptarte. Vuelve a elegir."
    ]


def test_an_acceptance_withdraws_only_that_mentees_open_requests_and_queues_the_news(
    org, cohort, people, monkeypatch, django_capture_on_commit_callbacks
):
    ana, ben, fay, gus, hal = (people[k] for k in ("ana", "ben", "fay", "gus", "hal"))
    queued = []
    monkeypatch.setattr(
        notify_match_published_task, "apply_async", lambda arguments, **_: queued.append(arguments)
    )
    with scopes_disabled():
        MentorRequest.objects.create(
            organization=org, cohort=cohort, mentee=ana, mentor=hal, rank=1, status=DECLINED
        )
    _create(org, ben, [gus])
    request, _queued = _create(org, ana, [fay, gus])

    with django_capture_on_commit_callbacks(execute=True):
        accepted = _respond(org, request, accept=True)

    assert accepted.status == ACCEPTED
    assert _statuses(ana) == [("Fay", 1, ACCEPTED), ("Hal", 1, DECLINED), ("Gus", 2, "withdrawn")]
    assert _statuses(ben) == [("Gus", 1, PENDING)]
    assert _mentorships(cohort) == [("Fay", ("Ana",))]
    with scopes_disabled():
        mentorship = Mentorship.objects.get(cohort=cohort)
    assert queued == [(org.pk, [mentorship.pk])]


def test_a_request_is_answered_once(org, cohort, people):
    ana, fay = people["ana"], people["fay"]
    request, _next = _create(org, ana, [fay, people["gus"]])
    _respond(org, request, accept=False)

    with pytest.raises(DomainError):
        _respond(org, request, accept=True)

    assert _statuses(ana) == [("Fay", 1, DECLINED), ("Gus", 2, PENDING)]
    assert _mentorships(cohort) == []


def test_only_the_requested_mentor_answers(org, cohort, people):
    ana = people["ana"]
    (request,) = _create(org, ana, [people["fay"]])

    with pytest.raises(DomainError) as refused:
        _respond(org, request, accept=True, user=people["gus"].user)

    assert refused.value.code == "permission_denied"
    assert _statuses(ana) == [("Fay", 1, PENDING)]
    assert _mentorships(cohort) == []


@pytest.mark.parametrize("require_approval", [False, True])
@pytest.mark.parametrize("why", ["withdrew", "full"])
def test_a_mentor_who_left_or_has_no_seat_cannot_accept(org, cohort, people, require_approval, why):
    _enable(cohort, require_approval=require_approval)
    ana, fay = people["ana"], people["fay"]
    (request,) = _create(org, ana, [fay])
    with scope(organization=org.pk):
        if why == "withdrew":
            participant_withdraw(organization=org, participant=fay, actor=None)
        else:
            mentorship_create_from_match(
                organization=org, cohort=cohort, mentor=fay, mentees=[people["ben"]]
            )
    before = _mentorships(cohort)

    with pytest.raises(DomainError):
        _respond(org, request, accept=True)

    assert _statuses(ana) == [("Fay", 1, PENDING)]
    assert _mentorships(cohort) == before


@pytest.mark.django_db(transaction=True)
def test_an_acceptance_waits_for_no_one_but_its_mentor(org, cohort, people):
    """Another transaction holds every other participant of the organization (as their own
    acceptances and edits do) for up to three seconds: the acceptance locks only Fay's row,
    so it goes through at once."""
    (request,) = _create(org, people["ana"], [people["fay"]])
    held, release = threading.Event(), threading.Event()

    def hold_everyone_else():
        try:
            with in_organization(org.pk), transaction.atomic():
                list(
                    Participant.objects.for_org(org)
                    .select_for_update(no_key=True)
                    .exclude(pk=people["fay"].pk)
                )
                held.set()
                release.wait(timeout=3)
        finally:
            connection.close()

    thread = threading.Thread(target=hold_everyone_else)
    thread.start()
    try:
        assert held.wait(timeout=10)
        started = time.monotonic()
        accepted = _respond(org, request, accept=True)
        seconds = time.monotonic() - started
    finally:
        release.set()
        thread.join(timeout=30)

    assert accepted.status == ACCEPTED
    assert seconds < 2


def _withdraw(org, participant):
    with scope(organization=org.pk):
        participant_withdraw(organization=org, participant=participant, actor=None)


@pytest.mark.parametrize("require_approval", [False, True])
def test_a_mentee_who_withdrew_is_not_matched_by_an_acceptance(
    org, cohort, people, require_approval
):
    _enable(cohort, require_approval=require_approval)
    (request,) = _create(org, people["ana"], [people["fay"]])
    _withdraw(org, people["ana"])

    with pytest.raises(DomainError) as refused:
        _respond(org, request, accept=True)

    assert refused.value.message == "This mentee has withdrawn from the cohort."
    assert _statuses(people["ana"]) == [("Fay", 1, PENDING)]
    assert _mentorships(cohort) == []


def test_a_decline_for_a_mentee_who_withdrew_asks_no_one_else(org, people):
    ana, ben, gus = people["ana"], people["ben"], people["gus"]
    _create(org, ben, [people["hal"], gus])
    request, _next = _create(org, ana, [people["fay"], gus])
    _withdraw(org, ana)

    _respond(org, request, accept=False)

    assert _statuses(ana) == [("Fay", 1, DECLINED), ("Gus", 2, "withdrawn")]
    assert _notices(gus) == [] and _notices(ana) == []
    assert _statuses(ben) == [("Hal", 1, PENDING), ("Gus", 2, QUEUED)]


# --- Approval by the program team -----------------------------------------------------------


@pytest.fixture
def awaiting(org, cohort, people):
    """Approval required; Fay accepted Ana (Gus is Ana's next choice); Ben waits for Hal."""
    _enable(cohort, require_approval=True)
    _create(org, people["ben"], [people["hal"]])
    request, _next = _create(org, people["ana"], [people["fay"], people["gus"]])
    _respond(org, request, accept=True)
    return request


def test_an_approval_creates_that_mentorship_only_and_is_audited(
    org, owner, cohort, people, awaiting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        approved = _approve(org, awaiting, approve=True, actor=owner)

    assert approved.status == ACCEPTED
    assert _statuses(people["ana"]) == [("Fay", 1, ACCEPTED), ("Gus", 2, "withdrawn")]
    assert _statuses(people["ben"]) == [("Hal", 1, PENDING)]
    assert _mentorships(cohort) == [("Fay", ("Ana",))]
    with scopes_disabled():
        entry = AuditLogEntry.objects.get(organization=org, action="mentor_request.approve")
    assert (entry.actor, entry.target) == (owner, "ana@acme.test → fay@acme.test")


def test_a_refusal_passes_to_the_next_choice_is_audited_and_is_final(
    org, owner, cohort, people, awaiting
):
    refused = _approve(org, awaiting, approve=False, actor=owner)

    assert refused.status == DECLINED
    assert _statuses(people["ana"]) == [("Fay", 1, DECLINED), ("Gus", 2, PENDING)]
    assert _statuses(people["ben"]) == [("Hal", 1, PENDING)]
    with scopes_disabled():
        entry = AuditLogEntry.objects.get(organization=org, action="mentor_request.refuse")
    assert entry.actor == owner
    with pytest.raises(DomainError):
        _approve(org, awaiting, approve=True, actor=owner)
    assert _mentorships(cohort) == []


def test_a_request_of_a_mentee_who_withdrew_meanwhile_is_not_approved(
    org, cohort, people, awaiting
):
    _withdraw(org, people["ana"])

    with pytest.raises(DomainError):
        _approve(org, awaiting, approve=True)

    assert _statuses(people["ana"])[0] == ("Fay", 1, RequestStatus.AWAITING_APPROVAL)
    assert _mentorships(cohort) == []


def test_a_request_not_awaiting_approval_cannot_be_approved(org, cohort, people):
    _enable(cohort, require_approval=True)
    (request,) = _create(org, people["ana"], [people["fay"]])

    with pytest.raises(DomainError):
        _approve(org, request, approve=True)

    assert _statuses(people["ana"]) == [("Fay", 1, PENDING)]
    assert _mentorships(cohort) == []


# --- Expiry ---------------------------------------------------------------------------------


def _expire(org):
    with scope(organization=org.pk):
        return services.mentor_requests_expire(organization=org)


def _due(request):
    with scopes_disabled():
        MentorRequest.objects.filter(pk=request.pk).update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )


def test_only_requests_past_their_answer_by_time_expire(org, people):
    ana, ben = people["ana"], people["ben"]
    (due,) = _create(org, ana, [people["fay"]])
    _create(org, ben, [people["gus"]])
    _due(due)

    assert _expire(org) == 1

    assert _statuses(ana) == [("Fay", 1, RequestStatus.EXPIRED)]
    assert _statuses(ben) == [("Gus", 1, PENDING)]


def test_a_request_answered_while_the_expiry_runs_is_left_as_answered(org, people, monkeypatch):
    ana, ben = people["ana"], people["ben"]
    (first,) = _create(org, ana, [people["fay"]])
    (second,) = _create(org, ben, [people["gus"]])
    _due(first)
    _due(second)
    advance = request_services._advance

    def and_the_other_is_answered_meanwhile(organization, mentee):
        # Gus accepts Ben while the expiry is busy with the first request it read.
        MentorRequest.objects.for_org(organization).exclude(mentee=mentee).update(status=ACCEPTED)
        return advance(organization, mentee)

    monkeypatch.setattr(request_services, "_advance", and_the_other_is_answered_meanwhile)

    assert _expire(org) == 1

    assert [_statuses(ana), _statuses(ben)] == [
        [("Fay", 1, RequestStatus.EXPIRED)],
        [("Gus", 1, ACCEPTED)],
    ]
