"""A CSV import refuses bad bytes and oversized cells with a translated message on the right
line, never a 500."""

import pytest

from tests.conftest import login
from tests.participants.test_csv_import_export import GOOD_ROWS, HEADER, _count, _upload

pytestmark = pytest.mark.django_db


def _filler_rows(count):
    return [
        f"person{n}@acme.test,Person {n},mentee,en:fluent,Europe/Paris,09:00,18:00,FR,Sales,2,,,"
        for n in range(count)
    ]


def test_a_nul_byte_after_the_first_four_kilobytes_is_refused_with_line_and_column(
    client, org, org_admin, cohort
):
    login(client, org_admin)
    rows = _filler_rows(60)
    rows.append("nul@acme.test,Nul\x00Name,mentee,en:fluent,Europe/Paris,09:00,18:00,FR,Sales,2,,,")
    text = "\n".join([HEADER, *rows])
    assert text.index("\x00") > 4096

    response = _upload(client, org, cohort, text)

    assert response.status_code == 400
    [error] = response.context["row_errors"]
    assert error.line == 62
    assert "Column 18" in error.message
    assert _count(cohort) == 0


def test_a_cell_over_the_size_limit_is_reported_on_its_line_in_a_translatable_message(
    client, org, org_admin, cohort
):
    login(client, org_admin)
    huge = "x" * 200_000
    text = "\n".join([HEADER, GOOD_ROWS[0], f"big@acme.test,{huge},mentee", GOOD_ROWS[1]])

    response = _upload(client, org, cohort, text)

    assert response.status_code == 400
    [error] = response.context["row_errors"]
    assert error.line == 3
    # The csv module's own words are English whatever the viewer's language.
    assert "field larger than field limit" not in error.message
    assert "131072" in error.message
    assert _count(cohort) == 0
