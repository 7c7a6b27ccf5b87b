"""The API keeps its published contract: schemathesis against the schema the server serves.

Every operation and every check, against a live server with the keys of two organizations: one
that may write (the examples, coverage, fuzzing and stateful phases), one that may only read
(examples, fuzzing and stateful: its writes must answer the documented 403; the coverage phase,
the slow one, would walk the same refusals). Generation is deterministic (no random seed) and
bounded by `MAX_EXAMPLES` per operation.

Text never holds a NUL character (PostgreSQL refuses it, and so does the API with a 400), so the
generator is told not to send one, rather than every string of the schema carrying a pattern.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from organizations.models import OrganizationAPIKey
from tests.factories import CohortFactory, OrganizationFactory, ParticipantFactory, ProgramFactory
from tests.mentorships.factories import engagement_api_rows

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
PHASES = {"writer": "examples,coverage,fuzzing,stateful", "reader": "examples,fuzzing,stateful"}
MAX_EXAMPLES = 12


def _organization(slug: str, scopes: list[str]) -> dict[str, str]:
    organization = OrganizationFactory(name=slug.title(), slug=slug)
    program = ProgramFactory(organization=organization)
    # Seats to spare: a schema-valid enrollment must not be refused for a full cohort.
    cohort = CohortFactory(program=program, mentor_capacity=100_000, mentee_capacity=100_000)
    participant = ParticipantFactory(cohort=cohort)
    # A mentorship with a check-in, a goal and a message: their lists answer a row to check.
    engagement_api_rows(cohort, participant)
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="schemathesis", organization=organization, scopes=scopes
    )
    return {"key": raw, "program": str(program.pk), "cohort": str(cohort.pk)}


def _run(live_server, tmp_path: Path, name: str, organization: dict[str, str]):
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
        "MERIDIAN_ST_PROGRAM": organization["program"],
        "MERIDIAN_ST_COHORT": organization["cohort"],
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    config = tmp_path / "schemathesis.toml"
    # No cache of earlier runs' responses: each run starts from the same state.
    config.write_text("[cache]\nenabled = false\n")
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        f"{live_server.url}/api/v1/schema/",
        "--header",
        f"Authorization: Api-Key {organization['key']}",
        "--phases",
        PHASES[name],
        "--generation-allow-x00",
        "false",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--workers",
        "1",
        "--continue-on-failure",
        "--request-timeout",
        "30",
        "--output-truncate",
        "false",
        "--report",
        "junit",
        "--report-junit-path",
        str(tmp_path / f"{name}.xml"),
    ]
    return subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.parametrize("name", ["writer", "reader"])
def test_api_answers_as_its_schema_says_for_a_writing_and_a_reading_organization(
    live_server, tmp_path, name
):
    # One run per test, so that xdist gives the two runs (minutes each) to two workers. Both
    # organizations exist in either run, as when one test ran both in turn.
    organizations = {
        "writer": _organization("writer", ["read", "write"]),
        "reader": _organization("reader", ["read"]),
    }
    # The server builds the schema on the first request, which on a loaded machine takes longer
    # than schemathesis waits for a schema (10 s); later requests are quick.
    httpx.get(f"{live_server.url}/api/v1/schema/", timeout=120).raise_for_status()
    result = _run(live_server, tmp_path, name, organizations[name])
    if result.returncode != 0:
        pytest.fail(f"{name}:\n{result.stdout[-30000:]}\n{result.stderr[-3000:]}", pytrace=False)
