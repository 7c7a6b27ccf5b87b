"""A survey's results for the program team and HR analysts: the response rate, each question's
chart and table, text answers, filters under the anonymity threshold, CSV and XLSX exports; a
named survey's per-person responses; the organization's threshold setting."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import service_errors_on
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from core.texts import in_language
from surveys import exports, privacy
from surveys.anonymity import MINIMUM_THRESHOLD, Dimension
from surveys.models import QuestionType, Survey
from surveys.results import (
    QuestionResult,
    RatePoint,
    SurveyResults,
    chosen_filters,
    named_answers,
    named_response_list,
    survey_questions,
    survey_results,
)
from surveys.selectors import survey_get

RESPONSES_PAGE_SIZE = 20
# Named exports read the answers of this many responses per query.
EXPORT_CHUNK = 2000

DIMENSION_LABELS = {
    Dimension.COHORT: gettext_lazy("Cohort"),
    Dimension.ROLE: gettext_lazy("Role"),
    Dimension.COUNTRY: gettext_lazy("Country"),
    Dimension.FUNCTION: gettext_lazy("Function"),
    Dimension.SENIORITY: gettext_lazy("Seniority"),
}


class ResultsFilterForm(forms.Form):
    """One select per filter the results offer; the choices come from the results themselves
    (values too small to show alone are pooled as "Other")."""

    def __init__(self, *args: Any, results: SurveyResults, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for dimension, choices in results.filters.items():
            if not choices:
                continue
            self.fields[dimension.value] = forms.ChoiceField(
                label=DIMENSION_LABELS[dimension],
                required=False,
                choices=[("", _("All")), *((c.key, c.label) for c in choices)],
            )


def _chart_rate(points: list[RatePoint]) -> dict[str, Any]:
    return {
        "id": "survey-rate",
        "type": "line",
        # The card around the chart is titled "Response rate over time": the chart says what
        # its lines count rather than repeat that title under it.
        "title": _("Invited and answered"),
        "description": _("People invited and people who answered, running totals per day."),
        "x_label": _("Day"),
        "labels": [formats.date_format(point.day, "SHORT_DATE_FORMAT") for point in points],
        "series": [
            {"label": _("Invited"), "data": [point.invited for point in points]},
            {"label": _("Answered"), "data": [point.answered for point in points]},
        ],
    }


def question_charts(index: int, question: QuestionResult) -> list[dict[str, Any]]:
    """The charts of one question (none for text or a withheld question)."""
    if question.withheld or question.is_text:
        return []
    chart_id = f"survey-q{index}"
    people = _("People")
    if question.type == QuestionType.MATRIX:
        # Withheld statements (too few ratings) have no counts: the page names them below.
        shown = [s for s in question.statements if not s.withheld]
        if not shown:
            return []
        return [
            {
                "id": chart_id,
                "type": "stacked-hbar",
                # The card around the chart names the question; the chart says what it counts.
                "title": _("Ratings per statement"),
                "description": question.text,
                "x_label": _("Statement"),
                "labels": [s.label for s in shown],
                "series": [
                    {"label": value.value, "data": [s.counts[position].count for s in shown]}
                    for position, value in enumerate(shown[0].counts)
                ],
            }
        ]
    charts = [
        {
            "id": chart_id,
            "type": "hbar"
            if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE)
            else "bar",
            "title": _("Answers"),
            "description": question.text,
            "x_label": _("Answer"),
            "labels": [c.label for c in question.counts],
            "series": [{"label": people, "data": [c.count for c in question.counts]}],
        }
    ]
    if question.nps is not None:
        charts.append(
            {
                "id": f"{chart_id}-nps",
                "type": "stacked-hbar",
                "title": _("NPS %(score)+d") % {"score": question.nps.score},
                "description": _("Promoters answer 9-10, passives 7-8, detractors 0-6."),
                "x_label": _("Group"),
                "labels": [_("All who answered")],
                "series": [
                    {"label": _("Promoters"), "data": [question.nps.promoters]},
                    {"label": _("Passives"), "data": [question.nps.passives]},
                    {"label": _("Detractors"), "data": [question.nps.detractors]},
                ],
            }
        )
    return charts


def _results_for(request: OrganizationRequest, survey: Survey, text_limit: int | None = 50):
    return survey_results(
        organization=request.organization,
        survey=survey,
        chosen=chosen_filters(request.GET),
        text_limit=text_limit,
    )


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def survey_results_page(
    request: OrganizationRequest, org_slug: str, survey_id: int
) -> HttpResponse:
    survey = survey_get(organization=request.organization, survey_id=survey_id)
    results = _results_for(request, survey)
    form = ResultsFilterForm(request.GET or None, results=results)
    form.is_valid()
    query = request.GET.urlencode()
    context = {
        "survey": survey,
        "survey_name": in_language(survey.name),
        "results": results,
        "filter_form": form,
        "has_filters": bool(form.fields),
        "query": query,
        "rate_chart": _chart_rate(results.rate),
        "question_charts": [
            (question, question_charts(index, question))
            for index, question in enumerate(results.questions)
        ],
        "refusal_message": _refusal_message(results),
    }
    if request.htmx and request.htmx.target == "survey-results":
        return render(request, "surveys/results_body.html", context)
    return render(request, "surveys/results.html", context)


def _refusal_message(results: SurveyResults) -> str:
    if results.shown or results.refusal is None:
        return ""
    if results.refusal == "too_few_responses":
        return _(
            "Results appear once %(threshold)d people have answered, so that no answer can be "
            "traced to its author. %(count)d so far."
        ) % {"threshold": results.threshold, "count": results.total}
    if results.refusal == "group_too_small":
        return _("Fewer than %(threshold)d people are in this group. Choose a wider group.") % {
            "threshold": results.threshold
        }
    return _(
        "These filters together would single out groups smaller than %(threshold)d people, so "
        "their answers could be traced back. Remove a filter to see results."
    ) % {"threshold": results.threshold}


def _filename(survey: Survey, extension: str) -> str:
    name = slugify(in_language(survey.name)) or "survey"
    return f"{name}-{survey.pk}-results.{extension}"


def _about(request: OrganizationRequest, survey: Survey, results: SurveyResults) -> list:
    chosen = ", ".join(f"{dimension.value}={key}" for dimension, key in results.chosen.items())
    return [
        (_("Survey"), in_language(survey.name)),
        (_("Program"), survey.program.name),
        (_("Anonymous"), _("yes") if survey.anonymous else _("no")),
        (_("Filters"), chosen or _("none")),
        (_("Responses in the survey"), results.total),
        (_("Responses in this group"), results.group_size if results.shown else ""),
        (_("Smallest group shown"), results.threshold if survey.anonymous else ""),
        (_("Shown"), _("yes") if results.shown else _refusal_message(results)),
    ]


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def survey_results_csv(request: OrganizationRequest, org_slug: str, survey_id: int) -> HttpResponse:
    survey = survey_get(organization=request.organization, survey_id=survey_id)
    results = _results_for(request, survey, text_limit=None)
    response = HttpResponse(
        exports.csv_text(exports.result_rows(results)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(survey, "csv")}"'
    return response


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def survey_results_xlsx(
    request: OrganizationRequest, org_slug: str, survey_id: int
) -> HttpResponse:
    survey = survey_get(organization=request.organization, survey_id=survey_id)
    results = _results_for(request, survey, text_limit=None)
    people = None if survey.anonymous else _response_rows(request, survey)
    response = HttpResponse(
        exports.xlsx_bytes(results, _about(request, survey, results), people),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(survey, "xlsx")}"'
    return response


def _response_rows(request: OrganizationRequest, survey: Survey):
    """A named survey's people, read in chunks so a large survey never loads at once."""
    organization = request.organization
    questions = survey_questions(organization=organization, survey=survey)
    responses = named_response_list(
        organization=organization, survey=survey, chosen=chosen_filters(request.GET)
    )

    def rows():
        header_done = False
        paginator = Paginator(responses, EXPORT_CHUNK)
        for number in paginator.page_range:
            page = list(paginator.page(number).object_list)
            answers = named_answers(
                organization=organization, survey=survey, responses=page, questions=questions
            )
            for position, row in enumerate(
                exports.response_rows(page, answers, [q.key for q in questions])
            ):
                if position == 0:
                    if header_done:
                        continue
                    header_done = True
                yield row
        if not header_done:
            yield from exports.response_rows([], {}, [q.key for q in questions])

    return rows()


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def survey_responses_page(
    request: OrganizationRequest, org_slug: str, survey_id: int
) -> HttpResponse:
    """A named survey's responses, person by person. An anonymous survey has none: 404."""
    survey = survey_get(organization=request.organization, survey_id=survey_id)
    if survey.anonymous:
        raise Http404(_("An anonymous survey has no per-person responses."))
    page = Paginator(
        named_response_list(
            organization=request.organization, survey=survey, chosen=chosen_filters(request.GET)
        ),
        RESPONSES_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    answers = named_answers(
        organization=request.organization, survey=survey, responses=page.object_list
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "surveys/results_responses.html",
        {
            "survey": survey,
            "survey_name": in_language(survey.name),
            "page_obj": page,
            "rows": [(response, answers.get(response.pk, [])) for response in page.object_list],
            "query": query.urlencode(),
        },
    )


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def survey_responses_csv(
    request: OrganizationRequest, org_slug: str, survey_id: int
) -> HttpResponse:
    survey = survey_get(organization=request.organization, survey_id=survey_id)
    if survey.anonymous:
        raise Http404(_("An anonymous survey has no per-person responses."))
    response = HttpResponse(
        exports.csv_text(_response_rows(request, survey)), content_type="text/csv; charset=utf-8"
    )
    filename = _filename(survey, "csv").replace("-results.", "-responses.")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ThresholdForm(forms.Form):
    survey_anonymity_threshold = forms.IntegerField(
        label=gettext_lazy("Smallest group shown in anonymous survey results"),
        min_value=MINIMUM_THRESHOLD,
        max_value=privacy.THRESHOLD_MAX,
        help_text=gettext_lazy(
            "No figure, chart, filter or export of an anonymous survey describes fewer people "
            "than this. At least 3; 5 is a common choice."
        ),
    )


@requires(Capability.MANAGE_MEMBERS)
def survey_privacy_settings(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = ThresholdForm(
        request.POST or None,
        initial={"survey_anonymity_threshold": organization.survey_anonymity_threshold},
    )
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            privacy.anonymity_threshold_set(
                organization=organization,
                threshold=form.cleaned_data["survey_anonymity_threshold"],
                actor=request.user,
            )
        if form.is_valid():
            messages.success(request, _("Survey privacy saved."))
            return redirect(reverse("surveys:privacy_settings", args=[organization.slug]))
    return render(request, "surveys/results_privacy.html", {"form": form})
