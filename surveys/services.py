"""Writes of the surveys app: building a survey (settings, sections, questions, schedules),
copying a shipped template, opening and closing, and saving a respondent's answers.

A survey's structure (questions, their types, choices, conditions, whether they are required)
can change only while it is a draft; once open, people have answered it, so only its wording
and translations may change. docs/surveys.md describes the data model these keep consistent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from organizations.models import Organization
from programs.models import Cohort, Program
from surveys.models import (
    CHOICE_TYPES,
    CHOICES_MAX,
    KEY_MAX_LENGTH,
    LONG_TEXT_MAX_LENGTH,
    NUMBER_TYPES,
    QUESTIONS_MAX,
    SCALE_RANGE,
    SECTIONS_MAX,
    SHORT_TEXT_MAX_LENGTH,
    STATEMENTS_MAX,
    Audience,
    QuestionType,
    ScheduleTrigger,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyKind,
    SurveyQuestion,
    SurveyResponse,
    SurveySchedule,
    SurveySection,
    SurveyStatus,
)
from surveys.result_counts import answer_row, result_counts_change
from surveys.selectors import ordered_questions
from surveys.templates_library import SURVEY_TEMPLATES, TemplateQuestion
from webhooks.services import EventType, event_emit

LANGUAGE_CODES = ("en", "es")
TEXT_MAX = 500
INTRO_MAX = 3000
# A schedule's day counts: up to two years from a cohort's start or before its end.
DAYS_MAX = 730
CHECK_INS_MAX = 100
REMINDER_DAYS_MAX = 60
SCHEDULES_MAX = 10
_KEY = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")


# --- Texts in several languages -----------------------------------------------------------


def _texts(
    value: Mapping[str, str] | None, field: str, *, required: bool = True, limit: int = TEXT_MAX
) -> dict[str, str]:
    """Texts by language code, trimmed; at least one language when required."""
    cleaned = {
        code: text.strip()
        for code, text in (value or {}).items()
        if code in LANGUAGE_CODES and isinstance(text, str) and text.strip()
    }
    if required and not cleaned:
        raise DomainError(_("Write it in at least one language."), field=field)
    if any(len(text) > limit for text in cleaned.values()):
        raise DomainError(_("Keep it under %(n)d characters.") % {"n": limit + 1}, field=field)
    return cleaned


def _slug(text: str) -> str:
    return slugify(text).replace("-", "_")[:KEY_MAX_LENGTH].strip("_")


def _key(value: str, field: str) -> str:
    if not _KEY.match(value) or len(value) > KEY_MAX_LENGTH:
        raise DomainError(
            _("Use lower-case letters, digits and underscores, like “good_match”."), field=field
        )
    return value


# --- Ownership -----------------------------------------------------------------------------


def _own_program(organization: Organization, program: Program) -> Program:
    if program.organization_id != organization.pk:
        raise DomainError(_("No such program."), code="not_found")
    return program


def _locked_survey(organization: Organization, survey: Survey) -> Survey:
    """The survey re-read under a row lock: edits of one survey take turns, so positions and
    keys stay unique."""
    locked = Survey.objects.for_org(organization).select_for_update().filter(pk=survey.pk).first()
    if locked is None:
        raise DomainError(_("No such survey."), code="not_found")
    return locked


def _require_draft(survey: Survey) -> None:
    if survey.status != SurveyStatus.DRAFT:
        raise DomainError(
            _(
                "People are answering this survey: you can correct its wording and translations, "
                "but not add, remove or change questions. Make a copy for a new version."
            ),
            code="survey_not_draft",
        )


def _own_section(organization: Organization, survey: Survey, section_id: int) -> SurveySection:
    section = (
        SurveySection.objects.for_org(organization).filter(survey=survey, pk=section_id).first()
    )
    if section is None:
        raise DomainError(_("No such section."), code="not_found")
    return section


def _own_question(organization: Organization, survey: Survey, question_id: int) -> SurveyQuestion:
    question = (
        SurveyQuestion.objects.for_org(organization).filter(survey=survey, pk=question_id).first()
    )
    if question is None:
        raise DomainError(_("No such question."), code="not_found")
    return question


# --- Surveys -------------------------------------------------------------------------------


@transaction.atomic
def survey_create(
    *, organization: Organization, program: Program, name: Mapping[str, str], actor: User | None
) -> Survey:
    """A blank draft with one empty section, ready for questions."""
    _own_program(organization, program)
    survey = Survey.objects.create(
        organization=organization,
        program=program,
        name=_texts(name, "name"),
        kind=SurveyKind.CUSTOM,
        created_by=actor,
    )
    SurveySection.objects.create(organization=organization, survey=survey, position=1)
    return survey


@transaction.atomic
def survey_create_from_template(
    *,
    organization: Organization,
    program: Program,
    template_key: str,
    actor: User | None,
    name: Mapping[str, str] | None = None,
) -> Survey:
    """A draft copy of a shipped template (sections, questions, suggested schedules), for the
    program to edit; named `name` when given (the builder's form starts from the template's)."""
    _own_program(organization, program)
    template = SURVEY_TEMPLATES.get(template_key)
    if template is None:
        raise DomainError(_("There is no such template."), field="template")
    survey = Survey.objects.create(
        organization=organization,
        program=program,
        name=_texts(name, "name", required=False) or dict(template.name),
        intro=dict(template.intro),
        kind=template.kind,
        anonymous=template.anonymous,
        per_mentorship=template.per_mentorship,
        template_key=template.key,
        created_by=actor,
    )
    questions = []
    for section_position, section in enumerate(template.sections, start=1):
        saved = SurveySection.objects.create(
            organization=organization,
            survey=survey,
            position=section_position,
            title=dict(section.title),
            description=dict(section.description),
        )
        questions += [
            _question_from_template(organization, survey, saved, position, question)
            for position, question in enumerate(section.questions, start=1)
        ]
    SurveyQuestion.objects.bulk_create(questions)
    SurveySchedule.objects.bulk_create(
        SurveySchedule(
            organization=organization,
            survey=survey,
            trigger=schedule.trigger,
            days=schedule.days,
            check_in_number=schedule.check_in_number,
            audience=schedule.audience,
        )
        for schedule in template.schedules
    )
    return survey


def _question_from_template(
    organization: Organization,
    survey: Survey,
    section: SurveySection,
    position: int,
    question: TemplateQuestion,
) -> SurveyQuestion:
    return SurveyQuestion(
        organization=organization,
        survey=survey,
        section=section,
        position=position,
        key=question.key,
        type=question.type,
        text=dict(question.text),
        help_text=dict(question.help_text),
        low_label=dict(question.low_label),
        high_label=dict(question.high_label),
        choices=[{"value": c.value, "label": dict(c.label)} for c in question.choices],
        statements=[{"key": s.key, "text": dict(s.text)} for s in question.statements],
        required=question.required,
        show_if=(
            {"question": question.show_if[0], "values": list(question.show_if[1])}
            if question.show_if
            else None
        ),
    )


@transaction.atomic
def survey_copy(*, organization: Organization, survey: Survey, actor: User | None) -> Survey:
    """A new draft with the same settings, sections, questions and schedules (a new version of
    an open or closed survey)."""
    source = _locked_survey(organization, survey)
    copy = Survey.objects.create(
        organization=organization,
        program=source.program,
        name={code: _("%(name)s (copy)") % {"name": text} for code, text in source.name.items()},
        intro=dict(source.intro),
        kind=source.kind,
        anonymous=source.anonymous,
        per_mentorship=source.per_mentorship,
        reminder_after_days=source.reminder_after_days,
        mentor_feedback_visible=source.mentor_feedback_visible,
        template_key=source.template_key,
        created_by=actor,
    )
    sections = {
        section.pk: SurveySection.objects.create(
            organization=organization,
            survey=copy,
            position=section.position,
            title=dict(section.title),
            description=dict(section.description),
        )
        for section in SurveySection.objects.for_org(organization).filter(survey=source)
    }
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(
            organization=organization,
            survey=copy,
            section=sections[question.section_id],
            position=question.position,
            key=question.key,
            type=question.type,
            text=question.text,
            help_text=question.help_text,
            low_label=question.low_label,
            high_label=question.high_label,
            choices=question.choices,
            statements=question.statements,
            required=question.required,
            show_if=question.show_if,
        )
        for question in SurveyQuestion.objects.for_org(organization).filter(survey=source)
    )
    SurveySchedule.objects.bulk_create(
        SurveySchedule(
            organization=organization,
            survey=copy,
            trigger=schedule.trigger,
            days=schedule.days,
            check_in_number=schedule.check_in_number,
            send_at=schedule.send_at,
            audience=schedule.audience,
            cohort_id=schedule.cohort_id,
            is_active=schedule.is_active,
        )
        for schedule in SurveySchedule.objects.for_org(organization).filter(survey=source)
    )
    return copy


@transaction.atomic
def survey_update(
    *,
    organization: Organization,
    survey: Survey,
    name: Mapping[str, str],
    intro: Mapping[str, str],
    anonymous: bool,
    per_mentorship: bool,
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    reminder_after_days: int | None,
    mentor_feedback_visible: bool,
    now: dt.datetime | None = None,
) -> Survey:
    """Change a survey's settings. Whether it is anonymous, and whether it asks about each
    mentorship, are fixed once it is open: changing either would change what answers given so
    far promised or meant."""
    survey = _locked_survey(organization, survey)
    now = now or timezone.now()
    name = _texts(name, "name")
    intro = _texts(intro, "intro", required=False, limit=INTRO_MAX)
    if survey.status != SurveyStatus.DRAFT and (
        anonymous != survey.anonymous or per_mentorship != survey.per_mentorship
    ):
        raise DomainError(
            _(
                "Whether answers are anonymous, and what they are about, cannot change once the "
                "survey is open."
            ),
            field="anonymous",
        )
    if anonymous and survey.kind == SurveyKind.MATCH_CHECK:
        raise DomainError(
            _(
                "A match check names who answered, so the program team can act on a match that "
                "is not working."
            ),
            field="anonymous",
        )
    if reminder_after_days is not None and not 1 <= reminder_after_days <= REMINDER_DAYS_MAX:
        raise DomainError(
            _("Give a number of days from 1 to %(n)d, or leave it empty for no reminder.")
            % {"n": REMINDER_DAYS_MAX},
            field="reminder_after_days",
        )
    _check_window(opens_at, closes_at)
    if survey.status == SurveyStatus.OPEN and (closes_at is None or closes_at <= now):
        raise DomainError(
            _("An open survey needs a closing date in the future; close it instead."),
            field="closes_at",
        )
    survey.name, survey.intro = name, intro
    survey.anonymous, survey.per_mentorship = anonymous, per_mentorship
    survey.opens_at, survey.closes_at = opens_at, closes_at
    survey.reminder_after_days = reminder_after_days
    survey.mentor_feedback_visible = mentor_feedback_visible
    survey.save()
    if survey.status == SurveyStatus.OPEN:
        # Links expire when the survey closes: a moved closing date moves them too.
        SurveyInvitation.objects.for_org(organization).filter(survey=survey).update(
            expires_at=closes_at
        )
    return survey


def _check_window(opens_at: dt.datetime | None, closes_at: dt.datetime | None) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise DomainError(_("The survey must close after it opens."), field="closes_at")


@transaction.atomic
def survey_open(
    *, organization: Organization, survey: Survey, now: dt.datetime | None = None
) -> Survey:
    """A draft starts going out on its schedules. It needs a question, an active schedule and a
    closing date in the future."""
    survey = _locked_survey(organization, survey)
    now = now or timezone.now()
    if survey.status != SurveyStatus.DRAFT:
        raise DomainError(_("Only a draft survey can be opened."), code="survey_not_draft")
    if not SurveyQuestion.objects.for_org(organization).filter(survey=survey).exists():
        raise DomainError(_("Add a question before opening the survey."))
    schedules = SurveySchedule.objects.for_org(organization).filter(survey=survey, is_active=True)
    if not schedules.exists():
        raise DomainError(_("Add a schedule: when the survey goes out, and to whom."))
    if survey.closes_at is None or survey.closes_at <= now:
        raise DomainError(_("Set a closing date in the future first."), field="closes_at")
    survey.status = SurveyStatus.OPEN
    survey.opened_at = now
    survey.save(update_fields=["status", "opened_at", "updated_at"])
    return survey


@transaction.atomic
def survey_close(
    *, organization: Organization, survey: Survey, now: dt.datetime | None = None
) -> Survey:
    """No more answers: links stop working now. Idempotent."""
    survey = _locked_survey(organization, survey)
    if survey.status == SurveyStatus.CLOSED:
        return survey
    if survey.status == SurveyStatus.DRAFT:
        raise DomainError(_("A draft has nothing to close; delete it instead."))
    now = now or timezone.now()
    survey.status = SurveyStatus.CLOSED
    survey.closed_at = now
    if survey.closes_at is None or survey.closes_at > now:
        survey.closes_at = now
    survey.save(update_fields=["status", "closed_at", "closes_at", "updated_at"])
    SurveyInvitation.objects.for_org(organization).filter(survey=survey).update(expires_at=now)
    return survey


@transaction.atomic
def survey_delete(*, organization: Organization, survey: Survey) -> None:
    """Only a draft goes: once a survey went out, its answers are the program's record."""
    survey = _locked_survey(organization, survey)
    if survey.status != SurveyStatus.DRAFT:
        raise DomainError(_("Only a draft can be deleted; close the survey instead."))
    survey.delete()


