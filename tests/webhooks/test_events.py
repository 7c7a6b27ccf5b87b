"""The domain's changes become events for subscribed endpoints: enrollment, a published round
and its mentorships, pause, resume and close, and a check-in held. Payloads hold ids and the
essential fields, never a comment or a note."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorships import services as mentorship_services
from mentorships.services import check_ins, lifecycle
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory
from tests.mentorships.factories import CheckInFactory
from tests.webhooks.factories import endpoint_for
from webhooks.models import EventType, WebhookDelivery, WebhookMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def listening(org):
    return endpoint_for(org, "http://127.0.0.1:9/all", events=list(EventType.values))


@pytest.fixture
def pair(org):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentor = ParticipantFactory(cohort=cohort, role="mentor", user=UserFactory())
    mentee = ParticipantFactory(cohort=cohort, role="mentee", user=UserFactory())
    return cohort, mentor, mentee


def _events():
    with scopes_disabled():
        return [(m.event_type, m.payload) for m in WebhookMessage.objects.order_by("pk")]


def test_a_mentorship_made_paused_resumed_and_closed_is_four_events(org, listening, pair):
    cohort, mentor, mentee = pair
    with scope(organization=org.pk):
        mentorship = mentorship_services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
        for action in ("mentorship_pause", "mentorship_resume"):
            getattr(lifecycle, action)(organization=org, mentorship=mentorship, actor=mentor.user)
        lifecycle.mentorship_close(
            organization=org,
            mentorship=mentorship,
            actor=mentee.user,
            reason="other",
            comment="Private reasons",
        )

    events = _events()
    assert [event_type for event_type, _payload in events] == [
        "mentorship.started",
        "mentorship.paused",
        "mentorship.resumed",
        "mentorship.closed",
    ]
    started, closed = events[0][1], events[3][1]
    assert started["mentor_id"] == mentor.pk and started["mentee_ids"] == [mentee.pk]
    assert closed["status"] == "ended" and closed["close_reason"] == "other"
    assert "Private reasons" not in str(events)
    with scopes_disabled():
        assert WebhookDelivery.objects.filter(endpoint=listening).count() == 4


def test_mentorships_made_in_bulk_are_one_event_each(org, listening, pair):
    cohort, mentor, mentee = pair
    other_mentee = ParticipantFactory(cohort=cohort, role="mentee")
    with scope(organization=org.pk):
        made = mentorship_services.mentorships_create_from_match(
            organization=org,
            cohort=cohort,
            seats=[
                mentorship_services.MentorshipSeats(mentor_id=mentor.pk, mentee_ids=(mentee.pk,)),
                mentorship_services.MentorshipSeats(
                    mentor_id=mentor.pk, mentee_ids=(other_mentee.pk,)
                ),
            ],
        )

    assert sorted(p["mentorship_id"] for _t, p in _events()) == sorted(m.pk for m in made)


def test_a_check_in_held_is_an_event_and_one_that_did_not_happen_is_not(org, listening, pair):
    cohort, mentor, mentee = pair
    with scope(organization=org.pk):
        mentorship = mentorship_services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
        check_in = CheckInFactory(
            mentorship=mentorship, starts_at=timezone.now() - dt.timedelta(hours=2)
        )
        check_ins.check_in_record(
            organization=org, check_in=check_in, actor=mentee.user, happened=False
        )
        check_ins.check_in_record(
            organization=org,
            check_in=check_in,
            actor=mentor.user,
            happened=True,
            rating=5,
            comment="Went well",
        )

    held = [p for t, p in _events() if t == "check_in.held"]
    assert held == [
        {
            "check_in_id": check_in.pk,
            "mentorship_id": mentorship.pk,
            "starts_at": held[0]["starts_at"],
            "reported_by_participant_id": mentor.pk,
        }
    ]
    assert "Went well" not in str(held)


def test_an_organization_without_endpoints_records_no_events(other_org, listening):
    cohort = CohortFactory(program=ProgramFactory(organization=other_org))
    mentor = ParticipantFactory(cohort=cohort, role="mentor")
    mentee = ParticipantFactory(cohort=cohort, role="mentee")
    with scope(organization=other_org.pk):
        mentorship_services.mentorship_create_from_match(
            organization=other_org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )

    assert _events() == []


def test_enrolling_is_an_event_with_the_cohort_and_the_role(org, listening, cohort):
    from participants.services import participant_enroll
    from tests.factories import MembershipFactory, profile_data

    user = UserFactory(email="ana@acme.test", full_name="Ana")
    MembershipFactory(organization=org, user=user)
    with scope(organization=org.pk):
        participant = participant_enroll(
            organization=org, cohort=cohort, user=user, data=profile_data()
        )

    [(event_type, payload)] = _events()
    assert event_type == "participant.enrolled"
    assert payload == {
        "participant_id": participant.pk,
        "cohort_id": cohort.pk,
        "program_id": cohort.program_id,
        "role": participant.role,
        "email": "ana@acme.test",
    }
