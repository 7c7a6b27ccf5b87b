"""A program's engagement settings page: reminder hours, nudges and what counts as at risk."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import service_errors_on
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from mentorships.services import engagement_settings as service
from programs.selectors import program_get


class NumberListField(forms.CharField):
    """Whole numbers separated by commas or spaces: "24, 1"."""

    def to_python(self, value: str | None) -> list[int]:  # type: ignore[override]
        text = super().to_python(value) or ""
        parts = [part for part in text.replace(",", " ").split() if part]
        try:
            return [int(part) for part in parts]
        except ValueError as error:
            raise forms.ValidationError(
                _("Write whole numbers separated by commas, such as 24, 1.")
            ) from error

    def prepare_value(self, value: object) -> object:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value


class EngagementSettingsForm(forms.Form):
    reminder_hours = NumberListField(
        label=gettext_lazy("Reminders before a check-in (hours)"),
        required=False,
        help_text=gettext_lazy("For example 24, 1. Leave empty for no reminders."),
    )
    first_check_in_nudge_days = NumberListField(
        label=gettext_lazy("Nudge to book the first check-in (days after the match)"),
        required=False,
        help_text=gettext_lazy("For example 3, 7, 14."),
    )
    quiet_after_days = forms.IntegerField(
        label=gettext_lazy("Quiet after (days without a check-in)"), min_value=1, max_value=365
    )
    unanswered_message_days = forms.IntegerField(
        label=gettext_lazy("A message is unanswered after (days)"), min_value=1, max_value=365
    )
    low_rating_below = forms.IntegerField(
        label=gettext_lazy("A check-in rating is low below"), min_value=1, max_value=5
    )
    overdue_goal_nudges = forms.BooleanField(
        label=gettext_lazy("Nudge pairs about goals past their date"), required=False
    )


@requires(Capability.MANAGE_PROGRAMS)
def engagement_settings(
    request: OrganizationRequest, org_slug: str, program_id: int
) -> HttpResponse:
    program = program_get(organization=request.organization, program_id=program_id)
    current = service.engagement_settings_get(organization=request.organization, program=program)
    if request.method == "POST":
        form = EngagementSettingsForm(request.POST)
        if form.is_valid():
            with service_errors_on(form):
                service.engagement_settings_update(
                    organization=request.organization,
                    program=program,
                    actor=request.user,
                    **form.cleaned_data,
                )
            if form.is_valid():
                messages.success(request, _("Engagement settings saved."))
                return redirect(
                    "mentorships:engagement_settings", org_slug=org_slug, program_id=program.pk
                )
    else:
        form = EngagementSettingsForm(
            initial={field: getattr(current, field) for field in EngagementSettingsForm.base_fields}
        )
    return render(
        request,
        "mentorships/engagement_settings.html",
        {"program": program, "form": form, "saved": current.pk is not None},
    )