# --- Sections ------------------------------------------------------------------------------


@transaction.atomic
def section_save(
    *,
    organization: Organization,
    survey: Survey,
    title: Mapping[str, str],
    description: Mapping[str, str],
    section: SurveySection | None = None,
) -> SurveySection:
    """Add a section at the end (drafts only), or change a section's texts."""
    survey = _locked_survey(organization, survey)
    title = _texts(title, "title", required=False)
    description = _texts(description, "description", required=False, limit=INTRO_MAX)
    if section is None:
        _require_draft(survey)
        sections = SurveySection.objects.for_org(organization).filter(survey=survey)
        if sections.count() >= SECTIONS_MAX:
            raise DomainError(_("A survey has at most %(n)d sections.") % {"n": SECTIONS_MAX})
        return SurveySection.objects.create(
            organization=organization,
            survey=survey,
            position=(sections.aggregate(last=Max("position"))["last"] or 0) + 1,
            title=title,
            description=description,
        )
    own = _own_section(organization, survey, section.pk)
    own.title, own.description = title, description
    own.save(update_fields=["title", "description"])
    return own


@transaction.atomic
def section_delete(*, organization: Organization, survey: Survey, section: SurveySection) -> None:
    """The section and its questions go (drafts only), unless a question elsewhere depends on
    one of them."""
    survey = _locked_survey(organization, survey)
    _require_draft(survey)
    own = _own_section(organization, survey, section.pk)
    keys = set(
        SurveyQuestion.objects.for_org(organization)
        .filter(section=own)
        .values_list("key", flat=True)
    )
    _refuse_dependents(organization, survey, keys, leaving_section=own)
    own.delete()


