"""Preview a survey as a respondent sees it, in either language, at desktop or phone width.
Submitting checks the answers as the real page would (required questions, conditions) and
saves nothing; refusals are the preview's content, so the page answers 200 either way."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.views.decorators.http import require_http_methods

from core.http import OrganizationRequest
from core.permissions import Capability, requires
from core.texts import in_language
from surveys import selectors, services
from surveys.forms import LANGUAGES, answers_from_post, respondent_sections

WIDTHS = ("desktop", "phone")


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_PROGRAMS)
def survey_preview(request: OrganizationRequest, org_slug: str, survey_id: int) -> HttpResponse:
    survey = selectors.survey_get(organization=request.organization, survey_id=survey_id)
    codes = [code for code, _label in LANGUAGES]
    language = request.GET.get("lang") or request.POST.get("lang") or codes[0]
    language = language if language in codes else codes[0]
    width = request.GET.get("width") or request.POST.get("width") or WIDTHS[0]
    width = width if width in WIDTHS else WIDTHS[0]
    structure = selectors.survey_structure(organization=request.organization, survey=survey)
    questions = [q for entry in structure for q in entry.questions]
    answers: dict = {}
    errors: dict[str, str] = {}
    checked = False
    if request.method == "POST":
        answers = answers_from_post(questions, request.POST)
        try:
            answers = services.answers_clean(questions=questions, answers=answers, submit=True)
            checked = True
        except services.AnswersInvalid as refusal:
            errors = refusal.errors
    # The respondent's form in the previewed language, labels of the form included.
    with translation.override(language):
        form_html = render_to_string(
            "surveys/_preview_form.html",
            {
                "survey": survey,
                "name": in_language(survey.name, language),
                "intro": in_language(survey.intro, language),
                "sections": respondent_sections(structure, answers, errors, language),
                "errors": errors,
                "checked": checked,
                "language": language,
                "width": width,
                "organization": request.organization,
            },
            request=request,
        )
    return render(
        request,
        "surveys/preview.html",
        {
            "survey": survey,
            "survey_name": in_language(survey.name),
            "form_html": form_html,
            "language": language,
            "languages": LANGUAGES,
            "width": width,
            "question_count": len(questions),
        },
    )
