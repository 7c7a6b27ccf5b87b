from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.forms import time_zone_choices
from participants.models import (
    GOALS_MAX_LENGTH,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    Seniority,
)
from participants.parsing import format_languages, parse_languages, split_list
from programs.models import EnrollmentQuestion, QuestionAudience, QuestionKind


class ProfileForm(forms.Form):
    """The standard profile plus the cohort's own questions. Parses text; services validate."""

    role = forms.ChoiceField(label=_("I join as"), choices=ParticipantRole.choices)
    skills_offered = forms.CharField(
        label=_("Skills I can offer"),
        required=False,
        help_text=_("Separate with commas, e.g. negotiation, SQL, public speaking."),
    )
    skills_wanted = forms.CharField(
        label=_("Skills I want to grow"), required=False, help_text=_("Separate with commas.")
    )
    goals = forms.CharField(
        label=_("Goals"),
        required=False,
        max_length=GOALS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What do you hope to get from this program?"),
    )
    languages = forms.CharField(
        label=_("Languages"),
        help_text=_("e.g. “English (native), Spanish (fluent)” or “en:native; es:conversational”."),
    )
    # Blank means "follow my browser": the zone the request runs in (the viewer's setting, else
    # the zone their browser reports), as in personal settings.
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, required=False)
    working_hours_start = forms.TimeField(
        label=_("Working hours start"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    working_hours_end = forms.TimeField(
        label=_("Working hours end"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    country = forms.ChoiceField(label=_("Country"))
    cultural_background = forms.CharField(label=_("Cultural background"), required=False)
    function = forms.CharField(label=_("Function / department"), max_length=120)
    seniority = forms.TypedChoiceField(label=_("Seniority"), choices=Seniority.choices, coerce=int)
    mentor_capacity = forms.IntegerField(
        label=_("Mentees I can take on"),
        min_value=0,
        max_value=20,
        initial=1,
        required=False,
        help_text=_("Mentors only."),
    )
    mentors_wanted = forms.IntegerField(
        label=_("Mentors I would like"),
        min_value=1,
        max_value=5,
        initial=1,
        required=False,
        help_text=_("Mentees only."),
    )
    board_roles = forms.CharField(
        label=_("Advisory board seats I can fill"),
        required=False,
        help_text=_("Mentors in advisory-board programs, e.g. skill, career. Empty means any."),
    )
    manager_email = forms.EmailField(
        label=_("My manager's email"),
        required=False,
        help_text=_("So that you are never matched within your own reporting line."),
    )

    def __init__(
        self,
        *args: Any,
        questions: list[EnrollmentQuestion] = (),
        browser_time_zone: str = "UTC",
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.browser_time_zone = browser_time_zone
        self.fields["country"].choices = [("", "—"), *countries]
        self.questions = list(questions)
        for question in self.questions:
            self.fields[question.answer_key] = _question_field(question)

    def clean_time_zone(self) -> str:
        return self.cleaned_data["time_zone"] or self.browser_time_zone

    def clean_skills_offered(self) -> list[str]:
        return split_list(self.cleaned_data["skills_offered"])

    def clean_skills_wanted(self) -> list[str]:
        return split_list(self.cleaned_data["skills_wanted"])

    def clean_board_roles(self) -> list[str]:
        return [role.lower() for role in split_list(self.cleaned_data["board_roles"])]

    def clean_languages(self) -> list[dict[str, str]]:
        return parse_languages(self.cleaned_data["languages"])

    def profile_data(self) -> dict[str, Any]:
        answer_keys = {q.answer_key for q in self.questions}
        data = {k: v for k, v in self.cleaned_data.items() if k not in answer_keys}
        data["mentor_capacity"] = data.get("mentor_capacity") or 1
        data["mentors_wanted"] = data.get("mentors_wanted") or 1
        data["answers"] = {
            q.answer_key: self.cleaned_data.get(q.answer_key) for q in self.questions
        }
        return data

    @classmethod
    def initial_from(cls, participant: Participant) -> dict[str, Any]:
        return {
            "role": participant.role,
            "skills_offered": ", ".join(participant.skills_offered),
            "skills_wanted": ", ".join(participant.skills_wanted),
            "goals": participant.goals,
            "languages": format_languages(participant.languages),
            "time_zone": participant.time_zone,
            "working_hours_start": participant.working_hours_start,
            "working_hours_end": participant.working_hours_end,
            "country": str(participant.country),
            "cultural_background": participant.cultural_background,
            "function": participant.function,
            "seniority": participant.seniority,
            "mentor_capacity": participant.mentor_capacity,
            "mentors_wanted": participant.mentors_wanted,
            "manager_email": participant.manager_email,
            "board_roles": ", ".join(participant.board_roles),
            **participant.answers,
        }


def _participant_time_zone_choices() -> list[tuple[str, str]]:
    return [("", "—"), *time_zone_choices()[1:]]


class AdminParticipantForm(ProfileForm):
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    # An admin's browser says nothing about the participant's zone: it must be chosen.
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_participant_time_zone_choices)
    field_order = ["email", "full_name"]


REQUIRED_FOR_ROLES = {
    QuestionAudience.MENTORS: "mentor both",
    QuestionAudience.MENTEES: "mentee both",
}
REQUIRED_FOR_HELP = {
    QuestionAudience.MENTORS: _("Required for mentors."),
    QuestionAudience.MENTEES: _("Required for mentees."),
}


def _question_field(question: EnrollmentQuestion) -> forms.Field:
    common = {"label": question.label, "help_text": question.help_text}
    # The service enforces "required" by audience (a mentor is not asked mentee questions), so
    # a question for one audience is only marked here; static/js/meridian.js sets its `required`
    # attribute while the chosen role is that audience.
    common["required"] = question.required and question.audience == QuestionAudience.EVERYONE
    choices = [(c, c) for c in question.choices]
    field = _question_widget_field(question, choices, common)
    if question.required and question.audience in REQUIRED_FOR_ROLES:
        field.required_for = question.audience
        field.widget.attrs["data-required-for-roles"] = REQUIRED_FOR_ROLES[question.audience]
        note = REQUIRED_FOR_HELP[question.audience]
        field.help_text = (
            format_lazy("{} {}", question.help_text, note) if question.help_text else note
        )
    return field


def _question_widget_field(
    question: EnrollmentQuestion, choices: list[tuple[str, str]], common: dict[str, Any]
) -> forms.Field:
    if question.kind == QuestionKind.SHORT_TEXT:
        return forms.CharField(max_length=200, **common)
    if question.kind == QuestionKind.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, **common)
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    return forms.TypedChoiceField(
        choices=[("", "—"), *((n, str(n)) for n in range(1, 6))],
        coerce=int,
        empty_value=None,
        **common,
    )


class ParticipantFilterForm(forms.Form):
    search = forms.CharField(label=_("Search"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("Any role")), *ParticipantRole.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *ParticipantStatus.choices],
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    function = forms.ChoiceField(label=_("Function"), required=False)
    seniority = forms.TypedChoiceField(
        label=_("Seniority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any seniority")), *Seniority.choices],
    )

    def __init__(self, *args: Any, facets: dict[str, list], **kwargs: Any):
        super().__init__(*args, **kwargs)
        names = dict(countries)
        self.fields["country"].choices = [("", _("Any country"))] + [
            (code, names.get(code, code)) for code in facets["countries"]
        ]
        self.fields["function"].choices = [("", _("Any function"))] + [
            (f, f) for f in facets["functions"]
        ]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("UTF-8, comma-separated, first row is the header.")
    )