@transaction.atomic
def section_move(
    *, organization: Organization, survey: Survey, section: SurveySection, step: int
) -> None:
    """One place up (step -1) or down (+1); at either end nothing moves. Refused when a question
    would come before the one its display depends on."""
    survey = _locked_survey(organization, survey)
    _require_draft(survey)
    own = _own_section(organization, survey, section.pk)
    ordered = list(SurveySection.objects.for_org(organization).filter(survey=survey))
    index = next(i for i, s in enumerate(ordered) if s.pk == own.pk)
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    SurveySection.objects.bulk_update(ordered, ["position"])
    _check_conditions(organization, survey)


# --- Questions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionInput:
    """What a program team edits on a question. `choices` are {"value", "label"} pairs and
    `statements` {"key", "text"} pairs, each label or text by language; an empty value or key
    is made from the English label."""

    type: str
    text: Mapping[str, str]
    key: str = ""
    help_text: Mapping[str, str] | None = None
    low_label: Mapping[str, str] | None = None
    high_label: Mapping[str, str] | None = None
    choices: Sequence[Mapping[str, Any]] = ()
    statements: Sequence[Mapping[str, Any]] = ()
    required: bool = False
    # {"question": key, "values": [...]}, or None
    show_if: Mapping[str, Any] | None = None


