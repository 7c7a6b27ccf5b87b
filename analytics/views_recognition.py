"""Recognition of mentors: the program team's page (figures, chart, thank-yous), the mentor's
own page and home card, and the mentor's one-page certificate (print-ready HTML: the browser's
"Save as PDF" makes the file, so no PDF library and its fonts are needed, and every script in
a name prints as the browser shows it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.fairness_forms import FairnessFilterForm
from analytics.models.recognition import THANK_YOU_MAX_LENGTH
from analytics.recognition import (
    RecognitionFilters,
    RecognitionRow,
    mentor_get,
    mentor_get_for_user,
    recognition_mentors_for_user,
    recognition_row_for_mentor,
    recognition_rows,
    thank_you_list,
    thank_you_send,
)
from core.forms import service_errors_on
from core.http import OrganizationRequest
from core.permissions import Capability, requires

# Mentors drawn in the chart; the table below it lists everyone.
CHART_MENTORS = 10


class ThankYouForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Your message"),
        max_length=THANK_YOU_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("The mentor sees it on their recognition page and certificate."),
    )


def _chart(rows: list[RecognitionRow]) -> dict[str, Any]:
    top = rows[:CHART_MENTORS]
    return {
        "id": "recognition-hours",
        "type": "hbar",
        "title": _("Top mentors by hours mentored"),
        "labels": [row.full_name for row in top],
        "series": [{"label": _("Hours"), "data": [row.hours_mentored for row in top]}],
        "x_label": _("Mentor"),
        "unit": " h",
    }


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def recognition(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """`?program=` and `?cohort=` narrow the figures (the fairness audit's filter form)."""
    organization = request.organization
    form = FairnessFilterForm(request.GET or None, organization=organization)
    program, cohort = form.chosen("program"), form.chosen("cohort")
    rows = recognition_rows(
        organization=organization,
        filters=RecognitionFilters(
            program_id=program.pk if program and not cohort else None,
            cohort_id=cohort.pk if cohort else None,
        ),
    )
    context = {
        "rows": rows,
        "chart": _chart(rows),
        "has_hours": any(row.hours_mentored for row in rows),
        "form": form,
    }
    return render(request, "analytics/recognition.html", context)


@requires(Capability.MANAGE_PROGRAMS)
def recognition_thank(
    request: OrganizationRequest, org_slug: str, participant_id: int
) -> HttpResponse:
    organization = request.organization
    mentor = mentor_get(organization=organization, mentor_id=participant_id)
    form = ThankYouForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            thank_you_send(
                organization=organization,
                mentor=mentor,
                from_user=request.user,
                message=form.cleaned_data["message"],
            )
        if form.is_valid():
            messages.success(
                request, _("Your thanks went to %(name)s.") % {"name": mentor.full_name}
            )
            return redirect("analytics:recognition", org_slug=organization.slug)
    context = {
        "mentor": mentor,
        "row": recognition_row_for_mentor(organization=organization, mentor=mentor),
        "form": form,
        "thank_yous": thank_you_list(organization=organization, mentor_ids=[mentor.pk]),
    }
    return render(request, "analytics/recognition_thank.html", context)


def _mine(request: OrganizationRequest) -> list[dict[str, Any]]:
    organization = request.organization
    mentors = recognition_mentors_for_user(organization=organization, user=request.user)
    thanks = thank_you_list(organization=organization, mentor_ids=[m.pk for m in mentors])
    return [
        {
            "mentor": mentor,
            "row": (row := recognition_row_for_mentor(organization=organization, mentor=mentor)),
            "certifiable": _certifiable(row),
            "thank_yous": [t for t in thanks if t.mentor_id == mentor.pk],
        }
        for mentor in mentors
    ]


def _certifiable(row: RecognitionRow | None) -> bool:
    """A certificate of mentoring certifies mentoring: a mentor without a held check-in (no
    hours, no check-ins) has none yet, whatever thanks they received (those show on their page)."""
    return row is not None and bool(row.check_ins_held or row.hours_mentored)


@requires(Capability.VIEW_CATALOG)
def recognition_me(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    return render(request, "analytics/recognition_me.html", {"places": _mine(request)})


@requires(Capability.VIEW_CATALOG)
def recognition_card(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """The home's card of thank-yous received, fetched after the home has shown; empty for
    someone who mentors nobody or has no thanks yet."""
    organization = request.organization
    mentors = recognition_mentors_for_user(organization=organization, user=request.user)
    thanks = thank_you_list(organization=organization, mentor_ids=[m.pk for m in mentors])
    return render(
        request, "analytics/recognition_card.html", {"thank_yous": thanks[:3], "count": len(thanks)}
    )


@requires(Capability.VIEW_CATALOG)
def recognition_certificate(
    request: OrganizationRequest, org_slug: str, participant_id: int
) -> HttpResponse:
    """The mentor's own certificate; anyone else's, program staff included, is a 404."""
    organization = request.organization
    mentor = mentor_get_for_user(
        organization=organization, mentor_id=participant_id, user=request.user
    )
    row = recognition_row_for_mentor(organization=organization, mentor=mentor)
    if not _certifiable(row):
        messages.info(
            request, _("Your certificate is ready once you have held a check-in with a mentee.")
        )
        return redirect("analytics:recognition_me", org_slug=organization.slug)
    context = {
        "mentor": mentor,
        "row": row,
        "thank_yous": thank_you_list(organization=organization, mentor_ids=[mentor.pk])[:3],
        "issued_on": timezone.localdate(),
    }
    return render(request, "analytics/recognition_certificate.html", context)
