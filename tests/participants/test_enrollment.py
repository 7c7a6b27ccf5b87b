import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from participants.models import Participant
from tests.conftest import login
from tests.factories import CohortFactory, EnrollmentQuestionFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "role": "mentee",
        "skills_offered": "",
        "skills_wanted": "SQL, public speaking",
        "goals": "Lead a team within a year.",
        "languages": "English (native), Spanish (conversational)",
        "time_zone": "Europe/Madrid",
        "working_hours_start": "09:00",
        "working_hours_end": "17:30",
        "country": "ES",
        "cultural_background": "Spanish",
        "function": "Finance",
        "seniority": "2",
        "mentor_capacity": "",
        "mentors_wanted": "1",
        "manager_email": "boss@acme.test",
    }
    data.update(overrides)
    return data


def test_member_enrolls_with_the_standard_profile(client, org, member, cohort):
    login(client, member)

    response = client.post(reverse("participants:enroll", args=[org.slug, cohort.pk]), _form())

    assert response.status_code == 200
    with scopes_disabled():
        participant = Participant.objects.get(cohort=cohort)
    assert participant.user == member
    assert participant.email == member.email
    assert participant.skills_wanted == ["SQL", "public speaking"]
    assert participant.languages == [
        {"code": "en", "proficiency": "native"},
        {"code": "es", "proficiency": "conversational"},
    ]
    assert participant.working_hours_end == dt.time(17, 30)


def test_unknown_language_gets_a_field_error_and_saves_nothing(client, org, member, cohort):
    login(client, member)

    response = client.post(
        reverse("participants:enroll", args=[org.slug, cohort.pk]), _form(languages="Klingon")
    )

    assert "languages" in response.context["form"].errors
    with scopes_disabled():
        assert not Participant.objects.exists()


def test_bad_time_zone_and_missing_function_are_reported_per_field(client, org, member, cohort):
    login(client, member)

    response = client.post(
        reverse("participants:enroll", args=[org.slug, cohort.pk]),
        _form(time_zone="Mars/Olympus", function=""),
    )

    errors = response.context["form"].errors
    assert "time_zone" in errors
    assert "function" in errors


def test_required_cohort_question_must_be_answered(client, org, member, cohort):
    question = EnrollmentQuestionFactory(cohort=cohort, required=True)
    login(client, member)

    missing = client.post(reverse("participants:enroll", args=[org.slug, cohort.pk]), _form())
    answered = client.post(
        reverse("participants:enroll", args=[org.slug, cohort.pk]),
        _form(**{question.answer_key: "In person"}),
    )

    assert question.answer_key in missing.context["form"].errors
    assert answered.status_code == 200
    with scopes_disabled():
        assert Participant.objects.get(cohort=cohort).answers == {question.answer_key: "In person"}


def test_question_for_mentors_is_not_required_of_mentees(client, org, member, cohort):
    EnrollmentQuestionFactory(cohort=cohort, required=True, audience="mentors")
    login(client, member)

    client.post(reverse("participants:enroll", args=[org.slug, cohort.pk]), _form(role="mentee"))

    with scopes_disabled():
        assert Participant.objects.filter(cohort=cohort).count() == 1


def test_enrollment_is_refused_when_the_window_has_closed(client, org, member, program):
    closed = CohortFactory(
        program=program,
        enrollment_opens_at=timezone.now() - dt.timedelta(days=10),
        enrollment_closes_at=timezone.now() - dt.timedelta(days=1),
    )
    login(client, member)

    client.post(reverse("participants:enroll", args=[org.slug, closed.pk]), _form())

    with scopes_disabled():
        assert not Participant.objects.exists()


def test_enrollment_is_refused_when_mentee_seats_are_taken(client, org, member, program):
    full = CohortFactory(program=program, mentee_capacity=1)
    ParticipantFactory(cohort=full, role="mentee")
    login(client, member)

    response = client.post(reverse("participants:enroll", args=[org.slug, full.pk]), _form())

    assert "role" in response.context["form"].errors
    with scopes_disabled():
        assert Participant.objects.filter(cohort=full).count() == 1


def test_enrolling_twice_shows_the_existing_enrollment(client, org, member, cohort):
    login(client, member)
    client.post(reverse("participants:enroll", args=[org.slug, cohort.pk]), _form())

    again = client.post(
        reverse("participants:enroll", args=[org.slug, cohort.pk]), _form(role="mentor")
    )

    assert again.templates[0].name == "participants/enrolled.html"
    with scopes_disabled():
        assert Participant.objects.filter(cohort=cohort).count() == 1


def test_member_cannot_see_other_participants_or_their_answers(client, org, member, cohort):
    ParticipantFactory(cohort=cohort, answers={"q1": "my private answer"})
    login(client, member)

    list_page = client.get(reverse("participants:participant_list", args=[org.slug, cohort.pk]))
    export = client.get(reverse("participants:participant_export", args=[org.slug, cohort.pk]))

    assert list_page.status_code == 403
    assert export.status_code == 403


def test_admin_list_filters_and_counts(client, org, org_admin, cohort):
    ParticipantFactory(cohort=cohort, role="mentor", full_name="Zed Mentor", country="JP")
    ParticipantFactory(cohort=cohort, role="mentee", full_name="Yan Mentee", country="BR")
    ParticipantFactory(cohort=cohort, role="mentee", full_name="Xia Gone", status="withdrawn")
    login(client, org_admin)
    url = reverse("participants:participant_list", args=[org.slug, cohort.pk])

    everyone = client.get(url)
    mentees = client.get(url, {"role": "mentee"})
    search = client.get(url, {"search": "zed"})

    assert everyone.context["counts"] == {
        "total": 3,
        "active": 2,
        "withdrawn": 1,
        "mentors": 1,
        "mentees": 1,
    }
    assert {p.full_name for p in mentees.context["participants"]} == {"Yan Mentee", "Xia Gone"}
    assert [p.full_name for p in search.context["participants"]] == ["Zed Mentor"]


def test_admin_withdraws_a_participant_and_frees_the_seat(client, org, org_admin, program):
    full = CohortFactory(program=program, mentee_capacity=1)
    participant = ParticipantFactory(cohort=full, role="mentee")
    login(client, org_admin)

    client.post(reverse("participants:participant_withdraw", args=[org.slug, participant.pk]))
    client.post(reverse("participants:participant_withdraw", args=[org.slug, participant.pk]))

    participant.refresh_from_db()
    assert participant.status == "withdrawn"
    assert participant.withdrawn_at is not None
    with scopes_disabled():
        from organizations.models import AuditLogEntry

        assert AuditLogEntry.objects.filter(action="participant.withdraw").count() == 1


def test_admin_edits_a_participant(client, org, org_admin, cohort):
    participant = ParticipantFactory(cohort=cohort)
    login(client, org_admin)

    response = client.post(
        reverse("participants:participant_edit", args=[org.slug, participant.pk]),
        _form(email=participant.email, full_name="Renamed Person", function="Legal"),
    )

    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.full_name == "Renamed Person"
    assert participant.function == "Legal"