def _options(
    entries: Sequence[Mapping[str, Any]], *, id_name: str, text_name: str, field: str, limit: int
) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    for entry in entries:
        texts = _texts(entry.get(text_name), field, required=False, limit=TEXT_MAX)
        given = str(entry.get(id_name) or "").strip()
        if not texts and not given:
            continue  # an empty row of the form
        if not texts:
            raise DomainError(_("Give each option a label."), field=field)
        ident = (
            _key(given, field) if given else _slug(texts.get("en") or next(iter(texts.values())))
        )
        if not ident:
            raise DomainError(_("Give each option a label with letters or digits."), field=field)
        cleaned.append({id_name: ident, text_name: texts})
    identifiers = [entry[id_name] for entry in cleaned]
    if len(set(identifiers)) != len(identifiers):
        raise DomainError(_("Two options have the same value; make them differ."), field=field)
    if len(cleaned) > limit:
        raise DomainError(_("Keep it to %(n)d options at most.") % {"n": limit}, field=field)
    return cleaned


def _question_fields(data: QuestionInput) -> dict[str, Any]:
    if data.type not in QuestionType.values:
        raise DomainError(_("Choose a question type."), field="type")
    fields: dict[str, Any] = {
        "type": data.type,
        "text": _texts(data.text, "text"),
        "help_text": _texts(data.help_text, "help_text", required=False),
        "required": bool(data.required),
        "low_label": {},
        "high_label": {},
        "choices": [],
        "statements": [],
    }
    if data.type in NUMBER_TYPES:
        fields["low_label"] = _texts(data.low_label, "low_label", required=False, limit=80)
        fields["high_label"] = _texts(data.high_label, "high_label", required=False, limit=80)
    if data.type in CHOICE_TYPES:
        fields["choices"] = _options(
            data.choices, id_name="value", text_name="label", field="choices", limit=CHOICES_MAX
        )
        if len(fields["choices"]) < 2:
            raise DomainError(_("Give at least two choices."), field="choices")
    if data.type == QuestionType.MATRIX:
        fields["statements"] = _options(
            data.statements,
            id_name="key",
            text_name="text",
            field="statements",
            limit=STATEMENTS_MAX,
        )
        if not fields["statements"]:
            raise DomainError(_("Give at least one statement to rate."), field="statements")
    return fields


def _unique_key(wanted: str, taken: set[str]) -> str:
    key = wanted or "question"
    number = 2
    while key in taken:
        suffix = f"_{number}"
        key = f"{(wanted or 'question')[: KEY_MAX_LENGTH - len(suffix)]}{suffix}"
        number += 1
    return key


@transaction.atomic
def question_save(
    *,
    organization: Organization,
    survey: Survey,
    section: SurveySection,
    data: QuestionInput,
    question: SurveyQuestion | None = None,
) -> SurveyQuestion:
    """Add a question at the end of a section, or change one. While the survey is open only the
    texts may change (type, key, choices' values, statements' keys, required and the condition
    stay)."""
    survey = _locked_survey(organization, survey)
    section = _own_section(organization, survey, section.pk)
    fields = _question_fields(data)
    questions = SurveyQuestion.objects.for_org(organization).filter(survey=survey)
    own = _own_question(organization, survey, question.pk) if question else None
    others = questions.exclude(pk=own.pk) if own else questions
    taken = set(others.values_list("key", flat=True))
    key = data.key.strip()
    if key:
        _key(key, "key")
        if key in taken:
            raise DomainError(_("Another question of this survey has that key."), field="key")
    elif own is not None:
        key = own.key
    else:
        key = _unique_key(
            _slug(fields["text"].get("en") or next(iter(fields["text"].values()))), taken
        )
    fields["key"] = key
    fields["show_if"] = dict(data.show_if) if data.show_if else None
    if own is None:
        _require_draft(survey)
        if questions.count() >= QUESTIONS_MAX:
            raise DomainError(_("A survey has at most %(n)d questions.") % {"n": QUESTIONS_MAX})
        last = questions.filter(section=section).aggregate(last=Max("position"))["last"] or 0
        saved = SurveyQuestion.objects.create(
            organization=organization, survey=survey, section=section, position=last + 1, **fields
        )
    else:
        if survey.status != SurveyStatus.DRAFT:
            _refuse_structure_change(own, fields)
        renamed_from = own.key if own.key != key else ""
        for name, value in fields.items():
            setattr(own, name, value)
        own.save()
        saved = own
        if renamed_from:
            _rename_condition_references(organization, survey, renamed_from, key)
    _check_conditions(organization, survey)
    return saved


