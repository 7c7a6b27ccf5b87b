from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from organizations.models import Organization
from organizations.services import AuditActor, audit_log_record
from programs.models import (
    COHORT_FIELDS,
    PROGRAM_FIELDS,
    Cohort,
    EnrollmentQuestion,
    Program,
    QuestionKind,
)


def _validate(instance: Any) -> None:
    """Model validation as domain errors, one per field, so forms and the API can place them."""
    try:
        # Constraints are re-checked by hand with field-level messages (and by the database).
        instance.full_clean(
            exclude=["organization"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error


def _check_cohort_rules(cohort: Cohort) -> None:
    errors: dict[str, list[str]] = {}
    if cohort.starts_on and cohort.ends_on and cohort.ends_on < cohort.starts_on:
        errors["ends_on"] = [_("The cohort must end on or after its start date.")]
    if (
        cohort.enrollment_opens_at
        and cohort.enrollment_closes_at
        and cohort.enrollment_closes_at <= cohort.enrollment_opens_at
    ):
        errors["enrollment_closes_at"] = [_("Enrollment must close after it opens.")]
    if errors:
        raise ValidationError(errors)


def _save_unique(instance: Any, *, field: str, message: str) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise ValidationError({field: [message]}) from error


def cohort_lock(*, organization: Organization, cohort: Cohort) -> None:
    """Serialise writes on one cohort (seat-taking enrollments, round starts) until the
    caller's transaction ends, so two of them cannot both take the last seat or start two
    rounds."""
    Cohort.objects.for_org(organization).select_for_update().filter(pk=cohort.pk).first()


def cohort_seats_store(
    *, organization: Organization, cohort: Cohort, mentors: int, mentees: int
) -> None:
    """Store the seats the cohort's active participants hold. The caller holds `cohort_lock`
    and counted them under it, so no other write can slip between the count and the store.
    `updated_at` stays: a seat taken is not an edit of the cohort."""
    Cohort.objects.for_org(organization).filter(pk=cohort.pk).update(
        mentor_seats_taken=mentors, mentee_seats_taken=mentees
    )
    cohort.mentor_seats_taken, cohort.mentee_seats_taken = mentors, mentees


@transaction.atomic
def program_create(*, organization: Organization, actor: AuditActor, **fields: Any) -> Program:
    program = Program(
        organization=organization, **{k: fields[k] for k in fields if k in PROGRAM_FIELDS}
    )
    _validate(program)
    _save_unique(program, field="name", message=_("A program with this name already exists."))
    audit_log_record(
        organization=organization, actor=actor, action="program.create", target=program.name
    )
    return program


@transaction.atomic
def program_update(
    *, organization: Organization, actor: AuditActor, program: Program, **fields: Any
) -> Program:
    if program.organization_id != organization.pk:
        raise DomainError(_("No such program."), code="not_found")
    for key, value in fields.items():
        if key in PROGRAM_FIELDS:
            setattr(program, key, value)
    _validate(program)
    _save_unique(program, field="name", message=_("A program with this name already exists."))
    audit_log_record(
        organization=organization, actor=actor, action="program.update", target=program.name
    )
    return program


@transaction.atomic
def program_archive(*, organization: Organization, actor: AuditActor, program: Program) -> Program:
    program.is_archived = True
    program.save(update_fields=["is_archived", "updated_at"])
    audit_log_record(
        organization=organization, actor=actor, action="program.archive", target=program.name
    )
    return program


@transaction.atomic
def cohort_create(
    *, organization: Organization, actor: AuditActor, program: Program, **fields: Any
) -> Cohort:
    if program.organization_id != organization.pk:
        raise DomainError(_("No such program."), field="program", code="not_found")
    cohort = Cohort(
        organization=organization,
        program=program,
        **{k: fields[k] for k in fields if k in COHORT_FIELDS},
    )
    _validate(cohort)
    _check_cohort_rules(cohort)
    _save_unique(
        cohort, field="name", message=_("This program already has a cohort with this name.")
    )
    audit_log_record(
        organization=organization, actor=actor, action="cohort.create", target=str(cohort)
    )
    return cohort


@transaction.atomic
def cohort_update(
    *, organization: Organization, actor: AuditActor, cohort: Cohort, **fields: Any
) -> Cohort:
    if cohort.organization_id != organization.pk:
        raise DomainError(_("No such cohort."), code="not_found")
    for key, value in fields.items():
        if key in COHORT_FIELDS:
            setattr(cohort, key, value)
    _validate(cohort)
    _check_cohort_rules(cohort)
    _save_unique(
        cohort, field="name", message=_("This program already has a cohort with this name.")
    )
    audit_log_record(
        organization=organization, actor=actor, action="cohort.update", target=str(cohort)
    )
    return cohort


CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


def _clean_choices(kind: str, choices: list[str]) -> list[str]:
    cleaned = []
    for choice in choices:
        choice = choice.strip()
        if choice and choice not in cleaned:
            cleaned.append(choice)
    if kind in CHOICE_KINDS and len(cleaned) < 2:
        raise ValidationError({"choices": [_("Give at least two choices, one per line.")]})
    return cleaned if kind in CHOICE_KINDS else []


@transaction.atomic
def question_create(
    *, organization: Organization, cohort: Cohort, **fields: Any
) -> EnrollmentQuestion:
    if cohort.organization_id != organization.pk:
        raise DomainError(_("No such cohort."), code="not_found")
    kind = fields.get("kind", "")
    last = EnrollmentQuestion.objects.for_org(organization).filter(cohort=cohort).count()
    question = EnrollmentQuestion(
        organization=organization,
        cohort=cohort,
        label=fields.get("label", ""),
        help_text=fields.get("help_text", ""),
        kind=kind,
        choices=_clean_choices(kind, fields.get("choices", [])),
        audience=fields.get("audience", "everyone"),
        required=bool(fields.get("required", False)),
        sensitive=bool(fields.get("sensitive", False)),
        position=last + 1,
    )
    _validate(question)
    question.save()
    return question


@transaction.atomic
def question_delete(*, organization: Organization, question: EnrollmentQuestion) -> None:
    if question.organization_id != organization.pk:
        raise DomainError(_("No such question."), code="not_found")
    question.delete()
