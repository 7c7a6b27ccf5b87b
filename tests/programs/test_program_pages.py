import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from organizations.models import AuditLogEntry
from programs.models import Cohort, Program
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _program_payload(**overrides):
    data = {
        "name": "Bridges",
        "program_type": "one_to_one",
        "goal": "cross_cultural",
        "description": "Pairs colleagues across countries.",
        "participation_criteria": "Everyone",
        "time_commitment": "2 hours a month",
        "default_check_in_cadence": "biweekly",
    }
    data.update(overrides)
    return data


def _cohort_payload(**overrides):
    data = {
        "name": "Spring",
        "starts_on": "2027-03-01",
        "ends_on": "2027-08-31",
        "enrollment_opens_at": "2027-01-01T09:00",
        "enrollment_closes_at": "2027-02-01T17:00",
        "mentor_capacity": "20",
        "mentee_capacity": "40",
        "status": "enrolling",
    }
    data.update(overrides)
    return data


def test_program_manager_creates_a_program(client, org, program_manager):
    login(client, program_manager)

    response = client.post(reverse("programs:program_create", args=[org.slug]), _program_payload())

    with scopes_disabled():
        program = Program.objects.get(organization=org)
        assert AuditLogEntry.objects.filter(organization=org, action="program.create").exists()
    assert response.status_code == 302
    assert program.goal == "cross_cultural"


def test_program_name_must_be_unique_within_the_organization(client, org, program_manager, program):
    login(client, program_manager)

    response = client.post(
        reverse("programs:program_create", args=[org.slug]), _program_payload(name=program.name)
    )

    assert response.status_code == 200
    assert "name" in response.context["form"].errors


def test_same_program_name_is_fine_in_another_organization(client, org, program_manager, other_org):
    from tests.factories import ProgramFactory

    ProgramFactory(organization=other_org, name="Bridges")
    login(client, program_manager)

    response = client.post(reverse("programs:program_create", args=[org.slug]), _program_payload())

    assert response.status_code == 302


def test_invalid_program_type_gets_a_field_error(client, org, program_manager):
    login(client, program_manager)

    response = client.post(
        reverse("programs:program_create", args=[org.slug]), _program_payload(program_type="solo")
    )

    assert "program_type" in response.context["form"].errors


def test_hr_analyst_cannot_create_or_change_programs(client, org, hr_analyst, program):
    login(client, hr_analyst)

    create = client.post(
        reverse("programs:program_create", args=[org.slug]), _program_payload(name="X")
    )
    edit = client.post(
        reverse("programs:program_edit", args=[org.slug, program.pk]),
        _program_payload(name="Renamed"),
    )

    assert create.status_code == 403
    assert edit.status_code == 403
    program.refresh_from_db()
    assert program.name == "Bridges"


def test_hr_analyst_can_read_the_program_list(client, org, hr_analyst, program):
    login(client, hr_analyst)

    response = client.get(reverse("programs:program_list", args=[org.slug]))

    assert response.status_code == 200
    assert b"Bridges" in response.content


def test_member_cannot_see_the_admin_program_list(client, org, member):
    login(client, member)

    assert client.get(reverse("programs:program_list", args=[org.slug])).status_code == 403


def test_cohort_is_created_with_its_enrollment_window_in_the_admins_time_zone(
    client, org, program_manager, program
):
    program_manager.time_zone = "America/New_York"
    program_manager.save()
    login(client, program_manager)

    response = client.post(
        reverse("programs:cohort_create", args=[org.slug, program.pk]), _cohort_payload()
    )

    assert response.status_code == 302
    with scopes_disabled():
        cohort = Cohort.objects.get(program=program)
    # 09:00 in New York in January is 14:00 UTC.
    assert cohort.enrollment_opens_at.isoformat() == "2027-01-01T14:00:00+00:00"


def test_cohort_ending_before_it_starts_is_refused_with_a_field_error(
    client, org, program_manager, program
):
    login(client, program_manager)

    response = client.post(
        reverse("programs:cohort_create", args=[org.slug, program.pk]),
        _cohort_payload(ends_on="2027-02-01"),
    )

    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors
    with scopes_disabled():
        assert not Cohort.objects.exists()


def test_enrollment_that_closes_before_it_opens_is_refused(client, org, program_manager, program):
    login(client, program_manager)

    response = client.post(
        reverse("programs:cohort_create", args=[org.slug, program.pk]),
        _cohort_payload(enrollment_closes_at="2026-12-01T09:00"),
    )

    assert "enrollment_closes_at" in response.context["form"].errors


def test_question_added_with_htmx_returns_the_refreshed_list(client, org, program_manager, cohort):
    login(client, program_manager)

    response = client.post(
        reverse("programs:question_add", args=[org.slug, cohort.pk]),
        {
            "label": "Favourite tea?",
            "kind": "single_choice",
            "choices": "Green\nBlack",
            "audience": "everyone",
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert b"Favourite tea?" in response.content
    assert b"<html" not in response.content


def test_choice_question_needs_two_choices(client, org, program_manager, cohort):
    login(client, program_manager)

    response = client.post(
        reverse("programs:question_add", args=[org.slug, cohort.pk]),
        {"label": "Pick", "kind": "multiple_choice", "choices": "Only one", "audience": "everyone"},
        HTTP_HX_REQUEST="true",
    )

    assert response.context["question_form"].errors["choices"]


def test_catalog_lists_open_cohorts_only(client, org, member, program):
    from tests.factories import CohortFactory

    CohortFactory(program=program, name="Open cohort")
    CohortFactory(program=program, name="Draft cohort", status="draft")
    login(client, member)

    response = client.get(reverse("programs:catalog", args=[org.slug]))

    assert b"Open cohort" in response.content
    assert b"Draft cohort" not in response.content


def test_catalog_shows_seats_left(client, org, member, program):
    from tests.factories import CohortFactory, ParticipantFactory

    cohort = CohortFactory(program=program, mentor_capacity=3, mentee_capacity=5)
    ParticipantFactory(cohort=cohort, role="mentor")
    ParticipantFactory(cohort=cohort, role="both")
    login(client, member)

    response = client.get(reverse("programs:catalog", args=[org.slug]))

    html = response.content.decode()
    # Capacity bars: seats taken of the capacity, and in words how many are left.
    assert 'aria-label="Mentor seats"' in html
    mentors = 'aria-valuenow="2" aria-valuemin="0" aria-valuemax="3" aria-valuetext="1 of 3 left"'
    mentees = 'aria-valuenow="1" aria-valuemin="0" aria-valuemax="5" aria-valuetext="4 of 5 left"'
    assert mentors in html
    assert mentees in html
