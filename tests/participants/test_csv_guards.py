"""The CSV importer, rule by rule: what it refuses (and on which line and column), how it
reads each cell, and that a refused file saves nothing. The exporter writes what the importer
reads. The service is called with no tenant scope, so every query names its organization."""

import datetime as dt
import io

import pytest
from django.test import override_settings
from django_scopes import scopes_disabled

from organizations.models import AuditLogEntry
from participants.csv_io import (
    EXPORT_COLUMNS,
    ImportRejected,
    participant_export_rows,
    participant_import,
)
from participants.models import Participant
from tests.factories import (
    CohortFactory,
    EnrollmentQuestionFactory,
    MembershipFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HEADER = (
    "email,full_name,role,languages,time_zone,working_hours_start,working_hours_end,"
    "country,function,seniority"
)


def row(email="ana@acme.test", role="mentee", **cells):
    values = {
        "email": email,
        "full_name": "Ana Silva",
        "role": role,
        "languages": "pt:native; en:fluent",
        "time_zone": "America/Sao_Paulo",
        "working_hours_start": "09:00",
        "working_hours_end": "18:00",
        "country": "BR",
        "function": "Sales",
        "seniority": "2",
        **cells,
    }
    return ",".join(values.values())


def header(*extra):
    return ",".join([HEADER, *extra])


def run(cohort, text, *, name="people.csv", content_type="text/csv", size=None, actor=None):
    raw = text.encode() if isinstance(text, str) else text
    return participant_import(
        organization=cohort.organization,
        cohort=cohort,
        actor=actor,
        upload=io.BytesIO(raw),
        name=name,
        content_type=content_type,
        size=len(raw) if size is None else size,
    )


def refused(cohort, text, **kwargs):
    """The errors of a refused file, after checking it saved nothing."""
    before = set(imported(cohort))
    with pytest.raises(ImportRejected) as raised:
        run(cohort, text, **kwargs)
    assert set(imported(cohort)) == before
    return [(e.line, e.field, e.message) for e in raised.value.errors]


def imported(cohort):
    with scopes_disabled():
        return {p.email: p for p in Participant.objects.filter(cohort=cohort)}


# The file ----------------------------------------------------------------------------------


class TestFile:
    @override_settings(PARTICIPANT_IMPORT_MAX_BYTES=2048)
    def test_a_file_over_the_size_limit_is_refused_as_a_whole(self, cohort):
        text = "\n".join([HEADER, row()])

        assert refused(cohort, text, size=2049) == [(0, "file", "The file is larger than 2 KB.")]
        assert run(cohort, text, size=2048) == 1

    @pytest.mark.parametrize(
        ("name", "content_type"),
        [("people.txt", "text/csv"), ("people.csv", "application/pdf"), ("csv", "text/csv")],
    )
    def test_a_file_that_is_not_csv_by_name_or_type_is_refused(self, cohort, name, content_type):
        text = "\n".join([HEADER, row()])

        assert refused(cohort, text, name=name, content_type=content_type) == [
            (0, "file", "Upload a .csv file (comma-separated values).")
        ]

    @pytest.mark.parametrize(
        ("name", "content_type"),
        [
            ("PEOPLE.CSV", "text/csv"),
            ("people.csv", "text/csv; charset=utf-8"),
            ("people.csv", "application/vnd.ms-excel"),
            ("people.csv", " text/plain "),
        ],
    )
    def test_a_csv_file_is_read_whatever_the_case_of_its_name_or_its_type_parameters(
        self, cohort, name, content_type
    ):
        assert run(cohort, "\n".join([HEADER, row()]), name=name, content_type=content_type) == 1

    def test_a_nul_byte_near_the_start_means_a_binary_file(self, cohort):
        assert refused(cohort, b"\x00" + "\n".join([HEADER, row()]).encode()) == [
            (0, "file", "This looks like a binary file, not a CSV.")
        ]

    def test_a_nul_byte_from_the_four_thousand_ninety_sixth_byte_on_is_placed(self, cohort):
        head = HEADER + "\n" + row() + "\n"
        padding = "x" * (4096 - len(head.encode()) - 3)
        text = (head + "a,b" + padding).encode() + b"\x00"

        column = len("a,b" + padding) + 1

        assert text.index(b"\x00") == 4096
        assert refused(cohort, text) == [
            (3, "file", f"Column {column} holds a NUL character; remove it and try again.")
        ]

    def test_a_nul_byte_is_placed_counting_from_the_very_first_byte(self, cohort):
        # The file opens with an empty line: the NUL is on line 2, column 4,101.
        text = b"\n" + b"x" * 4100 + b"\x00"

        assert refused(cohort, text) == [
            (2, "file", "Column 4101 holds a NUL character; remove it and try again.")
        ]

    def test_a_file_that_is_not_utf8_is_refused(self, cohort):
        text = "\n".join([HEADER, row(full_name="Zoë")]).encode("latin-1")

        assert refused(cohort, text) == [(0, "file", "Save the file as UTF-8 CSV and try again.")]

    def test_a_byte_order_mark_is_not_part_of_the_first_column(self, cohort):
        assert run(cohort, "\ufeff" + "\n".join([HEADER, row()])) == 1

    def test_a_refusal_says_how_many_problems_it_found(self, cohort):
        text = "\n".join([HEADER, row(role="captain", country="XX")])

        with pytest.raises(ImportRejected, match=r"^2 problem\(s\) in the file$"):
            run(cohort, text)

    def test_a_header_without_rows_is_refused(self, cohort):
        assert refused(cohort, HEADER + "\n\n") == [
            (1, "file", "The file has a header but no participants.")
        ]

    @override_settings(PARTICIPANT_IMPORT_MAX_ROWS=2)
    def test_rows_beyond_the_limit_are_refused_at_the_first_one_over(self, cohort):
        rows = [row(email=f"p{n}@acme.test") for n in range(4)]

        errors = refused(cohort, "\n".join([HEADER, *rows]))

        assert errors == [(4, "file", "Import at most 2 rows at a time.")]

    @override_settings(PARTICIPANT_IMPORT_MAX_ROWS=2)
    def test_rows_up_to_the_limit_are_imported(self, cohort):
        rows = [row(email=f"p{n}@acme.test") for n in range(2)]

        assert run(cohort, "\n".join([HEADER, *rows])) == 2


# The header --------------------------------------------------------------------------------


class TestHeader:
    def test_every_missing_required_column_and_unknown_column_is_named_on_line_one(self, cohort):
        text = "email,full_name,nickname\nana@acme.test,Ana,Nana"

        errors = refused(cohort, text)

        assert (1, "nickname", "Unknown column.") in errors
        assert {
            field for line, field, message in errors if message == "This column is required."
        } == {
            "role",
            "languages",
            "time_zone",
            "working_hours_start",
            "working_hours_end",
            "country",
            "function",
            "seniority",
        }
        assert {line for line, _field, _message in errors} == {1}

    def test_spaces_around_column_names_are_ignored(self, cohort):
        spaced = ", ".join(HEADER.split(","))

        assert run(cohort, "\n".join([spaced, row()])) == 1

    def test_an_exports_status_column_and_the_cohorts_question_columns_are_accepted(self, cohort):
        question = EnrollmentQuestionFactory(cohort=cohort, kind="short_text", choices=[])
        text = "\n".join([header("status", question.answer_key), row() + ",withdrawn,Hello"])

        assert run(cohort, text) == 1
        ana = imported(cohort)["ana@acme.test"]
        assert ana.status == "active"
        assert ana.answers == {question.answer_key: "Hello"}

    def test_another_cohorts_question_column_is_unknown(self, cohort, program):
        elsewhere = EnrollmentQuestionFactory(cohort=CohortFactory(program=program))

        errors = refused(cohort, "\n".join([header(elsewhere.answer_key), row() + ",x"]))

        assert errors == [(1, elsewhere.answer_key, "Unknown column.")]


# Rows --------------------------------------------------------------------------------------

OPTIONAL = (
    "skills_offered,skills_wanted,goals,cultural_background,mentor_capacity,mentors_wanted,"
    "manager_email,board_roles"
)


class TestCells:
    def test_cells_are_trimmed_and_normalised(self, cohort, org):
        member = UserFactory(email="ana@acme.test")
        MembershipFactory(organization=org, user=member)
        line = (
            row(
                email=" ANA@Acme.test ",
                role=" Both ",
                country=" br ",
                full_name=" Ana Silva ",
                function=" Sales ",
            )
            + ",SQL; python, public speaking,  Lead a team  , Brazilian ,2,1,"
            + " Boss@Acme.test ,Chair; CFO"
        )

        assert run(cohort, "\n".join([header(OPTIONAL), line])) == 1

        ana = imported(cohort)["ana@acme.test"]
        assert (ana.role, ana.country.code, ana.full_name, ana.function) == (
            "both",
            "BR",
            "Ana Silva",
            "Sales",
        )
        assert ana.skills_offered == ["SQL", "python"]
        assert ana.skills_wanted == ["public speaking"]
        assert (ana.goals, ana.cultural_background) == ("Lead a team", "Brazilian")
        assert (ana.mentor_capacity, ana.mentors_wanted) == (2, 1)
        assert ana.manager_email == "boss@acme.test"
        assert ana.board_roles == ["chair", "cfo"]
        assert ana.user == member
        assert ana.working_hours_start == dt.time(9, 0)

    def test_blank_capacities_take_their_defaults(self, cohort):
        line = row(role="mentor") + ",,,,,,,,"

        run(cohort, "\n".join([header(OPTIONAL), line]))

        ana = imported(cohort)["ana@acme.test"]
        assert (ana.mentor_capacity, ana.mentors_wanted) == (1, 1)

    def test_someone_who_is_not_a_member_is_linked_to_nobody(self, cohort, other_org):
        MembershipFactory(organization=other_org, user=UserFactory(email="ana@acme.test"))

        run(cohort, "\n".join([HEADER, row()]))

        assert imported(cohort)["ana@acme.test"].user is None

    def test_each_bad_cell_is_reported_with_its_own_message(self, cohort):
        line = (
            row(
                working_hours_start="9am",
                working_hours_end="25:00",
                languages="Klingon",
                seniority="senior",
            )
            + ",,,,,two,,,"
        )

        errors = {
            (field, message)
            for _line, field, message in refused(cohort, "\n".join([header(OPTIONAL), line]))
        }

        assert ("working_hours_start", "Enter a time such as 09:00.") in errors
        assert ("working_hours_end", "Enter a time such as 09:00.") in errors
        assert ("seniority", "Enter a whole number.") in errors
        assert ("mentor_capacity", "Enter a whole number.") in errors
        assert any(field == "languages" for field, _message in errors)

    def test_a_missing_seniority_needs_a_value(self, cohort):
        errors = refused(cohort, "\n".join([HEADER, row(seniority=" ")]))

        assert errors == [(2, "seniority", "This column needs a value.")]

    def test_answers_are_read_by_question_kind(self, cohort):
        many = EnrollmentQuestionFactory(cohort=cohort, kind="multiple_choice", choices=["A", "B"])
        one = EnrollmentQuestionFactory(cohort=cohort, kind="single_choice", choices=["X", "Y"])
        text = "\n".join(
            [
                header(many.answer_key, one.answer_key),
                row() + ",A; B, Y ",
                row(email="ken@acme.test") + ",,",
            ]
        )

        run(cohort, text)

        people = imported(cohort)
        assert people["ana@acme.test"].answers == {many.answer_key: ["A", "B"], one.answer_key: "Y"}
        assert people["ken@acme.test"].answers == {}

    def test_a_row_with_more_cells_than_columns_is_refused(self, cohort):
        errors = refused(cohort, "\n".join([HEADER, row() + ",surplus"]))

        assert errors == [(2, "file", "This row has more cells than the header has columns.")]

    def test_blank_rows_are_skipped_and_lines_still_counted(self, cohort):
        text = "\n".join([HEADER, "", row(), ",,,,,,,,,", row(email="ken@acme.test", role="x")])

        errors = refused(cohort, text)

        assert [(line, field) for line, field, _message in errors] == [(5, "role")]

    def test_a_cell_quoted_over_two_lines_keeps_the_next_rows_line(self, cohort):
        first = row(full_name='"Ana\nSilva"')
        text = "\n".join([HEADER, first, row(email="ken@acme.test", role="x")])

        assert [(line, field) for line, field, _m in refused(cohort, text)] == [(4, "role")]

    def test_a_formula_escaped_by_the_export_is_read_back_and_a_plain_quote_is_kept(self, cohort):
        text = "\n".join(
            [HEADER, row(full_name="'=SUM(A1)"), row(email="ken@acme.test", full_name="'Ken")]
        )

        run(cohort, text)

        people = imported(cohort)
        assert people["ana@acme.test"].full_name == "=SUM(A1)"
        assert people["ken@acme.test"].full_name == "'Ken"


# Addresses and seats -----------------------------------------------------------------------


class TestAddressesAndSeats:
    def test_an_address_twice_in_the_file_names_the_first_line(self, cohort):
        text = "\n".join([HEADER, row(), row(email="ken@acme.test"), row(email="ANA@acme.test")])

        assert refused(cohort, text) == [(4, "email", "Same email as line 2.")]

    def test_an_address_already_in_the_cohort_is_refused_even_when_withdrawn(self, cohort):
        ParticipantFactory(cohort=cohort, email="ana@acme.test", status="withdrawn")

        errors = refused(cohort, "\n".join([HEADER, row(email="Ana@acme.test")]))

        assert errors == [(2, "email", "ana@acme.test is already enrolled in this cohort.")]

    def test_an_address_in_another_cohort_is_no_obstacle(self, cohort, program):
        ParticipantFactory(cohort=CohortFactory(program=program), email="ana@acme.test")

        assert run(cohort, "\n".join([HEADER, row()])) == 1

    def test_the_files_rows_count_against_the_seats_with_those_already_taken(self, program):
        cohort = CohortFactory(program=program, mentor_capacity=2, mentee_capacity=2)
        ParticipantFactory(cohort=cohort, role="mentee")
        rows = [
            row(email="a@acme.test", role="both"),
            row(email="b@acme.test", role="mentor"),
            row(email="c@acme.test", role="mentee"),
            row(email="d@acme.test", role="mentor"),
        ]

        errors = refused(cohort, "\n".join([HEADER, *rows]))

        assert errors == [
            (4, "role", "All mentee seats in this cohort are taken."),
            (5, "role", "All mentor seats in this cohort are taken."),
        ]

    def test_a_file_that_fits_the_seats_exactly_is_imported_and_audited(self, program, org_admin):
        cohort = CohortFactory(program=program, mentor_capacity=1, mentee_capacity=2)
        ParticipantFactory(cohort=cohort, role="mentee", status="withdrawn")
        rows = [row(email="a@acme.test", role="both"), row(email="b@acme.test")]

        assert run(cohort, "\n".join([HEADER, *rows]), actor=org_admin) == 2

        with scopes_disabled():
            entry = AuditLogEntry.objects.get(action="participant.import")
        assert (entry.actor, entry.target, entry.data) == (org_admin, str(cohort), {"created": 2})


# Export ------------------------------------------------------------------------------------


def test_the_export_writes_a_header_then_one_row_per_participant_in_the_import_format(cohort):
    many = EnrollmentQuestionFactory(cohort=cohort, kind="multiple_choice", choices=["A", "B"])
    scale = EnrollmentQuestionFactory(cohort=cohort, kind="scale", choices=[])
    ParticipantFactory(
        cohort=cohort,
        email="lena@acme.test",
        full_name="-Lena",
        role="both",
        skills_offered=["SQL", "python"],
        board_roles=["chair", "cfo"],
        working_hours_start=dt.time(8, 5),
        mentor_capacity=3,
        status="withdrawn",
        answers={many.answer_key: ["A", "B"], scale.answer_key: 4},
    )

    with scopes_disabled():
        rows = list(
            participant_export_rows(
                participants=Participant.objects.filter(cohort=cohort), questions=[many, scale]
            )
        )

    assert rows[0] == [*EXPORT_COLUMNS, many.answer_key, scale.answer_key]
    (values,) = [dict(zip(rows[0], line, strict=True)) for line in rows[1:]]
    assert values["email"] == "lena@acme.test"
    assert values["full_name"] == "'-Lena"
    assert values["role"] == "both"
    assert values["working_hours_start"] == "08:05"
    assert values["skills_offered"] == "SQL; python"
    assert values["board_roles"] == "chair; cfo"
    assert values["mentor_capacity"] == "3"
    assert values["status"] == "withdrawn"
    assert values[many.answer_key] == "A; B"
    assert values[scale.answer_key] == "4"
