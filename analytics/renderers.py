"""The reports' CSV: `?format=csv` or `Accept: text/csv`.

The header is the report's column list (its output serializer's fields, in order), so an empty
report still names its columns and a column never moves. Text a spreadsheet would run as a
formula is neutralised as the participants' CSV export does it; numbers stay numbers, dates are
ISO dates, yes/no is `true`/`false` and a missing figure an empty cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

from rest_framework.renderers import BaseRenderer

from analytics.exports import neutralise


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return neutralise(str(value))


def csv_table(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])
    return out.getvalue()


class ReportCSVRenderer(BaseRenderer):
    """A report's rows under its columns; an error as a one-row table of its code and message.

    The view names the columns (`report_columns()`); a paginated report's rows are its
    `results` (the next page's address travels in the `Link` header)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if isinstance(data, dict) and "error" in data:
            error = data["error"]
            return csv_table(["code", "message"], [error]).encode(self.charset)
        view = (renderer_context or {}).get("view")
        columns: list[str] = view.report_columns() if view is not None else []
        rows = data.get("results", []) if isinstance(data, dict) else data
        return csv_table(columns, rows).encode(self.charset)
