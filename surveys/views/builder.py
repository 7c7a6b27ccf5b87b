"""The survey builder, for program managers: the organization's surveys by program, a new one
from a shipped template or blank, and one survey's editor (settings, sections and questions
with every text in English and Spanish side by side, conditions, order, required, schedules,
opening and closing).

Every form of the editor posts to its own address and, under htmx, gets the editor region
(`templates/surveys/_builder.html`) back; without htmx it is redirected to the editor page, or
shown it again with the refused form (status 400)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.forms import service_errors_on
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from core.texts import in_language
from programs import selectors as program_selectors
from programs.models import Cohort, Program
from surveys import selectors, services
from surveys.forms import (
    LANGUAGES,
    NewSurveyForm,
    QuestionForm,
    ScheduleForm,
    SectionForm,
    SurveySettingsForm,
    TextsForm,
)
from surveys.models import (
    QuestionType,
    Survey,
    SurveyQuestion,
    SurveySchedule,
    SurveySection,
    SurveyStatus,
)
from surveys.selectors import SectionWithQuestions
from surveys.templates_library import SURVEY_TEMPLATES

# --- The list ---------------------------------------------------------------------------------


def _programs(request: OrganizationRequest) -> QuerySet[Program]:
    return program_selectors.program_list(organization=request.organization).filter(
        is_archived=False
    )


@requires(Capability.MANAGE_PROGRAMS)
def survey_list(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    surveys = list(selectors.survey_list(organization=request.organization))
    programs = _programs(request)
    form = NewSurveyForm(programs=programs, initial={"program": request.GET.get("program")})
    return render(
        request,
        "surveys/list.html",
        {
            "surveys": [(survey, in_language(survey.name)) for survey in surveys],
            "form": form,
            "has_programs": programs.exists(),
            "templates": [
                (t.key, in_language(t.name), in_language(t.description), t)
                for t in SURVEY_TEMPLATES.values()
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_PROGRAMS)
def survey_create(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    if request.method == "GET":
        # The address of the list's "new survey" form, opened directly: the form, not a blank
        # page (a program chosen in the address stays chosen).
        url = reverse("surveys:survey_list", args=[org_slug])
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return redirect(f"{url}{query}#survey-new-title")
    programs = _programs(request)
    form = NewSurveyForm(request.POST, programs=programs)
    survey: Survey | None = None
    if form.is_valid():
        program = form.cleaned_data["program"]
        template = form.cleaned_data["template"]
        with service_errors_on(form):
            if template:
                survey = services.survey_create_from_template(
                    organization=request.organization,
                    program=program,
                    template_key=template,
                    actor=request.user,
                    name=form.texts("name"),
                )
            else:
                survey = services.survey_create(
                    organization=request.organization,
                    program=program,
                    name=form.texts("name"),
                    actor=request.user,
                )
    if survey is None:
        surveys = list(selectors.survey_list(organization=request.organization))
        return render(
            request,
            "surveys/list.html",
            {
                "surveys": [(s, in_language(s.name)) for s in surveys],
                "form": _on_first_language(form),
                "has_programs": programs.exists(),
                "templates": [
                    (t.key, in_language(t.name), in_language(t.description), t)
                    for t in SURVEY_TEMPLATES.values()
                ],
            },
            status=400,
        )
    return redirect("surveys:builder", org_slug=org_slug, survey_id=survey.pk)


# --- The editor -----------------------------------------------------------------------------


@dataclass
class QuestionEditor:
    question: SurveyQuestion
    number: int
    text: str
    form: QuestionForm
    condition_text: str
    is_first: bool
    is_last: bool


@dataclass
class SectionEditor:
    section: SurveySection
    number: int
    title: str
    form: SectionForm
    questions: list[QuestionEditor]
    new_question: QuestionForm
    is_first: bool
    is_last: bool


@dataclass
class ScheduleEditor:
    schedule: SurveySchedule
    form: ScheduleForm
    summary: str


def _condition_text(question: SurveyQuestion, by_key: dict[str, SurveyQuestion]) -> str:
    if not question.show_if:
        return ""
    source = by_key.get(str(question.show_if.get("question")))
    if source is None:
        return ""
    labels = {str(c.get("value")): in_language(c.get("label")) for c in source.choices}
    values = [labels.get(str(v), str(v)) for v in question.show_if.get("values", [])]
    return _("Shown when “%(question)s” is %(answers)s") % {
        "question": in_language(source.text),
        "answers": _(" or ").join(f"“{value}”" for value in values),
    }


def _schedule_summary(schedule: SurveySchedule) -> str:
    audience = schedule.get_audience_display()
    cohort = schedule.cohort.name if schedule.cohort else _("every cohort")
    trigger = schedule.trigger
    if trigger == "after_cohort_start":
        when = _("%(n)d days after the cohort starts") % {"n": schedule.days or 0}
    elif trigger == "after_mentorship_published":
        when = _("%(n)d days after a match is made") % {"n": schedule.days or 0}
    elif trigger == "after_check_in":
        when = _("after check-in number %(n)d") % {"n": schedule.check_in_number or 0}
    elif trigger == "before_cohort_end":
        when = _("%(n)d days before the cohort ends") % {"n": schedule.days or 0}
    else:
        when = _("on a date")
    return _("%(audience)s of %(cohort)s, %(when)s") % {
        "audience": audience,
        "cohort": cohort,
        "when": when,
    }


def _settings_initial(survey: Survey) -> dict:
    initial: dict = {
        "anonymous": survey.anonymous,
        "per_mentorship": survey.per_mentorship,
        "opens_at": survey.opens_at,
        "closes_at": survey.closes_at,
        "reminder_after_days": survey.reminder_after_days,
        "mentor_feedback_visible": survey.mentor_feedback_visible,
    }
    initial.update(TextsForm.initial_texts("name", survey.name))
    initial.update(TextsForm.initial_texts("intro", survey.intro))
    return initial


def _section_initial(section: SurveySection) -> dict:
    return {
        **TextsForm.initial_texts("title", section.title),
        **TextsForm.initial_texts("description", section.description),
    }


def _schedule_initial(schedule: SurveySchedule) -> dict:
    return {
        "trigger": schedule.trigger,
        "days": schedule.days,
        "check_in_number": schedule.check_in_number,
        "send_at": schedule.send_at,
        "audience": schedule.audience,
        "cohort": schedule.cohort_id,
    }


def _editor_context(
    request: OrganizationRequest, survey: Survey, bound: dict[str, forms.Form] | None = None
) -> dict:
    """The editor; `bound` holds refused forms by prefix, shown in place of fresh ones."""
    bound = bound or {}
    organization = request.organization
    structure = selectors.survey_structure(organization=organization, survey=survey)
    every = [q for entry in structure for q in entry.questions]
    by_key = {q.key: q for q in every}
    cohorts = program_selectors.cohort_list(organization=organization, program=survey.program)
    sections: list[SectionEditor] = []
    number = 0
    earlier: list[SurveyQuestion] = []
    for section_number, entry in enumerate(structure, start=1):
        editors = []
        for question in entry.questions:
            number += 1
            prefix = f"question-{question.pk}"
            form = bound.get(prefix) or QuestionForm(
                prefix=prefix, question=question, earlier=list(earlier)
            )
            assert isinstance(form, QuestionForm)
            editors.append(
                QuestionEditor(
                    question=question,
                    number=number,
                    text=in_language(question.text),
                    form=form,
                    condition_text=_condition_text(question, by_key),
                    is_first=number == 1,
                    is_last=number == len(every),
                )
            )
            earlier.append(question)
        section_prefix = f"section-{entry.section.pk}"
        new_prefix = f"new-question-{entry.section.pk}"
        new_question = bound.get(new_prefix) or QuestionForm(
            prefix=new_prefix,
            earlier=list(earlier),
            initial={"type": QuestionType.SCALE_1_5},
        )
        assert isinstance(new_question, QuestionForm)
        section_form = bound.get(section_prefix) or SectionForm(
            prefix=section_prefix, initial=_section_initial(entry.section)
        )
        assert isinstance(section_form, SectionForm)
        sections.append(
            SectionEditor(
                section=entry.section,
                number=section_number,
                title=in_language(entry.section.title),
                form=section_form,
                questions=editors,
                new_question=new_question,
                is_first=section_number == 1,
                is_last=section_number == len(structure),
            )
        )
    schedules = []
    for schedule in selectors.survey_schedules(organization=organization, survey=survey):
        prefix = f"schedule-{schedule.pk}"
        schedule_form = bound.get(prefix) or ScheduleForm(
            prefix=prefix, cohorts=cohorts, initial=_schedule_initial(schedule)
        )
        assert isinstance(schedule_form, ScheduleForm)
        schedules.append(ScheduleEditor(schedule, schedule_form, _schedule_summary(schedule)))
    return {
        "survey": survey,
        "survey_name": in_language(survey.name),
        "is_draft": survey.status == SurveyStatus.DRAFT,
        "is_open": survey.status == SurveyStatus.OPEN,
        "settings_form": bound.get("settings")
        or SurveySettingsForm(prefix="settings", initial=_settings_initial(survey)),
        "sections": sections,
        "question_count": len(every),
        "new_section": bound.get("new-section") or SectionForm(prefix="new-section"),
        "schedules": schedules,
        "new_schedule": bound.get("new-schedule")
        or ScheduleForm(prefix="new-schedule", cohorts=cohorts),
        "languages": LANGUAGES,
        "action_error": next(
            (
                " ".join(str(e) for e in form.non_field_errors())
                for name, form in bound.items()
                if name == "action" and form.errors
            ),
            "",
        ),
    }


def _answer(
    request: OrganizationRequest, survey: Survey, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    failed = any(form.errors for form in (bound or {}).values())
    survey = selectors.survey_get(organization=request.organization, survey_id=survey.pk)
    context = _editor_context(request, survey, bound if failed else None)
    if request.htmx:
        return render(request, "surveys/_builder.html", context)
    if failed:
        return render(request, "surveys/builder.html", context, status=400)
    return redirect("surveys:builder", org_slug=request.organization.slug, survey_id=survey.pk)


def _survey(request: OrganizationRequest, survey_id: int) -> Survey:
    return selectors.survey_get(organization=request.organization, survey_id=survey_id)


@requires(Capability.MANAGE_PROGRAMS)
def survey_builder(request: OrganizationRequest, org_slug: str, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    return render(request, "surveys/builder.html", _editor_context(request, survey))


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def survey_settings(request: OrganizationRequest, org_slug: str, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    form = SurveySettingsForm(request.POST, prefix="settings")
    if form.is_valid():
        data = form.cleaned_data
        with service_errors_on(form):
            services.survey_update(
                organization=request.organization,
                survey=survey,
                name=form.texts("name"),
                intro=form.texts("intro"),
                anonymous=data["anonymous"],
                per_mentorship=data["per_mentorship"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                reminder_after_days=data["reminder_after_days"],
                mentor_feedback_visible=data["mentor_feedback_visible"],
            )
    return _answer(request, survey, {"settings": _on_first_language(form)})


def _on_first_language(form: forms.Form) -> forms.Form:
    """A refusal about a text in every language ("name") is shown beside its first input."""
    first = LANGUAGES[0][0]
    for name in list(form.errors):
        if name and name not in form.fields and f"{name}_{first}" in form.fields:
            form.errors[f"{name}_{first}"] = form.errors.pop(name)
    return form


def _action(
    request: OrganizationRequest, survey_id: int, act: Callable[[Survey], object]
) -> HttpResponse:
    """A button press (open, close, move, delete…): a refusal is shown above the editor."""
    survey = _survey(request, survey_id)
    form = forms.Form(request.POST)
    form.full_clean()
    with service_errors_on(form):
        act(survey)
    return _answer(request, survey, {"action": form})


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def survey_open(request: OrganizationRequest, org_slug: str, survey_id: int) -> HttpResponse:
    return _action(
        request,
        survey_id,
        lambda survey: services.survey_open(organization=request.organization, survey=survey),
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def survey_close(request: OrganizationRequest, org_slug: str, survey_id: int) -> HttpResponse:
    return _action(
        request,
        survey_id,
        lambda survey: services.survey_close(organization=request.organization, survey=survey),
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def survey_copy(request: OrganizationRequest, org_slug: str, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    copy = services.survey_copy(
        organization=request.organization, survey=survey, actor=request.user
    )
    messages.success(request, _("A draft copy was made: edit it, then open it."))
    return redirect("surveys:builder", org_slug=org_slug, survey_id=copy.pk)


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def survey_delete(request: OrganizationRequest, org_slug: str, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    try:
        services.survey_delete(organization=request.organization, survey=survey)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("surveys:builder", org_slug=org_slug, survey_id=survey.pk)
    messages.success(request, _("The draft survey was deleted."))
    return redirect("surveys:survey_list", org_slug=org_slug)


# --- Sections ------------------------------------------------------------------------------


def _section(request: OrganizationRequest, survey: Survey, survey_section_id: int) -> SurveySection:
    return selectors.survey_section_get(
        organization=request.organization, survey_id=survey.pk, survey_section_id=survey_section_id
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def section_add(request: OrganizationRequest, org_slug: str, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    form = SectionForm(request.POST, prefix="new-section")
    if form.is_valid():
        with service_errors_on(form):
            services.section_save(
                organization=request.organization,
                survey=survey,
                title=form.texts("title"),
                description=form.texts("description"),
            )
    return _answer(request, survey, {"new-section": _on_first_language(form)})


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def section_edit(
    request: OrganizationRequest, org_slug: str, survey_id: int, survey_section_id: int
) -> HttpResponse:
    survey = _survey(request, survey_id)
    section = _section(request, survey, survey_section_id)
    prefix = f"section-{section.pk}"
    form = SectionForm(request.POST, prefix=prefix)
    if form.is_valid():
        with service_errors_on(form):
            services.section_save(
                organization=request.organization,
                survey=survey,
                title=form.texts("title"),
                description=form.texts("description"),
                section=section,
            )
    return _answer(request, survey, {prefix: _on_first_language(form)})


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def section_delete(
    request: OrganizationRequest, org_slug: str, survey_id: int, survey_section_id: int
) -> HttpResponse:
    survey = _survey(request, survey_id)
    section = _section(request, survey, survey_section_id)
    return _action(
        request,
        survey.pk,
        lambda s: services.section_delete(
            organization=request.organization, survey=s, section=section
        ),
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def section_move(
    request: OrganizationRequest, org_slug: str, survey_id: int, survey_section_id: int
) -> HttpResponse:
    survey = _survey(request, survey_id)
    section = _section(request, survey, survey_section_id)
    step = -1 if request.POST.get("direction") == "up" else 1
    return _action(
        request,
        survey.pk,
        lambda s: services.section_move(
            organization=request.organization, survey=s, section=section, step=step
        ),
    )


# --- Questions -----------------------------------------------------------------------------


def _question(
    request: OrganizationRequest, survey: Survey, survey_question_id: int
) -> SurveyQuestion:
    return selectors.survey_question_get(
        organization=request.organization,
        survey_id=survey.pk,
        survey_question_id=survey_question_id,
    )


def _earlier(
    structure: list[SectionWithQuestions], *, before: SurveyQuestion | None = None, section=None
) -> list[SurveyQuestion]:
    """The questions a condition may follow: those before `before`, or, for a new question at
    the end of `section`, every question up to that section's end."""
    found: list[SurveyQuestion] = []
    for entry in structure:
        for question in entry.questions:
            if before is not None and question.pk == before.pk:
                return found
            found.append(question)
        if section is not None and entry.section.pk == section.pk:
            return found
    return found