def _refuse_structure_change(question: SurveyQuestion, fields: Mapping[str, Any]) -> None:
    def identifiers(entries: list[dict[str, Any]], name: str) -> list[str]:
        return [str(entry.get(name, "")) for entry in entries]

    unchanged = (
        fields["type"] == question.type
        and fields["key"] == question.key
        and fields["required"] == question.required
        and (fields["show_if"] or None) == (question.show_if or None)
        and identifiers(fields["choices"], "value") == identifiers(question.choices, "value")
        and identifiers(fields["statements"], "key") == identifiers(question.statements, "key")
    )
    if not unchanged:
        raise DomainError(
            _(
                "People are answering this survey: you can correct its wording and translations, "
                "but not change a question's type, key, options, condition or whether it is "
                "required. Make a copy for a new version."
            ),
            code="survey_not_draft",
        )


def _rename_condition_references(
    organization: Organization, survey: Survey, old: str, new: str
) -> None:
    dependents = [
        q
        for q in SurveyQuestion.objects.for_org(organization).filter(survey=survey)
        if q.show_if and q.show_if.get("question") == old
    ]
    for dependent in dependents:
        dependent.show_if = {**(dependent.show_if or {}), "question": new}
    SurveyQuestion.objects.bulk_update(dependents, ["show_if"])


def _refuse_dependents(
    organization: Organization,
    survey: Survey,
    keys: set[str],
    *,
    leaving_section: SurveySection | None = None,
) -> None:
    for other in SurveyQuestion.objects.for_org(organization).filter(survey=survey):
        if other.key in keys or (leaving_section and other.section_id == leaving_section.pk):
            continue
        if other.show_if and other.show_if.get("question") in keys:
            raise DomainError(
                _("“%(text)s” is shown depending on this answer: change its condition first.")
                % {"text": _any_text(other.text)}
            )


def _any_text(texts: Mapping[str, str]) -> str:
    return texts.get("en") or next(iter(texts.values()), "")


def condition_values(question: SurveyQuestion) -> list[str]:
    """The answers a condition may name, as strings: choice values, or the scale's numbers.
    Empty for questions a condition cannot follow (text and matrix)."""
    if question.type in CHOICE_TYPES:
        return [str(choice.get("value", "")) for choice in question.choices]
    if question.type in (QuestionType.SCALE_1_5, QuestionType.NPS):
        low, high = SCALE_RANGE[QuestionType(question.type)]
        return [str(number) for number in range(low, high + 1)]
    return []


def _check_conditions(organization: Organization, survey: Survey) -> None:
    """Every condition names an earlier question and answers it can have."""
    earlier: dict[str, SurveyQuestion] = {}
    for question in ordered_questions(organization=organization, survey=survey):
        condition = question.show_if
        if condition:
            source = earlier.get(str(condition.get("question", "")))
            if source is None:
                raise DomainError(
                    _("A question can only depend on a question before it."), field="show_if"
                )
            allowed = condition_values(source)
            values = condition.get("values")
            if (
                not allowed
                or not isinstance(values, list)
                or not values
                or any(str(value) not in allowed for value in values)
            ):
                raise DomainError(
                    _("Choose one or more answers of “%(text)s” that show this question.")
                    % {"text": _any_text(source.text)},
                    field="show_if",
                )
        earlier[question.key] = question


@transaction.atomic
def question_delete(
    *, organization: Organization, survey: Survey, question: SurveyQuestion
) -> None:
    survey = _locked_survey(organization, survey)
    _require_draft(survey)
    own = _own_question(organization, survey, question.pk)
    _refuse_dependents(organization, survey, {own.key})
    own.delete()


@transaction.atomic
def question_move(
    *, organization: Organization, survey: Survey, question: SurveyQuestion, step: int
) -> None:
    """One place up (-1) or down (+1) in the survey: within its section, or across into the
    neighbouring section at its edge. Refused when a question would come before the one its
    display depends on."""
    survey = _locked_survey(organization, survey)
    _require_draft(survey)
    own = _own_question(organization, survey, question.pk)
    sections = list(SurveySection.objects.for_org(organization).filter(survey=survey))
    in_section = list(
        SurveyQuestion.objects.for_org(organization).filter(section_id=own.section_id)
    )
    index = next(i for i, q in enumerate(in_section) if q.pk == own.pk)
    other = index + (1 if step > 0 else -1)
    if 0 <= other < len(in_section):
        in_section[index], in_section[other] = in_section[other], in_section[index]
        _renumber(in_section)
    else:
        section_index = next(i for i, s in enumerate(sections) if s.pk == own.section_id)
        target_index = section_index + (1 if step > 0 else -1)
        if not 0 <= target_index < len(sections):
            return
        target = sections[target_index]
        in_target = list(SurveyQuestion.objects.for_org(organization).filter(section=target))
        in_section.pop(index)
        own.section = target
        in_target = [*in_target, own] if step < 0 else [own, *in_target]
        SurveyQuestion.objects.filter(pk=own.pk).update(section=target)
        _renumber(in_section)
        _renumber(in_target)
    _check_conditions(organization, survey)


