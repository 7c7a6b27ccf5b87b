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
        # With a program chosen only its cohorts are choices (docs/reports.md: a cohort outside
        # the program matches nothing), so another program's cohort lands here.
        error_messages={
            "invalid_choice": _(
                "That cohort is not in the chosen program: choose one of its cohorts."
            )
        },
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
        self.organization = organization
        program_field: Any = self.fields["program"]
        cohort_field: Any = self.fields["cohort"]
        program_field.queryset = Program.objects.for_org(organization).order_by("name", "id")
        cohorts = Cohort.objects.for_org(organization).select_related("program")
        program_id = self._asked_program_id()
        if program_id is not None:
            # Choosing a program narrows the cohorts to its own (the filter redraws on a change).
            cohort_field.queryset = cohorts.filter(program_id=program_id).order_by(
                "-starts_on", "id"
            )
            cohort_field.label_from_instance = lambda cohort: cohort.name
        else:
            cohort_field.queryset = cohorts.order_by("program__name", "-starts_on", "id")
            cohort_field.label_from_instance = lambda cohort: (
                f"{cohort.program.name} · {cohort.name}"
            )

    def _asked_program_id(self) -> int | None:
        """The program the bound data asks for, if it is one of the organization's (the
        program field itself says when it is not)."""
        if not self.is_bound:
            return None
        program_field: Any = self.fields["program"]
        try:
            program = program_field.clean(self.data.get(self.add_prefix("program")))
        except forms.ValidationError:
            return None
        return program.pk if program is not None else None

    def without_cohort_outside_program(self) -> DashboardFilterForm | None:
        """The same filter without its cohort when the cohort is the only thing wrong and it
        lies outside the chosen program: what a change of program leaves behind. None when
        there is nothing to drop."""
        if not self.is_bound or self.is_valid() or set(self.errors) != {"cohort"}:
            return None
        cohort = self.add_prefix("cohort")
        data = {name: value for name, value in self.data.items() if name != cohort}
        return DashboardFilterForm(data, organization=self.organization)

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
        data = self.cleaned_data if self._period_is_valid() else {}
        if data.get("period") == "custom":
            return Period(data["start"], data["end"])
        days = int(data.get("period") or DEFAULT_DAYS)
        return Period.last_days(days, today=today)

    def _period_is_valid(self) -> bool:
        """The period fields are valid (the dates' rules are the form's own errors): a wrong
        cohort alone keeps the period asked for."""
        if not self.is_bound or self.is_valid():
            return self.is_bound
        return not self.non_field_errors() and not {"period", "start", "end"} & set(self.errors)

    def chosen(self, name: str) -> Any:
        """A field's value when it is valid, even if another field is not: a cohort outside
        the program shows the program's figures, next to the cohort's error."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name)
