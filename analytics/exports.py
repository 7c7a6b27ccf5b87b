"""A dashboard table as CSV or XLSX. Text cells a spreadsheet would run as formulas are
neutralised the way the participants' CSV export does it (a leading apostrophe); numbers and
dates stay numbers and dates."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook

from participants.csv_io import _escape_cell as neutralise

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float | dt.date):
        return value
    return neutralise(str(value))


def table_csv(
    header: Sequence[Any], rows: Sequence[Sequence[Any]], *, filename: str
) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_cell(str(h)) for h in header])
    for row in rows:
        writer.writerow(
            [value.isoformat() if isinstance(value, dt.date) else _cell(value) for value in row]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def table_xlsx(
    header: Sequence[Any], rows: Sequence[Sequence[Any]], *, filename: str, title: str
) -> HttpResponse:
    workbook = Workbook(write_only=True)
    # A sheet title is at most 31 characters and may not hold []:*?/\ .
    sheet = workbook.create_sheet(title="".join(c for c in title if c not in "[]:*?/\\")[:31])
    sheet.append([_cell(str(h)) for h in header])
    for row in rows:
        sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
