"""The survey builder, as a program manager uses it: the list, a draft from a template or blank,
editing sections and questions (texts in both languages, choices, conditions, order, required),
schedules, opening and closing, and who may do it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from surveys.models import Survey, SurveyQuestion, SurveySchedule, SurveySection, SurveyStatus
from surveys.templates_library import SURVEY_TEMPLATES
from tests.conftest import login
from tests.surveys.factories import SurveyFactory, SurveyQuestionFactory, SurveySectionFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name, org, *args):
    return reverse(f"surveys:{name}", args=[org.slug, *args])


def _survey(org, program, **extra):
    survey = SurveyFactory(program=program, **extra)
    section = SurveySectionFactory(survey=survey, position=1)
    return survey, section


def _questions(survey):
    with scopes_disabled():
        return list(
            SurveyQuestion.objects.filter(survey=survey).order_by(
                "section__position", "position", "id"
            )
        )


@pytest.mark.parametrize("role", ["member", "hr_analyst"])
def test_only_people_who_manage_programs_open_the_builder(client, org, program, role, request):
    survey, _section = _survey(org, program)
    login(client, request.getfixturevalue(role))

    assert client.get(_url("survey_list", org)).status_code == 403
    assert client.get(_url("builder", org, survey.pk)).status_code == 403
    assert client.post(_url("question_add", org, survey.pk, _section.pk)).status_code == 403


def test_the_list_offers_every_shipped_template_and_lists_the_surveys(
    client, org, program, program_manager
):
    SurveyFactory(program=program, name={"en": "Pulse check", "es": "Pulso"})
    login(client, program_manager)

    page = client.get(_url("survey_list", org)).content.decode()

    assert "Pulse check" in page
    for template in SURVEY_TEMPLATES.values():
        assert f'value="{template.key}"' in page


def test_an_empty_list_says_what_to_do_first(client, org, program, program_manager):
    login(client, program_manager)

    page = client.get(_url("survey_list", org)).content.decode()

    assert "No surveys yet" in page


@pytest.mark.parametrize("template", list(SURVEY_TEMPLATES))
def test_a_draft_from_each_template_opens_in_the_editor_with_its_questions(
    client, org, program, program_manager, template
):
    login(client, program_manager)

    response = client.post(
        _url("survey_create", org), {"program": program.pk, "template": template}
    )

    with scopes_disabled():
        survey = Survey.objects.get(program=program)
    assert response.status_code == 302
    assert response["Location"] == _url("builder", org, survey.pk)
    assert survey.status == SurveyStatus.DRAFT
    assert survey.template_key == template
    page = client.get(response["Location"]).content.decode()
    for question in _questions(survey):
        assert question.text["en"] in page or question.text["en"].replace("'", "&#x27;") in page


def test_a_blank_survey_needs_a_name(client, org, program, program_manager):
    login(client, program_manager)

    refused = client.post(_url("survey_create", org), {"program": program.pk, "template": ""})
    made = client.post(
        _url("survey_create", org),
        {"program": program.pk, "template": "", "name_en": "Kick-off", "name_es": "Arranque"},
    )

    assert refused.status_code == 400
    # The refusal sits at the name fields (the first language's), not above the form.
    page = refused.content.decode()
    name_field = page.split('for="id_name_en"', 1)[1].split("</div>", 1)[0]
    assert "Write it in at least one language." in name_field
    assert 'role="alert"' not in page.split('data-testid="new-survey"', 1)[1].split("</form>")[0]
    assert made.status_code == 302
    with scopes_disabled():
        survey = Survey.objects.get(program=program)
        assert survey.name == {"en": "Kick-off", "es": "Arranque"}
        assert SurveySection.objects.filter(survey=survey).count() == 1


def test_another_organizations_program_cannot_hold_a_new_survey(
    client, org, program_manager, other_cohort
):
    login(client, program_manager)

    response = client.post(
        _url("survey_create", org),
        {"program": other_cohort.program_id, "template": "nps"},
    )

    assert response.status_code == 400
    with scopes_disabled():
        assert not Survey.objects.exists()


def test_a_question_is_added_with_both_languages_and_its_choices(
    client, org, program, program_manager
):
    survey, section = _survey(org, program)
    login(client, program_manager)
    prefix = f"new-question-{section.pk}"

    response = client.post(
        _url("question_add", org, survey.pk, section.pk),
        {
            f"{prefix}-type": "single",
            f"{prefix}-text_en": "Is this a good match?",
            f"{prefix}-text_es": "¿Es un buen emparejamiento?",
            f"{prefix}-required": "on",
            f"{prefix}-choice_0_value": "",
            f"{prefix}-choice_0_label_en": "Yes",
            f"{prefix}-choice_0_label_es": "Sí",
            f"{prefix}-choice_1_value": "no",
            f"{prefix}-choice_1_label_en": "No",
            f"{prefix}-choice_1_label_es": "",
            f"{prefix}-choice_2_value": "",
            f"{prefix}-choice_2_label_en": "",
            f"{prefix}-choice_2_label_es": "",
        },
        **HTMX,
    )

    assert response.status_code == 200
    assert 'id="survey-builder"' in response.content.decode()
    [question] = _questions(survey)
    assert question.key == "is_this_a_good_match"
    assert question.text == {"en": "Is this a good match?", "es": "¿Es un buen emparejamiento?"}
    assert question.required is True
    assert question.choices == [
        {"value": "yes", "label": {"en": "Yes", "es": "Sí"}},
        {"value": "no", "label": {"en": "No"}},
    ]


def test_a_refused_question_comes_back_with_what_was_typed_and_why(
    client, org, program, program_manager
):
    survey, section = _survey(org, program)
    login(client, program_manager)
    prefix = f"new-question-{section.pk}"

    response = client.post(
        _url("question_add", org, survey.pk, section.pk),
        {
            f"{prefix}-type": "single",
            f"{prefix}-text_en": "Pick one",
            f"{prefix}-choice_0_value": "",
            f"{prefix}-choice_0_label_en": "Only one",
        },
        **HTMX,
    )

    page = response.content.decode()
    assert "Give at least two choices." in page
    assert 'value="Pick one"' in page
    assert not _questions(survey)


def test_a_condition_is_set_by_ticking_answers_of_an_earlier_question(
    client, org, program, program_manager
):
    survey, section = _survey(org, program)
    SurveyQuestionFactory(
        section=section,
        key="good_match",
        type="single",
        position=1,
        choices=[
            {"value": "yes", "label": {"en": "Yes"}},
            {"value": "no", "label": {"en": "No"}},
        ],
    )
    login(client, program_manager)
    prefix = f"new-question-{section.pk}"

    editor = client.get(_url("builder", org, survey.pk)).content.decode()
    client.post(
        _url("question_add", org, survey.pk, section.pk),
        {
            f"{prefix}-type": "long_text",
            f"{prefix}-key": "why_not",
            f"{prefix}-text_en": "What is getting in the way?",
            f"{prefix}-show_if_values": ["good_match=no"],
        },
        **HTMX,
    )

    assert 'value="good_match=no"' in editor
    question = _questions(survey)[-1]
    assert question.show_if == {"question": "good_match", "values": ["no"]}
    page = client.get(_url("builder", org, survey.pk)).content.decode()
    assert "Shown when “Is this a good match?”" not in page  # the factory's text is generic
    assert "Shown when" in page


def test_a_condition_on_answers_of_two_questions_is_refused(client, org, program, program_manager):
    survey, section = _survey(org, program)
    for key in ("a", "b"):
        SurveyQuestionFactory(section=section, key=key, type="scale_1_5")
    login(client, program_manager)
    prefix = f"new-question-{section.pk}"

    response = client.post(
        _url("question_add", org, survey.pk, section.pk),
        {
            f"{prefix}-type": "short_text",
            f"{prefix}-text_en": "Why?",
            f"{prefix}-show_if_values": ["a=1", "b=2"],
        },
        **HTMX,
    )

    assert "Shown when" not in response.content.decode()
    assert len(_questions(survey)) == 2


def test_a_question_moves_down_into_the_next_section_and_back(
    client, org, program, program_manager
):
    survey, first = _survey(org, program)
    second = SurveySectionFactory(survey=survey, position=2)
    a = SurveyQuestionFactory(section=first, key="a", position=1)
    b = SurveyQuestionFactory(section=first, key="b", position=2)
    c = SurveyQuestionFactory(section=second, key="c", position=1)
    login(client, program_manager)

    client.post(_url("question_move", org, survey.pk, a.pk), {"direction": "down"}, **HTMX)
    assert [q.key for q in _questions(survey)] == ["b", "a", "c"]
    client.post(_url("question_move", org, survey.pk, a.pk), {"direction": "down"}, **HTMX)
    assert [q.key for q in _questions(survey)] == ["b", "a", "c"]
    with scopes_disabled():
        a.refresh_from_db()
    assert a.section_id == second.pk
    client.post(_url("question_move", org, survey.pk, c.pk), {"direction": "up"}, **HTMX)
    assert [q.key for q in _questions(survey)] == ["b", "c", "a"]
    assert b  # stays first throughout


def test_a_question_cannot_move_above_the_one_its_display_depends_on(
    client, org, program, program_manager
):
    survey, section = _survey(org, program)
    SurveyQuestionFactory(section=section, key="a", type="scale_1_5", position=1)
    dependent = SurveyQuestionFactory(
        section=section,
        key="b",
        type="short_text",
        position=2,
        show_if={"question": "a", "values": ["1", "2"]},
    )
    login(client, program_manager)

    response = client.post(
        _url("question_move", org, survey.pk, dependent.pk), {"direction": "up"}, **HTMX
    )

    assert "can only depend on a question before it" in response.content.decode()
    assert [q.key for q in _questions(survey)] == ["a", "b"]


def test_the_required_toggle_flips_a_question(client, org, program, program_manager):
    survey, section = _survey(org, program)
    question = SurveyQuestionFactory(section=section, required=False)
    login(client, program_manager)

    client.post(_url("question_required", org, survey.pk, question.pk), {"required": "1"}, **HTMX)

    with scopes_disabled():
        question.refresh_from_db()
    assert question.required is True


def test_the_required_toggle_reads_optional_on_an_optional_question(
    client, org, program, program_manager
):
    # The toggle said "Required" on every question, pressed or not: an optional question read
    # as required in the builder while the answer page (rightly) marked it optional.
    survey, section = _survey(org, program)
    SurveyQuestionFactory(section=section, key="a", position=1, required=True)
    SurveyQuestionFactory(section=section, key="b", position=2, required=False)
    login(client, program_manager)

    page = client.get(_url("builder", org, survey.pk)).content.decode()

    toggles = [
        part.split(">", 1)[1].split("</button>", 1)[0]
        for part in page.split('data-testid="required-toggle"')[1:]
    ]
    assert len(toggles) == 2
    assert "Required" in toggles[0] and "Optional" not in toggles[0]
    assert "Optional" in toggles[1] and "Required" not in toggles[1]


def test_a_question_others_depend_on_cannot_be_deleted(client, org, program, program_manager):
    survey, section = _survey(org, program)
    source = SurveyQuestionFactory(section=section, key="a", type="scale_1_5", position=1)
    SurveyQuestionFactory(
        section=section, key="b", position=2, show_if={"question": "a", "values": ["1"]}
    )
    login(client, program_manager)

    response = client.post(_url("question_delete", org, survey.pk, source.pk), **HTMX)

    assert "change its condition first" in response.content.decode()
    assert len(_questions(survey)) == 2


def test_sections_are_added_edited_moved_and_deleted(client, org, program, program_manager):
    survey, first = _survey(org, program)
    login(client, program_manager)

    client.post(
        _url("section_add", org, survey.pk),
        {"new-section-title_en": "Outcomes", "new-section-title_es": "Resultados"},
        **HTMX,
    )
    with scopes_disabled():
        added = SurveySection.objects.get(survey=survey, title__en="Outcomes")
    client.post(_url("section_move", org, survey.pk, added.pk), {"direction": "up"}, **HTMX)
    with scopes_disabled():
        order = list(SurveySection.objects.filter(survey=survey).values_list("pk", flat=True))
    assert order == [added.pk, first.pk]
    client.post(
        _url("section_edit", org, survey.pk, added.pk),
        {f"section-{added.pk}-title_en": "What changed", f"section-{added.pk}-title_es": ""},
        **HTMX,
    )
    with scopes_disabled():
        added.refresh_from_db()
    assert added.title == {"en": "What changed"}
    client.post(_url("section_delete", org, survey.pk, added.pk), **HTMX)
    with scopes_disabled():
        assert list(SurveySection.objects.filter(survey=survey)) == [first]


def test_a_survey_opens_only_with_a_question_a_schedule_and_a_closing_date(
    client, org, program, program_manager
):
    survey, section = _survey(org, program)
    login(client, program_manager)
    open_url = _url("open", org, survey.pk)

    no_question = client.post(open_url, **HTMX).content.decode()
    SurveyQuestionFactory(section=section)
    no_schedule = client.post(open_url, **HTMX).content.decode()
    client.post(
        _url("schedule_add", org, survey.pk),
        {
            "new-schedule-trigger": "after_mentorship_published",
            "new-schedule-days": "14",
            "new-schedule-audience": "mentees",
        },
        **HTMX,
    )
    no_close = client.post(open_url, **HTMX).content.decode()
    closes = (timezone.localtime() + dt.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        _url("settings", org, survey.pk),
        {
            "settings-name_en": "Check",
            "settings-closes_at": closes,
            "settings-reminder_after_days": "3",
        },
        **HTMX,
    )
    opened = client.post(open_url, **HTMX)

    assert "Add a question before opening the survey." in no_question
    assert "Add a schedule" in no_schedule
    assert "Set a closing date in the future first." in no_close
    assert opened.status_code == 200
    with scopes_disabled():
        survey.refresh_from_db()
        schedule = SurveySchedule.objects.get(survey=survey)
    assert survey.status == SurveyStatus.OPEN
    assert (schedule.trigger, schedule.days, schedule.audience) == (
        "after_mentorship_published",
        14,
        "mentees",
    )


def test_an_open_survey_keeps_its_questions_but_takes_wording_fixes(
    client, org, program, program_manager
):
    survey, section = _survey(
        org,
        program,
        status=SurveyStatus.OPEN,
        closes_at=timezone.now() + dt.timedelta(days=5),
    )
    question = SurveyQuestionFactory(section=section, key="q", type="scale_1_5")
    login(client, program_manager)
    prefix = f"question-{question.pk}"
    base = {f"{prefix}-type": "scale_1_5", f"{prefix}-key": "q", f"{prefix}-text_en": "Better?"}

    reworded = client.post(_url("question_edit", org, survey.pk, question.pk), base, **HTMX)
    retyped = client.post(
        _url("question_edit", org, survey.pk, question.pk),
        {**base, f"{prefix}-type": "nps"},
        **HTMX,
    )
    added = client.post(
        _url("question_add", org, survey.pk, section.pk),
        {f"new-question-{section.pk}-type": "nps", f"new-question-{section.pk}-text_en": "New"},
        **HTMX,
    )

    with scopes_disabled():
        question.refresh_from_db()
    assert reworded.status_code == 200
    assert question.text == {"en": "Better?"}
    assert question.type == "scale_1_5"
    assert "Make a copy for a new version." in retyped.content.decode()
    assert "Make a copy for a new version." in added.content.decode()
    assert len(_questions(survey)) == 1


def test_a_match_check_cannot_be_made_anonymous(client, org, program, program_manager):
    survey, _section = _survey(org, program, kind="match_check")
    login(client, program_manager)

    response = client.post(
        _url("settings", org, survey.pk),
        {"settings-name_en": "Check", "settings-anonymous": "on"},
        **HTMX,
    )

    assert "A match check names who answered" in response.content.decode()
    with scopes_disabled():
        survey.refresh_from_db()
    assert survey.anonymous is False


def test_closing_an_open_survey_asks_first_and_ends_its_links(
    client, org, program, program_manager
):
    survey, _section = _survey(
        org, program, status=SurveyStatus.OPEN, closes_at=timezone.now() + dt.timedelta(days=5)
    )
    login(client, program_manager)
    editor = client.get(_url("builder", org, survey.pk)).content.decode()

    client.post(_url("close", org, survey.pk), **HTMX)

    assert "Close this survey now?" in editor
    with scopes_disabled():
        survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED
    assert survey.closes_at <= timezone.now()


def test_a_copy_of_a_closed_survey_is_a_new_draft_with_the_same_questions(
    client, org, program, program_manager
):
    survey, section = _survey(org, program, status=SurveyStatus.CLOSED)
    SurveyQuestionFactory(section=section, key="a")
    login(client, program_manager)

    response = client.post(_url("copy", org, survey.pk))

    with scopes_disabled():
        copy = Survey.objects.exclude(pk=survey.pk).get()
    assert response["Location"] == _url("builder", org, copy.pk)
    assert copy.status == SurveyStatus.DRAFT
    assert [q.key for q in _questions(copy)] == ["a"]


def test_only_a_draft_is_deleted(client, org, program, program_manager):
    draft, _s = _survey(org, program)
    closed, _t = _survey(org, program, status=SurveyStatus.CLOSED)
    login(client, program_manager)

    client.post(_url("delete", org, draft.pk))
    client.post(_url("delete", org, closed.pk))

    with scopes_disabled():
        assert list(Survey.objects.all()) == [closed]


def test_the_editor_reads_a_survey_in_a_bounded_number_of_queries(
    client, org, program, program_manager, django_assert_max_num_queries
):
    survey, section = _survey(org, program)
    for index in range(12):
        SurveyQuestionFactory(section=section, key=f"q{index}", type="single", choices=[
            {"value": "a", "label": {"en": "A"}}, {"value": "b", "label": {"en": "B"}}
        ])  # fmt: skip
    login(client, program_manager)

    with django_assert_max_num_queries(25):
        assert client.get(_url("builder", org, survey.pk)).status_code == 200


def test_the_name_fields_are_marked_required_and_a_template_brings_its_name(
    client, org, program, program_manager
):
    login(client, program_manager)

    page = client.get(_url("survey_list", org)).content.decode()
    form = page.split('data-testid="new-survey"', 1)[1].split("</form>", 1)[0]

    for code in ("en", "es"):
        label = form.split(f'for="id_name_{code}"', 1)[1].split("</label>", 1)[0]
        assert "required-mark" in label
        assert f'data-name-field="{code}"' in form
    # Each template's radio carries its name in both languages, which the page's script puts
    # in the name fields when it is picked.
    match_check = SURVEY_TEMPLATES["match_check"]
    radio = form.split('value="match_check"', 1)[1].split(">", 1)[0]
    assert f'data-name-en="{match_check.name["en"]}"' in radio
    assert f'data-name-es="{match_check.name["es"]}"' in radio
    assert "surveys/new_survey" in page


def test_a_draft_from_a_template_takes_the_name_written_in_the_form_else_the_templates(
    client, org, program, program_manager
):
    login(client, program_manager)

    client.post(
        _url("survey_create", org),
        {"program": program.pk, "template": "match_check", "name_en": "Cohort 7 check"},
    )
    client.post(_url("survey_create", org), {"program": program.pk, "template": "match_check"})

    with scopes_disabled():
        named, plain = Survey.objects.filter(program=program).order_by("pk")
    assert named.name == {"en": "Cohort 7 check"}
    assert plain.name == dict(SURVEY_TEMPLATES["match_check"].name)


def test_the_new_survey_address_opened_directly_leads_to_the_form(
    client, org, program, program_manager
):
    login(client, program_manager)

    response = client.get(_url("survey_create", org), {"program": program.pk})

    assert response.status_code == 302
    assert response["Location"] == (
        f"{_url('survey_list', org)}?program={program.pk}#survey-new-title"
    )
    page = client.get(response["Location"]).content.decode()
    assert 'id="survey-new-title"' in page
