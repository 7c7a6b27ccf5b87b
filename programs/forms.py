from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import COHORT_FIELDS, PROGRAM_FIELDS, Cohort, EnrollmentQuestion, Program


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
        fields = ["label", "kind", "choices", "audience", "help_text", "required"]

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]

    def _post_clean(self):
        pass
