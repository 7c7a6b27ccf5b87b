from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

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
from programs.models import EnrollmentQuestion, ProgramType, QuestionAudience, QuestionKind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Fields that apply to one side only: mentors offer skills, take mentees and fill board seats;
# mentees want skills and mentors. Someone who is both is asked everything.
MENTOR_FIELDS = ("skills_offered", "mentor_capacity", "board_roles")
MENTEE_FIELDS = ("skills_wanted", "mentors_wanted")
ROLE_FIELDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(MENTOR_FIELDS, (ParticipantRole.MENTOR, ParticipantRole.BOTH)),
    **dict.fromkeys(MENTEE_FIELDS, (ParticipantRole.MENTEE, ParticipantRole.BOTH)),
}
# What a field holds when it does not apply (the model's defaults).
NOT_APPLICABLE: dict[str, Any] = {
    "skills_offered": [],
    "mentor_capacity": 1,
    "board_roles": [],
    "skills_wanted": [],
    "mentors_wanted": 1,
}


def fields_not_applying(role: str) -> list[str]:
    return [name for name, roles in ROLE_FIELDS.items() if role not in roles]


def _fields_not_asked(program_type: str | None) -> list[str]:
    """Board seats exist only in advisory-board programs; a group mentor leads one group of
    the size the cohort's matching settings choose, so a number of mentees means nothing."""
    if program_type is None:
        return []
    not_asked = []
    if program_type != ProgramType.ADVISORY_BOARD:
        not_asked.append("board_roles")
    if program_type == ProgramType.GROUP:
        not_asked.append("mentor_capacity")
    return not_asked


# The enrollment form's sections: legend, help, fields.
PROFILE_SECTIONS = (
    (
        _("Your role"),
        _("Mentor, mentee or both. The fields below follow your choice."),
        ("role", "mentor_capacity", "board_roles", "mentors_wanted"),
    ),
    (
        _("What you bring and seek"),
        _("Matching compares what mentees want to grow with what mentors offer."),
        ("skills_offered", "skills_wanted", "goals"),
    ),
    (
        _("Where and when you work"),
        _("Pairs share a language and some working hours."),
        ("languages", "country", "time_zone", "working_hours_start", "working_hours_end"),
    ),
    (
        _("About you"),
        _("Used to balance pairs across functions, cultures and seniority."),
        ("function", "seniority", "cultural_background", "manager_email"),
    ),
)


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
    # the zone their browser reports), as in personal settings. The zone chosen here becomes the
    # person's zone everywhere (participants.services.participant_enroll).
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        required=False,
        help_text=_("Pages, emails and reminders show your times in this zone."),
    )
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
        help_text=_("How many mentees you can mentor at the same time."),
    )
    mentors_wanted = forms.IntegerField(
        label=_("Mentors I would like"),
        min_value=1,
        max_value=5,
        initial=1,
        required=False,
        help_text=_("Most people start with one."),
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
        questions: Sequence[EnrollmentQuestion] = (),
        browser_time_zone: str = "UTC",
        program_type: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.browser_time_zone = browser_time_zone
        cast(forms.ChoiceField, self.fields["country"]).choices = [("", "—"), *countries]
        self.questions = list(questions)
        for question in self.questions:
            self.fields[question.answer_key] = _question_field(question)
        # Fields the program's type has no use for are not asked at all (None: every field, for
        # forms that do not know the program).
        self.not_asked = _fields_not_asked(program_type)
        for name in self.not_asked:
            del self.fields[name]
        if program_type == ProgramType.ADVISORY_BOARD:
            self.fields["mentors_wanted"].label = _("Board members I would like")
            self.fields["mentors_wanted"].help_text = _("One for each seat you want filled.")
            self.fields["board_roles"].label = _("Board seats I can fill")
            self.fields["board_roles"].help_text = _(
                "e.g. skill, career, culture. Leave empty to fill any seat."
            )

    def clean(self) -> dict[str, Any]:
        """Fields that do not apply to the chosen role are cleared, whatever was sent: the page
        hides them, and a value left in one (or an invalid one) must not block enrollment."""
        cleaned = super().clean()
        assert cleaned is not None  # a Form's clean() returns its cleaned_data
        role = cleaned.get("role")
        if role:
            for name in fields_not_applying(role):
                if name in self.fields:
                    self.errors.pop(name, None)
                    cleaned[name] = NOT_APPLICABLE[name]
        return cleaned

    def sections(self) -> list[dict[str, Any]]:
        """The form in sections, each field with the roles it applies to ("" for every role),
        for templates/participants/enroll.html."""
        sections = []
        for legend, help_text, names in PROFILE_SECTIONS:
            fields = [
                {"field": self[name], "roles": " ".join(ROLE_FIELDS.get(name, ()))}
                for name in names
                if name in self.fields
            ]
            if fields:
                sections.append({"legend": legend, "help": help_text, "fields": fields})
        if self.questions:
            sections.append(
                {
                    "legend": _("This cohort's questions"),
                    "help": _("The program team asks these on top of your profile."),
                    # A question for one audience is shown to that audience only.
                    "fields": [
                        {
                            "field": self[q.answer_key],
                            "roles": REQUIRED_FOR_ROLES.get(q.audience, ""),
                        }
                        for q in self.questions
                    ],
                }
            )
        return sections

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
        data.update({name: NOT_APPLICABLE[name] for name in self.not_asked})
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


def _participant_time_zone_choices() -> list[tuple[str, StrOrPromise]]:
    return [("", "—"), *time_zone_choices()[1:]]


class AdminParticipantForm(ProfileForm):
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    # An admin's browser says nothing about the participant's zone: it must be chosen. It is
    # used until the person names one of their own (build_participant).
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_participant_time_zone_choices,
        help_text=_("Someone whose account names a time zone keeps their own."),
    )
    field_order = ["email", "full_name"]


REQUIRED_FOR_ROLES: dict[str, str] = {
    QuestionAudience.MENTORS: "mentor both",
    QuestionAudience.MENTEES: "mentee both",
}
REQUIRED_FOR_HELP: dict[str, StrOrPromise] = {
    QuestionAudience.MENTORS: _("Required for mentors."),
    QuestionAudience.MENTEES: _("Required for mentees."),
}


def _question_field(question: EnrollmentQuestion) -> forms.Field:
    common: dict[str, Any] = {"label": question.label, "help_text": question.help_text}
    # The service enforces "required" by audience (a mentor is not asked mentee questions), so
    # a question for one audience is only marked here; static/js/meridian.js sets its `required`
    # attribute while the chosen role is that audience.
    common["required"] = question.required and question.audience == QuestionAudience.EVERYONE
    choices = [(c, c) for c in question.choices]
    field = _question_widget_field(question, choices, common)
    if question.required and question.audience in REQUIRED_FOR_ROLES:
        # Read by templates/_field.html and _form.html to mark the field; Django's fields
        # declare no such attribute.
        field.required_for = question.audience  # type: ignore[attr-defined]
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
        cast(forms.ChoiceField, self.fields["country"]).choices = [("", _("Any country"))] + [
            (code, names.get(code, code)) for code in facets["countries"]
        ]
        cast(forms.ChoiceField, self.fields["function"]).choices = [("", _("Any function"))] + [
            (f, f) for f in facets["functions"]
        ]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("UTF-8, comma-separated, first row is the header.")
    )
