import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django_scopes import scopes_disabled

from participants.models import Participant
from tests.conftest import login
from tests.factories import EnrollmentQuestionFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "email,full_name,role,languages,time_zone,working_hours_start,working_hours_end,"
    "country,function,seniority,skills_offered,skills_wanted,mentor_capacity"
)
GOOD_ROWS = [
    "ana@acme.test,Ana Silva,mentee,pt:native; en:fluent,America/Sao_Paulo,09:00,18:00,BR,"
    "Sales,2,,SQL; negotiation,",
    "ken@acme.test,Ken Sato,mentor,ja:native; en:fluent,Asia/Tokyo,09:00,18:00,JP,"
    "Engineering,4,SQL; python,,3",
]


def _upload(client, org, cohort, text, name="people.csv", content_type="text/csv"):
    upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type=content_type)
    return client.post(
        reverse("participants:participant_import", args=[org.slug, cohort.pk]), {"file": upload}
    )


def _count(cohort):
    with scopes_disabled():
        return Participant.objects.filter(cohort=cohort).count()


def test_a_clean_file_imports_every_row(client, org, org_admin, cohort):
    login(client, org_admin)

    response = _upload(client, org, cohort, "\n".join([HEADER, *GOOD_ROWS]))

    assert response.status_code == 302
    with scopes_disabled():
        ken = Participant.objects.get(email="ken@acme.test")
    assert ken.mentor_capacity == 3
    assert ken.skills_offered == ["SQL", "python"]
    assert _count(cohort) == 2


def test_a_file_with_bad_rows_saves_nothing_and_reports_each_row(client, org, org_admin, cohort):
    bad_rows = [
        GOOD_ROWS[0],
        "not-an-email,Bad Email,mentee,en,Europe/London,09:00,17:00,GB,Sales,2,,,",
        "zoe@acme.test,Zoe,captain,en,Mars/Base,9am,17:00,XX,Sales,seven,,,",
        "ana@acme.test,Ana Again,mentee,en,Europe/London,09:00,17:00,GB,Sales,2,,,",
    ]
    login(client, org_admin)

    response = _upload(client, org, cohort, "\n".join([HEADER, *bad_rows]))

    assert response.status_code == 400
    problems = {(e.line, e.field) for e in response.context["row_errors"]}
    assert (3, "email") in problems
    assert {
        (4, "role"),
        (4, "time_zone"),
        (4, "working_hours_start"),
        (4, "country"),
        (4, "seniority"),
    } <= problems
    assert (5, "email") in problems  # duplicate of line 2
    assert not any(line == 2 for line, _field in problems)
    assert _count(cohort) == 0


def test_missing_required_columns_are_named(client, org, org_admin, cohort):
    login(client, org_admin)

    response = _upload(client, org, cohort, "email,full_name\nana@acme.test,Ana\n")

    missing = {e.field for e in response.context["row_errors"]}
    assert {"role", "languages", "time_zone", "country", "function", "seniority"} <= missing
    assert _count(cohort) == 0


def test_rows_beyond_capacity_are_rejected_and_nothing_is_saved(client, org, org_admin, program):
    from tests.factories import CohortFactory

    small = CohortFactory(program=program, mentee_capacity=1)
    rows = [GOOD_ROWS[0], GOOD_ROWS[0].replace("ana@", "bia@")]
    login(client, org_admin)

    response = _upload(client, org, small, "\n".join([HEADER, *rows]))

    assert [(e.line, e.field) for e in response.context["row_errors"]] == [(3, "role")]
    assert _count(small) == 0


def test_non_csv_upload_is_refused_clearly(client, org, org_admin, cohort):
    login(client, org_admin)

    response = _upload(
        client, org, cohort, "%PDF-1.4 ...", name="people.pdf", content_type="application/pdf"
    )

    assert response.status_code == 400
    assert "csv" in response.context["row_errors"][0].message.lower()


def test_binary_content_with_a_csv_name_is_refused(client, org, org_admin, cohort):
    login(client, org_admin)
    upload = SimpleUploadedFile("people.csv", b"\x00\x01\x02PK\x03\x04", content_type="text/csv")

    response = client.post(
        reverse("participants:participant_import", args=[org.slug, cohort.pk]), {"file": upload}
    )

    assert response.status_code == 400
    assert _count(cohort) == 0


@override_settings(PARTICIPANT_IMPORT_MAX_BYTES=100)
def test_oversized_upload_is_refused(client, org, org_admin, cohort):
    login(client, org_admin)

    response = _upload(client, org, cohort, "\n".join([HEADER, *GOOD_ROWS]))

    assert response.status_code == 400
    assert "larger" in response.context["row_errors"][0].message
    assert _count(cohort) == 0


def test_export_round_trips_through_import(client, org, org_admin, cohort):
    question = EnrollmentQuestionFactory(
        cohort=cohort, kind="multiple_choice", choices=["A", "B", "C"]
    )
    ParticipantFactory(
        cohort=cohort,
        email="lena@acme.test",
        full_name="=HYPERLINK(evil)",
        skills_wanted=["SQL", "public speaking"],
        languages=[
            {"code": "de", "proficiency": "native"},
            {"code": "en", "proficiency": "fluent"},
        ],
        answers={question.answer_key: ["A", "C"]},
    )
    login(client, org_admin)
    export_url = reverse("participants:participant_export", args=[org.slug, cohort.pk])

    exported = b"".join(client.get(export_url).streaming_content).decode()
    with scopes_disabled():
        original = Participant.objects.get(cohort=cohort)
        Participant.objects.filter(cohort=cohort).delete()
    response = _upload(client, org, cohort, exported)

    assert next(iter(csv.DictReader(io.StringIO(exported))))["full_name"] == "'=HYPERLINK(evil)"
    assert response.status_code == 302
    with scopes_disabled():
        copy = Participant.objects.get(cohort=cohort)
    for field in (
        "full_name",
        "skills_wanted",
        "languages",
        "answers",
        "time_zone",
        "country",
        "seniority",
    ):
        assert getattr(copy, field) == getattr(original, field), field


def test_hr_analyst_may_export_but_not_import(client, org, hr_analyst, cohort):
    login(client, hr_analyst)

    export = client.get(reverse("participants:participant_export", args=[org.slug, cohort.pk]))
    imported = _upload(client, org, cohort, "\n".join([HEADER, *GOOD_ROWS]))

    assert export.status_code == 200
    assert imported.status_code == 403
    assert _count(cohort) == 0
