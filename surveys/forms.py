"""Forms of the surveys app: the builder's (each text in English and Spanish side by side) and
the respondent's (read from POST into answers by question key, and drawn as one partial per
question type, templates/surveys/_question_<type>.html)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from core.texts import in_language
from programs.models import Cohort, Program
from surveys.models import (
    CHOICE_TYPES,
    CHOICES_MAX,
    KEY_MAX_LENGTH,
    NUMBER_TYPES,
    SCALE_RANGE,
    STATEMENTS_MAX,
    Audience,
    QuestionType,
    ScheduleTrigger,
    SurveyQuestion,
)
from surveys.selectors import SectionWithQuestions
from surveys.services import INTRO_MAX, REMINDER_DAYS_MAX, TEXT_MAX, QuestionInput, condition_values
from surveys.templates_library import SURVEY_TEMPLATES

LANGUAGES = (("en", _("English")), ("es", _("Spanish")))


# --- The respondent's form ------------------------------------------------------------------


def field_name(question: SurveyQuestion, statement: str = "") -> str:
    """The input's name: q-<key>, and q-<key>-<statement> for one statement of a matrix."""
    return f"q-{question.key}-{statement}" if statement else f"q-{question.key}"


def answers_from_post(questions: Sequence[SurveyQuestion], data: QueryDict) -> dict[str, Any]:
    """What the form sent, by question key, still as text (the service checks and converts):
    a list for multiple choice, {statement: rating} for a matrix; empty inputs left out."""
    answers: dict[str, Any] = {}
    for question in questions:
        name = field_name(question)
        value: Any
        if question.type == QuestionType.MULTIPLE:
            value = [v for v in data.getlist(name) if v]
        elif question.type == QuestionType.MATRIX:
            value = {
                str(s.get("key")): data.get(field_name(question, str(s.get("key"))), "")
                for s in question.statements
            }
            value = {k: v for k, v in value.items() if v}
        else:
            value = data.get(name, "")
        if value not in ("", [], {}):
            answers[question.key] = value
    return answers


@dataclass
class Option:
    value: str
    label: str
    selected: bool


@dataclass
class Statement:
    key: str
    text: str
    name: str
    options: list[Option]


@dataclass
class QuestionView:
    question: SurveyQuestion
    number: int
    name: str
    text: str
    help_text: str
    low_label: str
    high_label: str
    options: list[Option] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    value: Any = None
    error: str = ""
    # Hidden by its condition given the answers so far; the page's script shows it as they
    # change (and without script, the service drops answers to hidden questions).
    hidden: bool = False
    condition: str = ""  # the condition as JSON for the script, "" when always shown

    @property
    def type(self) -> str:
        return self.question.type

    @property
    def template_name(self) -> str:
        return f"surveys/_question_{self.question.type}.html"

    @property
    def required(self) -> bool:
        return self.question.required

    @property
    def dom_id(self) -> str:
        return f"q-{self.question.key}"


@dataclass
class SectionView:
    title: str
    description: str
    questions: list[QuestionView]


def _scale_options(question: SurveyQuestion, chosen: Any) -> list[Option]:
    low, high = SCALE_RANGE[QuestionType(question.type)]
    return [
        Option(str(number), str(number), str(chosen) == str(number))
        for number in range(low, high + 1)
    ]


def respondent_sections(
    structure: Sequence[SectionWithQuestions],
    answers: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    language: str | None = None,
) -> list[SectionView]:
    """The survey as a respondent sees it, in `language` (default: the active one), with their
    answers so far and any refusals by question key. Empty sections are left out."""
    from surveys.services import shown_questions

    answers = answers or {}
    errors = errors or {}
    every = [question for entry in structure for question in entry.questions]
    shown = {question.key for question in shown_questions(every, answers)}
    sections: list[SectionView] = []
    number = 0
    for entry in structure:
        views = []
        for question in entry.questions:
            number += 1
            value = answers.get(question.key)
            view = QuestionView(
                question=question,
                number=number,
                name=field_name(question),
                text=in_language(question.text, language),
                help_text=in_language(question.help_text, language),
                low_label=in_language(question.low_label, language),
                high_label=in_language(question.high_label, language),
                value=value,
                error=errors.get(question.key, ""),
                hidden=question.key not in shown,
                condition=json.dumps(question.show_if) if question.show_if else "",
            )
            if question.type in (QuestionType.SCALE_1_5, QuestionType.NPS):
                view.options = _scale_options(question, value)
            elif question.type in CHOICE_TYPES:
                chosen = value if isinstance(value, list) else [value]
                view.options = [
                    Option(
                        str(choice.get("value")),
                        in_language(choice.get("label"), language),
                        str(choice.get("value")) in [str(c) for c in chosen],
                    )
                    for choice in question.choices
                ]
            elif question.type == QuestionType.MATRIX:
                ratings = value if isinstance(value, Mapping) else {}
                view.statements = [
                    Statement(
                        key=str(s.get("key")),
                        text=in_language(s.get("text"), language),
                        name=field_name(question, str(s.get("key"))),
                        options=_scale_options(question, ratings.get(str(s.get("key")))),
                    )
                    for s in question.statements
                ]
            views.append(view)
        if views:
            sections.append(
                SectionView(
                    title=in_language(entry.section.title, language),
                    description=in_language(entry.section.description, language),
                    questions=views,
                )
            )
    return sections


