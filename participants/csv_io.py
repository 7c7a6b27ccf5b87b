"""CSV import (all-or-nothing, every bad row reported) and the matching export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from organizations.models import Membership, Organization
from organizations.services import audit_log_record
from participants.models import Participant
from participants.parsing import format_languages, parse_languages, parse_time, split_list
from participants.services import (
    build_participant,
    check_seats,
    seats_taken,
    store_seats,
    user_time_zone_fill,
)
from programs.models import Cohort, EnrollmentQuestion, QuestionKind
from programs.services import cohort_lock

REQUIRED_COLUMNS = (
    "email",
    "full_name",
    "role",
    "languages",
    "time_zone",
    "working_hours_start",
    "working_hours_end",
    "country",
    "function",
    "seniority",
)
OPTIONAL_COLUMNS = (
    "skills_offered",
    "skills_wanted",
    "goals",
    "cultural_background",
    "mentor_capacity",
    "mentors_wanted",
    "manager_email",
    "board_roles",
)
STANDARD_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
EXPORT_COLUMNS = (*STANDARD_COLUMNS, "status")
ALLOWED_CONTENT_TYPES = {
    "text/csv",
    "application/csv",
    "text/plain",
    "application/vnd.ms-excel",  # what Windows browsers send for .csv
    "application/octet-stream",
}


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str


class ImportRejected(Exception):
    """Nothing was saved. `errors` lists every problem, by CSV line and column."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s) in the file")
        self.errors = errors


def question_columns(questions: list[EnrollmentQuestion]) -> list[str]:
    return [question.answer_key for question in questions]