def _renumber(questions: list[SurveyQuestion]) -> None:
    for position, item in enumerate(questions, start=1):
        item.position = position
    SurveyQuestion.objects.bulk_update(questions, ["position"])


@transaction.atomic
def question_set_required(
    *, organization: Organization, survey: Survey, question: SurveyQuestion, required: bool
) -> SurveyQuestion:
    survey = _locked_survey(organization, survey)
    _require_draft(survey)
    own = _own_question(organization, survey, question.pk)
    own.required = required
    own.save(update_fields=["required", "updated_at"])
    return own


# --- Schedules -----------------------------------------------------------------------------


@transaction.atomic
def schedule_save(
    *,
    organization: Organization,
    survey: Survey,
    trigger: str,
    audience: str,
    days: int | None = None,
    check_in_number: int | None = None,
    send_at: dt.datetime | None = None,
    cohort: Cohort | None = None,
    schedule: SurveySchedule | None = None,
) -> SurveySchedule:
    """Add a schedule or change one. An open survey's schedules may change (they say who is
    invited next); invitations already made stay."""
    survey = _locked_survey(organization, survey)
    if trigger not in ScheduleTrigger.values:
        raise DomainError(_("Choose when the survey goes out."), field="trigger")
    if audience not in Audience.values:
        raise DomainError(_("Choose who is asked."), field="audience")
    if cohort is not None and (
        cohort.organization_id != organization.pk or cohort.program_id != survey.program_id
    ):
        raise DomainError(_("Choose a cohort of this survey's program."), field="cohort")
    fields: dict[str, Any] = {"days": None, "check_in_number": None, "send_at": None}
    if trigger == ScheduleTrigger.AFTER_CHECK_IN:
        if check_in_number is None or not 1 <= check_in_number <= CHECK_INS_MAX:
            raise DomainError(
                _("Give the number of check-ins, from 1 to %(n)d.") % {"n": CHECK_INS_MAX},
                field="check_in_number",
            )
        fields["check_in_number"] = check_in_number
    elif trigger == ScheduleTrigger.ON_DATE:
        if send_at is None:
            raise DomainError(_("Give the date and time to send it."), field="send_at")
        fields["send_at"] = send_at
    else:
        if days is None or not 0 <= days <= DAYS_MAX:
            raise DomainError(
                _("Give a number of days from 0 to %(n)d.") % {"n": DAYS_MAX}, field="days"
            )
        fields["days"] = days
    fields.update(trigger=trigger, audience=audience, cohort=cohort)
    if schedule is None:
        schedules = SurveySchedule.objects.for_org(organization).filter(survey=survey)
        if schedules.count() >= SCHEDULES_MAX:
            raise DomainError(_("A survey has at most %(n)d schedules.") % {"n": SCHEDULES_MAX})
        return SurveySchedule.objects.create(organization=organization, survey=survey, **fields)
    own = SurveySchedule.objects.for_org(organization).filter(survey=survey, pk=schedule.pk).first()
    if own is None:
        raise DomainError(_("No such schedule."), code="not_found")
    for name, value in fields.items():
        setattr(own, name, value)
    own.save()
    return own


@transaction.atomic
def schedule_delete(
    *, organization: Organization, survey: Survey, schedule: SurveySchedule
) -> None:
    survey = _locked_survey(organization, survey)
    deleted, _by_model = (
        SurveySchedule.objects.for_org(organization).filter(survey=survey, pk=schedule.pk).delete()
    )
    if not deleted:
        raise DomainError(_("No such schedule."), code="not_found")


# --- Answers -------------------------------------------------------------------------------


class AnswersInvalid(DomainError):
    """Answers refused, each message by question key (`errors`); the message and field of the
    first one make it an ordinary domain error too."""

    def __init__(self, errors: dict[str, str]):
        first_key, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_key, code="answers_invalid")
        self.errors = errors


def _shown_by(condition: Mapping[str, Any] | None, answers: Mapping[str, Any]) -> bool:
    if not condition:
        return True
    given = answers.get(str(condition.get("question", "")))
    wanted = {str(value) for value in condition.get("values") or []}
    if isinstance(given, list):
        return any(str(value) in wanted for value in given)
    return given is not None and given != "" and str(given) in wanted