# --- The builder's forms ----------------------------------------------------------------------


def _language_fields(
    name: str, label: str, *, limit: int = TEXT_MAX, textarea: bool = False
) -> dict[str, forms.Field]:
    return {
        f"{name}_{code}": forms.CharField(
            label=f"{label} ({language})",
            required=False,
            max_length=limit,
            widget=forms.Textarea(attrs={"rows": 2}) if textarea else forms.TextInput(),
        )
        for code, language in LANGUAGES
    }


class TextsForm(forms.Form):
    """A form whose texts come in every language: `name_en`, `name_es`."""

    def texts(self, name: str) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"{name}_{code}") or "" for code, _l in LANGUAGES}

    def pairs(self, name: str) -> list[forms.BoundField]:
        return [self[f"{name}_{code}"] for code, _l in LANGUAGES]

    @staticmethod
    def initial_texts(name: str, texts: Mapping[str, str] | None) -> dict[str, str]:
        return {f"{name}_{code}": (texts or {}).get(code, "") for code, _l in LANGUAGES}


class NewSurveyForm(TextsForm):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none())
    template = forms.ChoiceField(label=_("Start from"), required=False)

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program_field = self.fields["program"]
        assert isinstance(program_field, forms.ModelChoiceField)
        program_field.queryset = programs
        template_field = self.fields["template"]
        assert isinstance(template_field, forms.ChoiceField)
        template_field.choices = [
            ("", _("A blank survey")),
            *[(t.key, in_language(t.name)) for t in SURVEY_TEMPLATES.values()],
        ]
        self.fields.update(_language_fields("name", str(_("Name"))))
        # Required in one language or the other (the service says which is missing): both
        # carry the required mark; a template's pick fills them in (surveys/new_survey.js).
        for (code, _language), bound in zip(LANGUAGES, self.pairs("name"), strict=True):
            bound.field.required_for = True  # type: ignore[attr-defined]
            bound.field.widget.attrs.update({"aria-required": "true", "data-name-field": code})

    @property
    def names(self) -> list[forms.BoundField]:
        return self.pairs("name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A blank survey has no name to fall back on: said at the name, not above the form.
        if not cleaned.get("template") and not any(self.texts("name").values()):
            self.add_error(f"name_{LANGUAGES[0][0]}", _("Write it in at least one language."))
        return cleaned


_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SurveySettingsForm(TextsForm):
    anonymous = forms.BooleanField(
        label=_("Anonymous"),
        required=False,
        help_text=_("Answers keep no link to the person; results show groups of five or more."),
    )
    per_mentorship = forms.BooleanField(
        label=_("Ask about each mentorship"),
        required=False,
        help_text=_("One invitation per mentorship a person is in, about that mentorship."),
    )
    opens_at = forms.DateTimeField(
        label=_("Opens"),
        required=False,
        widget=_DATETIME,
        help_text=_("Empty: invitations go out as soon as the survey is open."),
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"),
        required=False,
        widget=_DATETIME,
        help_text=_("Links stop working then. Needed to open the survey."),
    )
    reminder_after_days = forms.IntegerField(
        label=_("Remind after (days)"),
        required=False,
        min_value=1,
        max_value=REMINDER_DAYS_MAX,
        help_text=_("One reminder to people who have not answered. Empty: no reminder."),
    )
    mentor_feedback_visible = forms.BooleanField(
        label=_("Show mentors the feedback about them"),
        required=False,
        help_text=_("Combined answers only, from at least three mentees."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_language_fields("name", str(_("Name"))))
        self.fields.update(
            _language_fields("intro", str(_("Introduction")), limit=INTRO_MAX, textarea=True)
        )

    @property
    def names(self) -> list[forms.BoundField]:
        return self.pairs("name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A blank survey has no name to fall back on: said at the name, not above the form.
        if not cleaned.get("template") and not any(self.texts("name").values()):
            self.add_error(f"name_{LANGUAGES[0][0]}", _("Write it in at least one language."))
        return cleaned

    @property
    def intros(self) -> list[forms.BoundField]:
        return self.pairs("intro")


class SectionForm(TextsForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_language_fields("title", str(_("Title"))))
        self.fields.update(
            _language_fields("description", str(_("Description")), limit=INTRO_MAX, textarea=True)
        )

    @property
    def titles(self) -> list[forms.BoundField]:
        return self.pairs("title")

    @property
    def descriptions(self) -> list[forms.BoundField]:
        return self.pairs("description")


# Empty rows offered below a question's choices or statements, to add more without a script.
SPARE_ROWS = 3


@dataclass
class OptionRow:
    """One choice (value, label per language) or statement (key, text per language)."""

    ident: forms.BoundField
    texts: list[forms.BoundField]


@dataclass
class ConditionGroup:
    """An earlier question a condition may follow, and its answers as checkboxes."""

    key: str
    text: str
    values: list[tuple[str, str, bool]]  # (value, label, checked)


class QuestionForm(TextsForm):
    type = forms.ChoiceField(label=_("Type"), choices=QuestionType.choices)
    key = forms.SlugField(
        label=_("Key"),
        required=False,
        max_length=KEY_MAX_LENGTH,
        help_text=_("A short name reports and conditions use; made from the question if empty."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)

    def __init__(
        self,
        *args: Any,
        earlier: Sequence[SurveyQuestion] = (),
        question: SurveyQuestion | None = None,
        **kwargs: Any,
    ) -> None:
        if question is not None and "initial" not in kwargs and not args:
            kwargs["initial"] = self.initial_for(question)
        super().__init__(*args, **kwargs)
        self.fields.update(_language_fields("text", str(_("Question"))))
        self.fields.update(_language_fields("help", str(_("Help text"))))
        self.fields.update(_language_fields("low", str(_("Low end label")), limit=80))
        self.fields.update(_language_fields("high", str(_("High end label")), limit=80))
        initial = self.initial
        self.choice_count = min(CHOICES_MAX, int(initial.get("choice_count", 0)) + SPARE_ROWS)
        self.statement_count = min(
            STATEMENTS_MAX, int(initial.get("statement_count", 0)) + SPARE_ROWS
        )
        if self.is_bound:
            # A refused form comes back with the rows it was sent, spare ones included.
            self.choice_count = min(CHOICES_MAX, max(self._posted_rows("choice"), SPARE_ROWS))
            self.statement_count = min(
                STATEMENTS_MAX, max(self._posted_rows("statement"), SPARE_ROWS)
            )
        for index in range(self.choice_count):
            self.fields[f"choice_{index}_value"] = forms.CharField(
                label=_("Value"), required=False, max_length=KEY_MAX_LENGTH
            )
            self.fields.update(_language_fields(f"choice_{index}_label", str(_("Choice"))))
        for index in range(self.statement_count):
            self.fields[f"statement_{index}_key"] = forms.CharField(
                label=_("Key"), required=False, max_length=KEY_MAX_LENGTH
            )
            self.fields.update(_language_fields(f"statement_{index}_text", str(_("Statement"))))
        self.condition_groups = self._condition_groups(earlier)

    def _posted_rows(self, kind: str) -> int:
        prefix = f"{self.prefix}-" if self.prefix else ""
        count = 0
        while f"{prefix}{kind}_{count}_value" in self.data or f"{prefix}{kind}_{count}_key" in (
            self.data
        ):
            count += 1
        return count

    def _condition_groups(self, earlier: Sequence[SurveyQuestion]) -> list[ConditionGroup]:
        condition = self._condition() if self.is_bound else self.initial.get("show_if")
        chosen = {
            (str((condition or {}).get("question", "")), str(value))
            for value in (condition or {}).get("values", [])
        }
        groups = []
        for question in earlier:
            values = condition_values(question)
            if not values:
                continue
            labels = {str(c.get("value")): in_language(c.get("label")) for c in question.choices}
            groups.append(
                ConditionGroup(
                    key=question.key,
                    text=in_language(question.text),
                    values=[
                        (
                            value,
                            labels.get(value, value),
                            (question.key, value) in chosen,
                        )
                        for value in values
                    ],
                )
            )
        return groups

    @staticmethod
    def initial_for(question: SurveyQuestion) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "type": question.type,
            "key": question.key,
            "required": question.required,
            "show_if": question.show_if,
            "choice_count": len(question.choices),
            "statement_count": len(question.statements),
        }
        initial.update(TextsForm.initial_texts("text", question.text))
        initial.update(TextsForm.initial_texts("help", question.help_text))
        initial.update(TextsForm.initial_texts("low", question.low_label))
        initial.update(TextsForm.initial_texts("high", question.high_label))
        for index, choice in enumerate(question.choices):
            initial[f"choice_{index}_value"] = choice.get("value", "")
            initial.update(TextsForm.initial_texts(f"choice_{index}_label", choice.get("label")))
        for index, statement in enumerate(question.statements):
            initial[f"statement_{index}_key"] = statement.get("key", "")
            initial.update(
                TextsForm.initial_texts(f"statement_{index}_text", statement.get("text"))
            )
        return initial

    # What the template draws.

    @property
    def text_fields(self) -> list[forms.BoundField]:
        return self.pairs("text")

    @property
    def help_fields(self) -> list[forms.BoundField]:
        return self.pairs("help")

    @property
    def low_fields(self) -> list[forms.BoundField]:
        return self.pairs("low")

    @property
    def high_fields(self) -> list[forms.BoundField]:
        return self.pairs("high")

    @property
    def choice_rows(self) -> list[OptionRow]:
        return [
            OptionRow(self[f"choice_{i}_value"], self.pairs(f"choice_{i}_label"))
            for i in range(self.choice_count)
        ]

    @property
    def statement_rows(self) -> list[OptionRow]:
        return [
            OptionRow(self[f"statement_{i}_key"], self.pairs(f"statement_{i}_text"))
            for i in range(self.statement_count)
        ]

    @property
    def shows_scale_labels(self) -> bool:
        return self["type"].value() in NUMBER_TYPES

    # What the service takes.

    def question_input(self) -> QuestionInput:
        data = self.cleaned_data
        kind = data["type"]
        condition = self._condition()
        return QuestionInput(
            type=kind,
            key=data.get("key") or "",
            text=self.texts("text"),
            help_text=self.texts("help"),
            low_label=self.texts("low"),
            high_label=self.texts("high"),
            choices=[
                {
                    "value": data.get(f"choice_{i}_value") or "",
                    "label": self.texts(f"choice_{i}_label"),
                }
                for i in range(self.choice_count)
            ]
            if kind in CHOICE_TYPES
            else [],
            statements=[
                {
                    "key": data.get(f"statement_{i}_key") or "",
                    "text": self.texts(f"statement_{i}_text"),
                }
                for i in range(self.statement_count)
            ]
            if kind == QuestionType.MATRIX
            else [],
            required=bool(data.get("required")),
            show_if=condition,
        )

    def _condition(self) -> dict[str, Any] | None:
        """The checked answers name their question: the first question with a checked answer
        (the service refuses answers of two questions at once)."""
        values = (
            self.data.getlist(self.add_prefix("show_if_values"))
            if hasattr(self.data, "getlist")
            else []
        )
        if not values:
            return None
        pairs = [value.split("=", 1) for value in values if "=" in value]
        questions = {key for key, _value in pairs}
        if len(questions) != 1:
            return {"question": "", "values": []}
        question = next(iter(questions))
        return {"question": question, "values": [value for _key, value in pairs]}


class ScheduleForm(forms.Form):
    trigger = forms.ChoiceField(label=_("Send"), choices=ScheduleTrigger.choices)
    days = forms.IntegerField(label=_("Days"), required=False, min_value=0, max_value=730)
    check_in_number = forms.IntegerField(
        label=_("Check-in number"), required=False, min_value=1, max_value=100
    )
    send_at = forms.DateTimeField(label=_("Date and time"), required=False, widget=_DATETIME)
    audience = forms.ChoiceField(label=_("To"), choices=Audience.choices, initial=Audience.BOTH)
    cohort = forms.ModelChoiceField(
        label=_("Cohort"),
        required=False,
        queryset=Cohort.objects.none(),
        empty_label=_("Every cohort of the program"),
    )

    def __init__(self, *args: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cohort_field = self.fields["cohort"]
        assert isinstance(cohort_field, forms.ModelChoiceField)
        cohort_field.queryset = cohorts
