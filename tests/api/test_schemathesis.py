"""The API keeps its published contract: schemathesis against the schema the server serves.

Every operation and every check, against a live server with the keys of two organizations: one
that may write (the examples, coverage, fuzzing and stateful phases), one that may only read
(examples, fuzzing and stateful: its writes must answer the documented 403; the coverage phase,
the slow one, would walk the same refusals). Generation is deterministic (no random seed) and
bounded per operation (`examples_config`).

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

# Inputs generated per operation in the fuzzing and stateful phases (the coverage phase, most of
# the writer's run, makes every case the schema defines whatever this says). Every operation
# runs in every phase of both runs; fewer inputs go only where more would walk the same path:
MAX_EXAMPLES = 12
FEW_EXAMPLES = 4
FEW = {
    # An id in the path is the only input: any id but the few rows' answers the same 404.
    "writer": r"^(GET /api/v1/[a-z-]+/\{id\}/|POST /api/v1/participants/\{id\}/withdraw/)$",
    # The reading key is refused every write before its body is read (HasOrganizationAccess
    # checks the scope before the view parses the request); the writer's run varies the bodies.
    # Its reads of an id alone, as above.
    "reader": r"^((POST|PUT|PATCH|DELETE) .*|GET /api/v1/[a-z-]+/\{id\}/)$",
}


def examples_config(name: str) -> str:
    """The run's schemathesis.toml: no cache of earlier runs' responses (each run starts from the
    same state) and the examples per operation. The command line names no `--max-examples`: it
    would override every operation's."""
    return (
        "[cache]\nenabled = false\n\n"
        f"[generation]\nmax-examples = {MAX_EXAMPLES}\n\n"
        "[[operations]]\n"
        f"include-name-regex = '{FEW[name]}'\n"
        f"generation.max-examples = {FEW_EXAMPLES}\n"
    )


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
    config.write_text(examples_config(name))
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
    # A guard against a hung run, not a time limit: the writer's run took 573-620 s on a machine
    # at load 10-15 (one run was killed at 600 s there).
    return subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=1200, check=False
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
