from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from programs.models import (
    COHORT_FIELDS,
    PROGRAM_FIELDS,
    Cohort,
    EnrollmentQuestion,
    Program,
    ProgramGoal,
    ProgramType,
)


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = list(PROGRAM_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "participation_criteria": forms.Textarea(attrs={"rows": 2}),
        }


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = list(COHORT_FIELDS)
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "enrollment_opens_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "enrollment_closes_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }
        help_texts = {
            "enrollment_opens_at": _("In your time zone."),
            "enrollment_closes_at": _("In your time zone."),
        }

    def __init__(self, *args: Any, program_type: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Seats read in the program's own words: a group mentor leads a group, a board mentor
        # fills a seat on mentees' boards.
        if program_type == ProgramType.GROUP:
            self.fields["mentor_capacity"].label = _("Group leaders")
            self.fields["mentor_capacity"].help_text = _(
                "Mentor seats: each mentor leads one group, of the size the matching settings set."
            )
            self.fields["mentee_capacity"].help_text = _("How many mentees may join the groups.")
        elif program_type == ProgramType.ADVISORY_BOARD:
            self.fields["mentor_capacity"].label = _("Board mentors")
            self.fields["mentor_capacity"].help_text = _(
                "Mentor seats: each mentor can sit on several mentees' boards."
            )

    def _post_clean(self):
        # Model validation (ranges, dates) runs in the service, so errors appear once.
        pass


class QuestionForm(forms.ModelForm):
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For choice questions: one choice per line."),
    )

    class Meta:
        model = EnrollmentQuestion
        fields = ["label", "kind", "choices", "audience", "help_text", "required", "sensitive"]

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]

    def _post_clean(self):
        pass


class CatalogFilterForm(forms.Form):
    """The catalog's filters (GET): a program type and a goal, each optional."""

    program_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *ProgramType.choices]
    )
    goal = forms.ChoiceField(
        label=_("Goal"), required=False, choices=[("", _("Any goal")), *ProgramGoal.choices]
    )

    def filter(self, cohorts: QuerySet[Cohort]) -> QuerySet[Cohort]:
        """The open cohorts whose program has the chosen type and goal; an invalid choice
        filters nothing, as no choice does."""
        if not self.is_valid():
            return cohorts
        if self.cleaned_data["program_type"]:
            cohorts = cohorts.filter(program__program_type=self.cleaned_data["program_type"])
        if self.cleaned_data["goal"]:
            cohorts = cohorts.filter(program__goal=self.cleaned_data["goal"])
        return cohorts

    @property
    def is_filtering(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())