def shown_questions(
    questions: Iterable[SurveyQuestion], answers: Mapping[str, Any]
) -> list[SurveyQuestion]:
    """The questions a respondent sees given their answers, in order: a question whose
    condition names a hidden question is hidden too."""
    shown: list[SurveyQuestion] = []
    visible_answers: dict[str, Any] = {}
    for question in questions:
        if _shown_by(question.show_if, visible_answers):
            shown.append(question)
            if question.key in answers:
                visible_answers[question.key] = answers[question.key]
    return shown


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _clean_value(question: SurveyQuestion, value: Any) -> Any:
    """The answer in its stored shape, or a DomainError saying what is wrong with it.

    scale_1_5, nps: int · single: str · multiple: list[str] · short/long text: str ·
    matrix: {statement key: int}."""
    kind = question.type
    if kind in (QuestionType.SCALE_1_5, QuestionType.NPS):
        low, high = SCALE_RANGE[QuestionType(kind)]
        number = _as_int(value)
        if number is None or not low <= number <= high:
            raise DomainError(
                _("Choose a number from %(low)d to %(high)d.") % {"low": low, "high": high}
            )
        return number
    if kind == QuestionType.SINGLE:
        allowed = {str(choice.get("value")) for choice in question.choices}
        if not isinstance(value, str) or value not in allowed:
            raise DomainError(_("Choose one of the options."))
        return value
    if kind == QuestionType.MULTIPLE:
        allowed_order = [str(choice.get("value")) for choice in question.choices]
        chosen = value if isinstance(value, list) else [value]
        if any(not isinstance(v, str) or v not in allowed_order for v in chosen):
            raise DomainError(_("Choose among the options."))
        return [v for v in allowed_order if v in chosen]
    if kind in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
        limit = SHORT_TEXT_MAX_LENGTH if kind == QuestionType.SHORT_TEXT else LONG_TEXT_MAX_LENGTH
        if not isinstance(value, str):
            raise DomainError(_("Write your answer as text."))
        text = value.strip()
        if len(text) > limit:
            raise DomainError(_("Keep it under %(n)d characters.") % {"n": limit + 1})
        return text
    # matrix
    if not isinstance(value, Mapping):
        raise DomainError(_("Rate each statement."))
    keys = [str(statement.get("key")) for statement in question.statements]
    ratings: dict[str, int] = {}
    for key, given in value.items():
        if key not in keys:
            raise DomainError(_("Rate the statements shown."))
        if _empty(given):
            continue
        number = _as_int(given)
        if number is None or not 1 <= number <= 5:
            raise DomainError(_("Rate each statement from 1 to 5."))
        ratings[key] = number
    return {key: ratings[key] for key in keys if key in ratings}


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 6:
        return int(value.strip())
    return None


def answers_clean(
    *, questions: Sequence[SurveyQuestion], answers: Mapping[str, Any], submit: bool
) -> dict[str, Any]:
    """Answers by question key in their stored shapes, for the questions shown given these very
    answers: answers to hidden questions (and to unknown keys) are dropped. On submit, every
    shown required question must be answered (each statement of a required matrix).

    Raises AnswersInvalid with a message per question key."""
    shown = shown_questions(questions, answers)
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in shown:
        value: Any = answers.get(question.key)
        if not _empty(value):
            try:
                value = _clean_value(question, value)
            except DomainError as error:
                errors[question.key] = error.message
                continue
        if _empty(value):
            if submit and question.required:
                errors[question.key] = _("Please answer this question.")
            continue
        if (
            submit
            and question.required
            and question.type == QuestionType.MATRIX
            and len(value) < len(question.statements)
        ):
            errors[question.key] = _("Please rate every statement.")
            continue
        cleaned[question.key] = value
    if errors:
        raise AnswersInvalid(errors)
    # A conditional question whose source answer was refused above is judged on the cleaned
    # answers: recompute what is shown from them, so nothing hidden slips through.
    visible = {q.key for q in shown_questions(questions, cleaned)}
    return {key: value for key, value in cleaned.items() if key in visible}


def _answer_rows(
    organization: Organization,
    response: SurveyResponse,
    questions: Sequence[SurveyQuestion],
    answers: Mapping[str, Any],
    *,
    created_at: dt.datetime,
) -> list[SurveyAnswer]:
    rows = []
    # `created_at` is the response's stamp: to the day for an anonymous survey, as its
    # response's times are, so no answer row keeps the moment of answering either.
    base = {
        "organization": organization,
        "survey_id": response.survey_id,
        "response": response,
        "created_at": created_at,
    }
    for question in questions:
        value: Any = answers.get(question.key)
        if _empty(value):
            continue
        if question.type in (QuestionType.SCALE_1_5, QuestionType.NPS):
            rows.append(SurveyAnswer(**base, question=question, number=value))
        elif question.type == QuestionType.SINGLE:
            rows.append(SurveyAnswer(**base, question=question, choice=value))
        elif question.type == QuestionType.MULTIPLE:
            rows += [SurveyAnswer(**base, question=question, choice=v) for v in value]
        elif question.type == QuestionType.MATRIX:
            rows += [
                SurveyAnswer(**base, question=question, statement=k, number=n)
                for k, n in value.items()
            ]
        else:
            rows.append(SurveyAnswer(**base, question=question, text=value))
    return rows


def token_hash(token: str) -> str:
    """What an invitation stores of its link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def survey_results_changed(*, organization: Organization, survey_ids: Iterable[int]) -> None:
    """Mark the surveys' results as changed: their cached results are no longer used. One
    UPDATE, which holds each survey's row until the caller's transaction ends."""
    Survey.objects.for_org(organization).filter(pk__in=list(survey_ids)).update(
        results_version=F("results_version") + 1
    )


def respondent_key(token: str) -> str:
    """What an anonymous response stores to be found again by the link's holder: a hash under
    another prefix than the invitation's, so one cannot be computed from the other."""
    return hashlib.sha256(f"response:{token}".encode()).hexdigest()


def _to_the_day(moment: dt.datetime) -> dt.datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


