"""The reports as HR tools read them: a Python client generated from the schema the server
serves (`openapi-python-client`) pulls every report, and `pandas.read_csv` reads every CSV
report with the documented columns and their types. Against a live server, over HTTP."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pandas as pd
import pytest
from django_scopes import scopes_disabled
from rest_framework import serializers

from analytics.reports_api import ReportViewSet
from analytics.services import organization_snapshots_take
from organizations.models import APIKeyScope, OrganizationAPIKey
from tests.analytics.factories import MARCH_START, build_metrics_world

pytestmark = pytest.mark.django_db(transaction=True)

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "meridian_reports_client"
MARCH = {"start": dt.date(2025, 3, 1), "end": dt.date(2025, 3, 31)}
# Report (URL part) → the generated module that fetches it.
REPORTS = {
    "summary": "reports_summary_retrieve",
    "cohorts": "reports_cohorts_retrieve",
    "time-series": "reports_time_series_retrieve",
    "mentorships": "reports_mentorships_retrieve",
    "participants": "reports_participants_retrieve",
    "survey-results": "reports_survey_results_retrieve",
    "fairness": "reports_fairness_retrieve",
}


@pytest.fixture
def hr_world(org):
    with scopes_disabled():
        world = build_metrics_world(org)
        for offset in range(31):
            organization_snapshots_take(
                organization=org, day=MARCH_START + dt.timedelta(days=offset)
            )
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="hr import", organization=org, scopes=[APIKeyScope.REPORTS_READ.value]
    )
    return world, raw


@pytest.fixture
def generated_client(live_server, tmp_path, monkeypatch):
    """The client package generated from the served schema, importable."""
    schema = httpx.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30)
    assert schema.status_code == 200
    schema_path = tmp_path / "schema.json"
    schema_path.write_bytes(schema.content)
    config = tmp_path / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run: nothing to install or fetch
    output = tmp_path / PACKAGE
    completed = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema_path),
            "--output-path",
            str(output),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert (output / "api" / "reports").is_dir(), completed.stdout
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
        del sys.modules[name]
    return importlib.import_module(PACKAGE)


def test_a_generated_client_pulls_every_report(live_server, hr_world, generated_client):
    world, raw = hr_world
    client = generated_client.AuthenticatedClient(
        base_url=live_server.url, token=raw, prefix="Api-Key"
    )
    pulled = {}
    for report, module_name in REPORTS.items():
        module = importlib.import_module(f"{PACKAGE}.api.reports.{module_name}")
        kwargs = {} if report in ("survey-results", "fairness") else dict(MARCH)
        response = module.sync_detailed(client=client, program=world.program.pk, **kwargs)
        assert response.status_code == 200, (report, response.content[:300])
        page = response.parsed
        assert type(page).__name__ != "Error", report
        pulled[report] = page.results
    assert pulled["summary"][0].check_ins_held == 3
    assert pulled["summary"][0].start == dt.date(2025, 3, 1)
    mentorships = {row.mentorship: row for row in pulled["mentorships"]}
    assert mentorships[world.mentorships["MS1"].pk].check_ins_held == 2
    assert len(pulled["time-series"]) == 31
    assert isinstance(pulled["time-series"][0].day, dt.date)
    participants = {row.participant for row in pulled["participants"]}
    assert world.people["A"].pk in participants


def test_the_generated_client_follows_the_cursor(live_server, hr_world, generated_client):
    world, raw = hr_world
    client = generated_client.AuthenticatedClient(
        base_url=live_server.url, token=raw, prefix="Api-Key"
    )
    module = importlib.import_module(f"{PACKAGE}.api.reports.reports_participants_retrieve")
    seen, cursor, pages = [], None, 0
    while True:
        extra = {"cursor": cursor} if cursor else {}
        page = module.sync(client=client, page_size=2, program=world.program.pk, **MARCH, **extra)
        seen += [row.participant for row in page.results]
        pages += 1
        if not page.next_:
            break
        cursor = parse_qs(urlparse(page.next_).query)["cursor"][0]
    assert pages > 1
    assert len(seen) == len(set(seen))
    everyone = module.sync(client=client, page_size=200, program=world.program.pk, **MARCH)
    assert sorted(seen) == sorted(row.participant for row in everyone.results)


def _expected_kind(field: serializers.Field) -> str:
    if isinstance(field, serializers.BooleanField):
        return "b"
    if isinstance(field, serializers.IntegerField):
        return "f" if field.allow_null else "i"
    if isinstance(field, serializers.FloatField):
        return "f"
    return "O"


@pytest.mark.parametrize("report", list(REPORTS))
def test_pandas_reads_every_csv_report_with_its_columns_and_types(live_server, hr_world, report):
    world, raw = hr_world
    params = {"program": world.program.pk, "format": "csv"}
    if report not in ("survey-results", "fairness"):
        params.update({key: value.isoformat() for key, value in MARCH.items()})
    response = httpx.get(
        f"{live_server.url}/api/v1/reports/{report}/",
        params=params,
        headers={"Authorization": f"Api-Key {raw}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text[:300]
    table = pd.read_csv(io.StringIO(response.text), keep_default_na=True)
    fields = ReportViewSet.ROWS[report.replace("-", "_")]().fields
    assert list(table.columns) == list(fields)
    if table.empty:
        return
    for name, field in fields.items():
        kind = _expected_kind(field)
        column = table[name]
        if column.isna().all():
            continue  # an all-empty column has no type to check
        if kind == "i":
            assert column.dtype.kind == "i", (name, column.dtype)
        elif kind == "f":
            assert column.dtype.kind in "if", (name, column.dtype)
        elif kind == "b":
            assert column.dtype.kind == "b", (name, column.dtype)
    if report == "participants":
        assert set(pd.to_datetime(table["joined_on"]).dt.year) <= {2024, 2025}