def _read_text(upload: IO[bytes], *, name: str, content_type: str, size: int) -> str:
    if size > settings.PARTICIPANT_IMPORT_MAX_BYTES:
        limit_kb = settings.PARTICIPANT_IMPORT_MAX_BYTES // 1024
        raise ImportRejected(
            [RowError(0, "file", _("The file is larger than %(kb)d KB.") % {"kb": limit_kb})]
        )
    if (
        not name.lower().endswith(".csv")
        or content_type.split(";")[0].strip() not in ALLOWED_CONTENT_TYPES
    ):
        raise ImportRejected(
            [RowError(0, "file", _("Upload a .csv file (comma-separated values)."))]
        )
    raw = upload.read()
    nul = raw.find(b"\x00")
    if 0 <= nul < 4096:
        raise ImportRejected([RowError(0, "file", _("This looks like a binary file, not a CSV."))])
    if nul >= 0:
        # Python's csv module reads NUL as text and PostgreSQL refuses to store it: refuse it
        # here, wherever it is, and say where.
        line_start = raw.rfind(b"\n", 0, nul) + 1
        column = len(raw[line_start:nul].decode("utf-8", "replace")) + 1
        raise ImportRejected(
            [
                RowError(
                    raw.count(b"\n", 0, nul) + 1,
                    "file",
                    _("Column %(column)d holds a NUL character; remove it and try again.")
                    % {"column": column},
                )
            ]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(
            [RowError(0, "file", _("Save the file as UTF-8 CSV and try again."))]
        ) from None


def _row_data(
    row: dict[str, str], questions: list[EnrollmentQuestion]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Parse one row's cells. Returns the values that parsed and the errors of those that did
    not, so that the row's remaining problems are still found and reported together."""
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {
        "full_name": row.get("full_name", "").strip(),
        "role": row.get("role", "").strip().lower(),
        "goals": row.get("goals", "").strip(),
        "time_zone": row.get("time_zone", "").strip(),
        "country": row.get("country", "").strip().upper(),
        "cultural_background": row.get("cultural_background", "").strip(),
        "function": row.get("function", "").strip(),
        "manager_email": row.get("manager_email", "").strip().lower(),
        "skills_offered": split_list(row.get("skills_offered", "")),
        "skills_wanted": split_list(row.get("skills_wanted", "")),
        "board_roles": [role.lower() for role in split_list(row.get("board_roles", ""))],
    }
    for column in ("working_hours_start", "working_hours_end"):
        try:
            data[column] = parse_time(row.get(column, ""))
        except ValidationError as error:
            errors[column] = error.messages
    try:
        data["languages"] = parse_languages(row.get("languages", ""))
    except ValidationError as error:
        errors["languages"] = error.messages
    for column, default in (("seniority", None), ("mentor_capacity", 1), ("mentors_wanted", 1)):
        cell = row.get(column, "").strip()
        if not cell:
            if default is None:
                errors[column] = [_("This column needs a value.")]
            else:
                data[column] = default
            continue
        try:
            data[column] = int(cell)
        except ValueError:
            errors[column] = [_("Enter a whole number.")]
    answers: dict[str, Any] = {}
    for question in questions:
        cell = row.get(question.answer_key, "").strip()
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            answers[question.answer_key] = split_list(cell) if cell else []
        else:
            answers[question.answer_key] = cell
    data["answers"] = answers
    return data, errors


@transaction.atomic
def participant_import(
    *,
    organization: Organization,
    cohort: Cohort,
    actor: User | None,
    upload: IO[bytes],
    name: str,
    content_type: str,
    size: int,
) -> int:
    """Import every row or none. Returns how many participants were created."""
    text = _read_text(upload, name=name, content_type=content_type, size=size)
    reader = csv.DictReader(io.StringIO(text))
    questions = list(EnrollmentQuestion.objects.for_org(organization).filter(cohort=cohort))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    # `status` is in exports; the importer accepts it back and ignores it.
    known = set(EXPORT_COLUMNS) | set(question_columns(questions))
    errors: list[RowError] = [
        RowError(1, column, _("This column is required."))
        for column in REQUIRED_COLUMNS
        if column not in header
    ]
    errors += [
        RowError(1, column, _("Unknown column.")) for column in header if column not in known
    ]
    if errors:
        raise ImportRejected(errors)

    existing_emails = set(
        Participant.objects.for_org(organization)
        .filter(cohort=cohort)
        .values_list("email", flat=True)
    )
    members = {
        m.user.email.lower(): m.user
        for m in Membership.objects.for_org(organization).select_related("user")
    }
    seen: dict[str, int] = {}
    to_create: list[Participant] = []
    cohort_lock(organization=organization, cohort=cohort)
    taken_mentors, taken_mentees = seats_taken(organization, cohort)
    pending_mentors = pending_mentees = 0
    row_count = 0
    for line, row in _numbered_rows(reader):
        row_count += 1
        if row_count > settings.PARTICIPANT_IMPORT_MAX_ROWS:
            errors.append(
                RowError(
                    line,
                    "file",
                    _("Import at most %(n)d rows at a time.")
                    % {"n": settings.PARTICIPANT_IMPORT_MAX_ROWS},
                )
            )
            break
        email = (row.get("email") or "").strip().lower()
        row_errors: dict[str, list[str]] = {}
        if row.pop("__extra__", None):
            row_errors["file"] = [_("This row has more cells than the header has columns.")]
        if email in seen:
            row_errors["email"] = [_("Same email as line %(line)d.") % {"line": seen[email]}]
        elif email in existing_emails:
            row_errors["email"] = [
                _("%(email)s is already enrolled in this cohort.") % {"email": email}
            ]
        seen.setdefault(email, line)
        participant = None
        data, parse_errors = _row_data(row, questions)
        try:
            participant = build_participant(
                organization=organization,
                cohort=cohort,
                email=email,
                data=data,
                questions=questions,
                user=members.get(email),
            )
            check_seats(
                cohort,
                participant,
                taken=(taken_mentors + pending_mentors, taken_mentees + pending_mentees),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                row_errors.setdefault(field, []).extend(messages)
        for field, messages in parse_errors.items():
            # The parse message says what is wrong with the cell; drop "cannot be null" echoes.
            row_errors[field] = messages
        if row_errors:
            errors += [
                RowError(line, field, " ".join(messages)) for field, messages in row_errors.items()
            ]
            continue
        assert participant is not None
        pending_mentors += participant.is_mentor
        pending_mentees += participant.is_mentee
        to_create.append(participant)
    if not errors and not to_create:
        errors.append(RowError(1, "file", _("The file has a header but no participants.")))
    if errors:
        raise ImportRejected(errors)
    Participant.objects.bulk_create(to_create, batch_size=500)
    user_time_zone_fill(to_create)
    store_seats(
        organization,
        cohort,
        taken=(taken_mentors + pending_mentors, taken_mentees + pending_mentees),
    )
    audit_log_record(
        organization=organization,
        actor=actor,
        action="participant.import",
        target=str(cohort),
        data={"created": len(to_create)},
    )
    return len(to_create)


def _numbered_rows(reader: csv.DictReader) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows with the file line each starts on (line 1 is the header), skipping blank rows."""
    while True:
        # The reader's own count is off by one when a row fails: the failing row starts on the
        # line after the last one read.
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportRejected([RowError(start, "file", _csv_error_message(error))]) from error
        if None in row:
            # More cells than header columns: report rather than silently drop data.
            yield reader.line_num, {**{k: v for k, v in row.items() if k}, "__extra__": "1"}
            continue
        if any((value or "").strip() for value in row.values()):
            yield reader.line_num, {k: _unescape_cell(v or "") for k, v in row.items()}


def _csv_error_message(error: csv.Error) -> str:
    """The csv module's messages are English and technical; say what to fix instead."""
    if "field larger than field limit" in str(error):
        return _("A cell is longer than %(n)d characters.") % {"n": csv.field_size_limit()}
    return _("This line is not valid CSV; check its quotes.")


# Spreadsheets run cells that start with these as formulas; exports prefix them with a quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _escape_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _unescape_cell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES) else value


def participant_export_rows(
    *, participants: Any, questions: list[EnrollmentQuestion]
) -> Iterator[list[str]]:
    """Header, then one row per participant, in the format the importer reads."""
    keys = question_columns(questions)
    yield [*EXPORT_COLUMNS, *keys]
    for p in participants.iterator(chunk_size=1000):
        answers = []
        for question in questions:
            value = p.answers.get(question.answer_key, "")
            answers.append("; ".join(value) if isinstance(value, list) else str(value))
        yield [
            _escape_cell(cell)
            for cell in [
                p.email,
                p.full_name,
                p.role,
                format_languages(p.languages),
                p.time_zone,
                p.working_hours_start.strftime("%H:%M"),
                p.working_hours_end.strftime("%H:%M"),
                str(p.country),
                p.function,
                str(p.seniority),
                "; ".join(p.skills_offered),
                "; ".join(p.skills_wanted),
                p.goals,
                p.cultural_background,
                str(p.mentor_capacity),
                str(p.mentors_wanted),
                p.manager_email,
                "; ".join(p.board_roles),
                p.status,
                *answers,
            ]
        ]
