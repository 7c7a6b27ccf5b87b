"""Forms that show only what applies: the enrollment form asks for what a role and a program
type use and clears what does not, whatever was sent; the program, cohort and question forms
come in sections with their conditional parts marked for static/js/forms.js; the catalog
filters by program type and goal."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from participants.forms import ProfileForm
from participants.models import Participant
from tests.conftest import login
from tests.factories import (
    CohortFactory,
    EnrollmentQuestionFactory,
    ParticipantFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db


def _profile(**overrides):
    data = {
        "role": "mentee",
        "skills_offered": "",
        "skills_wanted": "SQL",
        "goals": "Lead a team within a year.",
        "languages": "English (native)",
        "time_zone": "Europe/Madrid",
        "working_hours_start": "09:00",
        "working_hours_end": "17:30",
        "country": "ES",
        "function": "Finance",
        "seniority": "2",
        "mentors_wanted": "1",
        "mentor_capacity": "",
    }
    data.update(overrides)
    return data


def _cohort(org, program_type: str):
    return CohortFactory(program=ProgramFactory(organization=org, program_type=program_type))


def _enroll(client, org, cohort, **fields):
    response = client.post(
        reverse("participants:enroll", args=[org.slug, cohort.pk]), _profile(**fields)
    )
    with scopes_disabled():
        return response, Participant.objects.filter(cohort=cohort).first()


# The enrollment form


def test_a_mentees_leftover_mentor_fields_are_cleared_and_do_not_block_enrolling(
    client, org, member
):
    cohort = _cohort(org, "advisory_board")
    login(client, member)

    # Values typed while "Mentor" was chosen, one of them out of range, then the role changed.
    response, participant = _enroll(
        client,
        org,
        cohort,
        role="mentee",
        mentor_capacity="99",
        board_roles="skill, career",
        skills_offered="negotiation",
    )

    assert response.status_code == 200
    assert participant is not None, response.context["form"].errors
    assert participant.mentor_capacity == 1
    assert participant.board_roles == []
    assert participant.skills_offered == []
    assert participant.skills_wanted == ["SQL"]


def test_a_mentors_leftover_mentee_fields_are_cleared(client, org, member, cohort):
    login(client, member)

    response, participant = _enroll(
        client, org, cohort, role="mentor", mentor_capacity="3", mentors_wanted="9"
    )

    assert participant is not None, response.context["form"].errors
    assert (participant.mentor_capacity, participant.mentors_wanted) == (3, 1)
    assert participant.skills_wanted == []


def test_someone_who_is_both_keeps_every_field_and_its_checks(client, org, member, cohort):
    login(client, member)

    response, participant = _enroll(
        client, org, cohort, role="both", mentor_capacity="99", skills_offered="SQL"
    )

    assert participant is None
    assert "mentor_capacity" in response.context["form"].errors


def test_board_seats_are_asked_only_in_advisory_board_programs(client, org, member):
    login(client, member)
    pages = {
        program_type: client.get(
            reverse("participants:enroll", args=[org.slug, _cohort(org, program_type).pk])
        )
        for program_type in ("one_to_one", "group", "advisory_board")
    }

    assert "board_roles" not in pages["one_to_one"].context["form"].fields
    assert "board_roles" not in pages["group"].context["form"].fields
    board_form = pages["advisory_board"].context["form"]
    assert board_form.fields["board_roles"].label == "Board seats I can fill"
    assert board_form.fields["mentors_wanted"].label == "Board members I would like"


def test_group_mentors_are_not_asked_how_many_mentees_and_enroll_with_one_group(
    client, org, member
):
    cohort = _cohort(org, "group")
    login(client, member)

    page = client.get(reverse("participants:enroll", args=[org.slug, cohort.pk]))
    response, participant = _enroll(client, org, cohort, role="mentor", mentor_capacity="7")

    assert "mentor_capacity" not in page.context["form"].fields
    assert participant is not None, response.context["form"].errors
    assert participant.mentor_capacity == 1


def test_a_board_mentor_names_the_seats_they_can_fill(client, org, member):
    cohort = _cohort(org, "advisory_board")
    login(client, member)

    _response, participant = _enroll(
        client, org, cohort, role="mentor", mentor_capacity="2", board_roles="Skill, Career"
    )

    assert participant.board_roles == ["skill", "career"]


def test_role_dependent_fields_and_questions_are_marked_for_the_script(client, org, member):
    cohort = _cohort(org, "advisory_board")
    EnrollmentQuestionFactory(cohort=cohort, label="Which team do you lead?", audience="mentors")
    login(client, member)

    html = client.get(reverse("participants:enroll", args=[org.slug, cohort.pk])).content.decode()

    assert html.count('data-show-when="role=mentor both"') == 4  # 3 fields and the question
    assert html.count('data-show-when="role=mentee both"') == 2
    assert "/static/js/forms.js" in html
    assert html.count('class="ui-form-section"') == 5  # four profile sections and the questions
    assert "form-actions--sticky" in html


def test_the_enrollment_form_without_a_program_type_asks_everything():
    form = ProfileForm()

    assert {"board_roles", "mentor_capacity", "mentors_wanted"} <= set(form.fields)
    assert form.not_asked == []


# Program, cohort and question forms


def test_program_form_explains_each_type_where_it_is_chosen(client, org, program_manager):
    login(client, program_manager)

    html = client.get(reverse("programs:program_create", args=[org.slug])).content.decode()

    for program_type in ("one_to_one", "group", "advisory_board", "reverse", "flash"):
        assert f'data-show-when="program_type={program_type}"' in html
    assert html.count('class="ui-form-section"') == 3
    assert "form-actions--sticky" in html


def test_cohort_form_speaks_of_group_leaders_in_group_programs(client, org, program_manager):
    group = ProgramFactory(organization=org, program_type="group")
    one_to_one = ProgramFactory(organization=org)
    login(client, program_manager)

    group_page = client.get(reverse("programs:cohort_create", args=[org.slug, group.pk]))
    pair_page = client.get(reverse("programs:cohort_create", args=[org.slug, one_to_one.pk]))

    assert group_page.context["form"].fields["mentor_capacity"].label == "Group leaders"
    assert pair_page.context["form"].fields["mentor_capacity"].label == "Mentor seats"


def test_question_choices_show_only_for_choice_questions(client, org, program_manager, cohort):
    login(client, program_manager)

    html = client.get(
        reverse("programs:cohort_detail", args=[org.slug, cohort.pk])
    ).content.decode()

    assert 'data-show-when="kind=single_choice multiple_choice"' in html


# The catalog's filters


def test_catalog_filters_by_program_type_and_goal(client, org, member):
    CohortFactory(
        program=ProgramFactory(
            organization=org, name="Circles", program_type="group", goal="leadership"
        )
    )
    CohortFactory(
        program=ProgramFactory(
            organization=org, name="Bridges", program_type="one_to_one", goal="cross_cultural"
        )
    )
    CohortFactory(
        program=ProgramFactory(
            organization=org, name="Guides", program_type="group", goal="onboarding"
        )
    )
    login(client, member)
    url = reverse("programs:catalog", args=[org.slug])

    def names(**query) -> list[str]:
        response = client.get(url, query)
        return sorted(c.program.name for c in response.context["cohorts"])

    assert names() == ["Bridges", "Circles", "Guides"]
    assert names(program_type="group") == ["Circles", "Guides"]
    assert names(program_type="group", goal="leadership") == ["Circles"]
    assert names(goal="cross_cultural") == ["Bridges"]
    assert names(program_type="no-such-type") == ["Bridges", "Circles", "Guides"]


def test_catalog_filter_by_htmx_answers_with_the_results_only(client, org, member):
    CohortFactory(program=ProgramFactory(organization=org, name="Circles", program_type="group"))
    login(client, member)

    response = client.get(
        reverse("programs:catalog", args=[org.slug]),
        {"program_type": "flash"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert "<html" not in html
    assert "No open cohort matches these filters" in html
    assert "0 cohorts open for enrollment" in html


def test_a_full_cohort_says_so_instead_of_offering_enroll(client, org, member):
    full = CohortFactory(
        program=ProgramFactory(organization=org, name="Tiny"), mentor_capacity=1, mentee_capacity=1
    )
    ParticipantFactory(cohort=full, role="both")
    login(client, member)

    html = client.get(reverse("programs:catalog", args=[org.slug])).content.decode()

    assert "Every seat is taken." in html
    assert reverse("participants:enroll", args=[org.slug, full.pk]) not in html
