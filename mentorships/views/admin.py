"""The program team's list of mentorships: by status, filtered by program and cohort, with
metadata only."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from core.http import OrganizationRequest
from core.permissions import Capability, requires
from mentorships.models import MentorshipStatus
from mentorships.selectors.admin import mentorship_admin_list, mentorship_status_counts
from programs.models import Cohort, Program

PAGE_SIZE = 25


class MentorshipFilterForm(forms.Form):
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(), required=False, label=gettext_lazy("Program")
    )
    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.none(), required=False, label=gettext_lazy("Cohort")
    )
    status = forms.ChoiceField(
        choices=[("", gettext_lazy("All statuses")), *MentorshipStatus.choices],
        required=False,
        label=gettext_lazy("Status"),
    )

    def __init__(self, *args, organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.for_org(organization).order_by("name")  # type: ignore[attr-defined]
        self.fields["cohort"].queryset = (  # type: ignore[attr-defined]
            Cohort.objects.for_org(organization).select_related("program").order_by("-starts_on")
        )


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def admin_list(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = MentorshipFilterForm(request.GET or None, organization=organization)
    chosen = form.cleaned_data if form.is_valid() else {}
    program_id = chosen["program"].pk if chosen.get("program") else None
    cohort_id = chosen["cohort"].pk if chosen.get("cohort") else None
    status = chosen.get("status") or None
    counts = mentorship_status_counts(
        organization=organization, program_id=program_id, cohort_id=cohort_id
    )
    page = Paginator(
        mentorship_admin_list(
            organization=organization, program_id=program_id, cohort_id=cohort_id, status=status
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "mentorships/admin_list.html",
        {
            "filter_form": form,
            "page_obj": page,
            "query": query.urlencode(),
            "status_counts": [
                (value, label, counts.get(value, 0)) for value, label in MentorshipStatus.choices
            ],
            "total": sum(counts.values()),
            "filtered": bool(program_id or cohort_id or status),
        },
    )
