"""What mentees said about the signed-in mentor's approach: aggregates only, across at least
three mentees, and only where the program shares it."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from core.http import OrganizationRequest
from core.permissions import Capability, requires
from core.texts import in_language
from surveys.results import MENTOR_FEEDBACK_MINIMUM, mentor_feedback_list
from surveys.views.results import question_charts


@requires(Capability.VIEW_CATALOG)
def mentor_feedback(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    feedback = mentor_feedback_list(organization=request.organization, user=request.user)
    return render(
        request,
        "surveys/mentor_feedback.html",
        {
            "feedback": [
                {
                    "item": item,
                    "name": in_language(item.survey.name),
                    "questions": [
                        (question, question_charts(1000 * position + index, question))
                        for index, question in enumerate(item.questions)
                    ],
                }
                for position, item in enumerate(feedback)
            ],
            "minimum": MENTOR_FEEDBACK_MINIMUM,
        },
    )