def _save_question(
    request: OrganizationRequest,
    survey: Survey,
    section: SurveySection,
    form: QuestionForm,
    question: SurveyQuestion | None = None,
) -> None:
    if form.is_valid():
        with service_errors_on(form):
            services.question_save(
                organization=request.organization,
                survey=survey,
                section=section,
                data=form.question_input(),
                question=question,
            )
    _on_first_language(form)
    if "show_if" in form.errors:
        # The condition's checkboxes are not a form field: its refusal goes above the form.
        form.add_error(None, form.errors.pop("show_if"))


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def question_add(
    request: OrganizationRequest, org_slug: str, survey_id: int, survey_section_id: int
) -> HttpResponse:
    survey = _survey(request, survey_id)
    section = _section(request, survey, survey_section_id)
    structure = selectors.survey_structure(organization=request.organization, survey=survey)
    prefix = f"new-question-{section.pk}"
    form = QuestionForm(request.POST, prefix=prefix, earlier=_earlier(structure, section=section))
    _save_question(request, survey, section, form)
    return _answer(request, survey, {prefix: form})


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def question_edit(
    request: OrganizationRequest, org_slug: str, survey_id: int, survey_question_id: int
) -> HttpResponse:
    survey = _survey(request, survey_id)
    question = _question(request, survey, survey_question_id)
    structure = selectors.survey_structure(organization=request.organization, survey=survey)
    prefix = f"question-{question.pk}"
    form = QuestionForm(request.POST, prefix=prefix, earlier=_earlier(structure, before=question))
    _save_question(request, survey, question.section, form, question)
    return _answer(request, survey, {prefix: form})


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def question_delete(
    request: OrganizationRequest, org_slug: str, survey_id: int, survey_question_id: int
) -> HttpResponse:
    survey = _survey(request, survey_id)
    question = _question(request, survey, survey_question_id)
    return _action(
        request,
        survey.pk,
        lambda s: services.question_delete(
            organization=request.organization, survey=s, question=question
        ),
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def question_move(
    request: OrganizationRequest, org_slug: str, survey_id: int, survey_question_id: int
) -> HttpResponse:
    survey = _survey(request, survey_id)
    question = _question(request, survey, survey_question_id)
    step = -1 if request.POST.get("direction") == "up" else 1
    return _action(
        request,
        survey.pk,
        lambda s: services.question_move(
            organization=request.organization, survey=s, question=question, step=step
        ),
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def question_required(
    request: OrganizationRequest, org_slug: str, survey_id: int, survey_question_id: int
) -> HttpResponse:
    survey = _survey(request, survey_id)
    question = _question(request, survey, survey_question_id)
    required = request.POST.get("required") == "1"
    return _action(
        request,
        survey.pk,
        lambda s: services.question_set_required(
            organization=request.organization, survey=s, question=question, required=required
        ),
    )


# --- Schedules -----------------------------------------------------------------------------


def _save_schedule(
    request: OrganizationRequest,
    survey: Survey,
    form: ScheduleForm,
    schedule: SurveySchedule | None = None,
) -> None:
    if form.is_valid():
        data = form.cleaned_data
        with service_errors_on(form):
            services.schedule_save(
                organization=request.organization,
                survey=survey,
                trigger=data["trigger"],
                audience=data["audience"],
                days=data["days"],
                check_in_number=data["check_in_number"],
                send_at=data["send_at"],
                cohort=data["cohort"],
                schedule=schedule,
            )


def _cohorts(request: OrganizationRequest, survey: Survey) -> QuerySet[Cohort]:
    return program_selectors.cohort_list(organization=request.organization, program=survey.program)


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def schedule_add(request: OrganizationRequest, org_slug: str, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    form = ScheduleForm(request.POST, prefix="new-schedule", cohorts=_cohorts(request, survey))
    _save_schedule(request, survey, form)
    return _answer(request, survey, {"new-schedule": form})


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def schedule_edit(
    request: OrganizationRequest, org_slug: str, survey_id: int, survey_schedule_id: int
) -> HttpResponse:
    survey = _survey(request, survey_id)
    schedule = selectors.survey_schedule_get(
        organization=request.organization,
        survey_id=survey.pk,
        survey_schedule_id=survey_schedule_id,
    )
    prefix = f"schedule-{schedule.pk}"
    form = ScheduleForm(request.POST, prefix=prefix, cohorts=_cohorts(request, survey))
    _save_schedule(request, survey, form, schedule)
    return _answer(request, survey, {prefix: form})


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def schedule_delete(
    request: OrganizationRequest, org_slug: str, survey_id: int, survey_schedule_id: int
) -> HttpResponse:
    survey = _survey(request, survey_id)
    schedule = selectors.survey_schedule_get(
        organization=request.organization,
        survey_id=survey.pk,
        survey_schedule_id=survey_schedule_id,
    )
    return _action(
        request,
        survey.pk,
        lambda s: services.schedule_delete(
            organization=request.organization, survey=s, schedule=schedule
        ),
    )
