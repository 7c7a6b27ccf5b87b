"""The fairness audit's filter: which program or cohort, which attribute, which figure the
charts draw."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import Cohort, Program

if TYPE_CHECKING:
    from analytics.fairness_selectors import Attribute, Metric
    from organizations.models import Organization


class FairnessFilterForm(forms.Form):
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
    attribute = forms.ChoiceField(required=False, label=_("Attribute"))
    metric = forms.ChoiceField(required=False, label=_("Figure"))

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        attributes: Sequence[Attribute] = (),
        metrics: Sequence[Metric] = (),
        **kwargs: Any,
    ) -> None:
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
        attribute_field: Any = self.fields["attribute"]
        attribute_field.choices = [("", _("All attributes"))] + [
            (attribute.key, attribute.label) for attribute in attributes
        ]
        metric_field: Any = self.fields["metric"]
        metric_field.choices = [(metric.key, metric.label) for metric in metrics]

    def chosen(self, name: str) -> Any:
        """A field's valid value, or None: an unknown id or attribute (another organization's
        program, a question that is no longer sensitive) falls back to everything."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None
