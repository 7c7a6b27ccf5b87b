"""The organization's surveys as people who read results see them (HR analysts, and program
managers, who may open each survey's results too): each survey that has been opened, with its
answer count and a link to its results. Read-only: the builder's list (`builder.survey_list`) is
for the people who run programs."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from core.http import OrganizationRequest
from core.permissions import Capability, requires
from core.texts import in_language
from surveys import selectors
from surveys.models import SurveyStatus


# The capability each survey's results page asks: whoever may read one may see the list of them.
@requires(Capability.VIEW_PROGRAMS_ADMIN)
def survey_report_list(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    # A draft has never been sent, so it has no results to read.
    surveys = selectors.survey_list(organization=request.organization).exclude(
        status=SurveyStatus.DRAFT
    )
    return render(
        request,
        "surveys/report_list.html",
        {"surveys": [(survey, in_language(survey.name)) for survey in surveys]},
    )