@transaction.atomic
def response_save(
    *,
    organization: Organization,
    invitation: SurveyInvitation,
    token: str | None,
    answers: Mapping[str, Any],
    submit: bool,
    language: str = "",
    now: dt.datetime | None = None,
) -> SurveyResponse:
    """Save what a respondent has written through their link: a partial save keeps the draft,
    a submit checks the required questions and records the answers results read. The same link
    edits the response until the survey closes.

    `token` is the plain token of the link (already matched to `invitation` by its hash). The
    first save through one of the invitation's links makes it the only one that opens it.
    `token` None is the invitation's person answering in the app, signed in (the caller checked
    the invitation is theirs): a named survey only, and no link is retired, so the emailed one
    keeps the promise its email made."""
    now = now or timezone.now()
    if submit:
        # First, so the survey row is locked before the invitation, as survey edits do.
        survey_results_changed(organization=organization, survey_ids=[invitation.survey_id])
    locked = (
        SurveyInvitation.objects.for_org(organization)
        .select_for_update(of=("self",))
        .select_related("survey", "participant", "mentorship")
        .filter(pk=invitation.pk)
        .first()
    )
    if locked is None:
        raise DomainError(_("No such invitation."), code="not_found")
    invitation = locked
    survey = invitation.survey
    hashed = token_hash(token) if token is not None else None
    if token is None and survey.anonymous:
        # An anonymous response is found by its link's token only, never by the person.
        raise DomainError(_("No such invitation."), code="not_found")
    if hashed is not None and hashed not in (invitation.token_hash, invitation.reminder_token_hash):
        raise DomainError(_("This link is not valid any more."), code="not_found")
    closes_at = invitation.expires_at or survey.closes_at
    if survey.status != SurveyStatus.OPEN or (closes_at is not None and closes_at <= now):
        raise DomainError(_("This survey is closed."), code="survey_closed")
    questions = ordered_questions(organization=organization, survey=survey)
    cleaned = answers_clean(questions=questions, answers=answers, submit=submit)
    response = _find_or_start_response(organization, invitation, token, language, now)
    stamp = _to_the_day(now) if survey.anonymous else now
    response.draft = cleaned
    response.updated_at = stamp
    if language:
        response.language = language
    counted = response.submitted_at is not None
    if submit:
        response.submitted_at = response.submitted_at or stamp
    response.save()
    if submit:
        previous = SurveyAnswer.objects.for_org(organization).filter(response=response)
        before = [answer_row(answer) for answer in previous] if counted else None
        previous.delete()
        rows = SurveyAnswer.objects.bulk_create(
            _answer_rows(organization, response, questions, cleaned, created_at=stamp)
        )
        # The results' counts move in this transaction, under the survey's lock taken above;
        # the invitation's first submit is counted for the response-rate line with them.
        first_answer = invitation.answered_at is None and invitation.sent_at is not None
        result_counts_change(
            organization=organization,
            response=response,
            before=before,
            after=[answer_row(answer) for answer in rows],
            answered_at=now if first_answer else None,
        )
    changed = []
    if invitation.started_at is None:
        invitation.started_at = now
        changed.append("started_at")
        # From now on only the link that saved reaches the response (anonymous ones are keyed
        # by it), so the invitation's other link stops working. Saved in the app, no link did.
        if hashed is not None:
            if hashed == invitation.token_hash:
                invitation.reminder_token_hash = None
            else:
                invitation.token_hash = None
            changed += ["token_hash", "reminder_token_hash"]
    if submit and invitation.answered_at is None:
        invitation.answered_at = now
        changed.append("answered_at")
        if not survey.anonymous:
            # Anonymous answers send nothing: even the moment of an answer could tell who.
            event_emit(
                organization_id=organization.pk,
                event_type=EventType.SURVEY_RESPONSE_RECEIVED,
                payload={
                    "survey_id": survey.pk,
                    "response_id": str(response.pk),
                    "participant_id": invitation.participant_id,
                    "mentorship_id": invitation.mentorship_id,
                    "submitted_at": response.submitted_at.isoformat()
                    if response.submitted_at
                    else None,
                },
            )
    if changed:
        invitation.save(update_fields=changed)
    return response


def _find_or_start_response(
    organization: Organization,
    invitation: SurveyInvitation,
    token: str | None,
    language: str,
    now: dt.datetime,
) -> SurveyResponse:
    survey = invitation.survey
    responses = SurveyResponse.objects.for_org(organization).select_for_update()
    if survey.anonymous:
        assert token is not None  # response_save refuses an anonymous survey without one
        key = respondent_key(token)
        found = responses.filter(survey=survey, respondent_key=key).first()
        identity: dict[str, Any] = {"respondent_key": key}
    else:
        found = responses.filter(
            survey=survey, participant=invitation.participant, mentorship=invitation.mentorship
        ).first()
        identity = {"participant": invitation.participant, "mentorship": invitation.mentorship}
    if found is not None:
        return found
    participant = invitation.participant
    mentorship = invitation.mentorship
    about_mentor_id = (
        mentorship.mentor_id if mentorship is not None and invitation.role == "mentee" else None
    )
    created = _to_the_day(now) if survey.anonymous else now
    return SurveyResponse(
        organization=organization,
        survey=survey,
        about_mentor_id=about_mentor_id,
        language=language,
        cohort_id=participant.cohort_id,
        role=invitation.role,
        country=str(participant.country or ""),
        function=participant.function,
        seniority=participant.seniority,
        created_at=created,
        **identity,
    )
