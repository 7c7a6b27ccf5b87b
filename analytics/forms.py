"""The program-health dashboard's filter: which program or cohort, and which days."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.metrics import Period
from programs.models import Cohort, Program

if TYPE_CHECKING:
    from organizations.models import Organization

PERIOD_CHOICES = [
    ("30", _("Last 30 days")),
    ("90", _("Last 90 days")),
    ("365", _("Last 12 months")),
    ("custom", _("Dates of my choice")),
]
DEFAULT_DAYS = 90
# A year and a bit: the weekly chart stays readable and the live counts cheap.
MAX_DAYS = 400


class DashboardFilterForm(forms.Form):
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(),
        required=False,
        label=_("Program"),
        empty_label=_("All programs"),
    )
    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.none(),
        required=False,
        label=_("Cohort"),
        empty_label=_("All cohorts"),
    )
    period = forms.ChoiceField(
        choices=PERIOD_CHOICES, required=False, initial=str(DEFAULT_DAYS), label=_("Period")
    )
    start = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label=_("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program_field: Any = self.fields["program"]
        cohort_field: Any = self.fields["cohort"]
        program_field.queryset = Program.objects.for_org(organization).order_by("name", "id")
        cohort_field.queryset = (
            Cohort.objects.for_org(organization)
            .select_related("program")
            .order_by("program__name", "-starts_on", "id")
        )
        cohort_field.label_from_instance = lambda cohort: f"{cohort.program.name} · {cohort.name}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Choose both dates."))
            if end < start:
                raise forms.ValidationError(_("The period must end on or after its start."))
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(_("Choose at most %(days)d days.") % {"days": MAX_DAYS})
        return data

    def chosen_period(self, today: dt.date | None = None) -> Period:
        """The period asked for, or the default one when the filter is empty or wrong."""
        today = today or timezone.localdate(timezone=timezone.get_default_timezone())
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("period") == "custom":
            return Period(data["start"], data["end"])
        days = int(data.get("period") or DEFAULT_DAYS)
        return Period.last_days(days, today=today)

    def chosen(self, name: str) -> Any:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get(name)
