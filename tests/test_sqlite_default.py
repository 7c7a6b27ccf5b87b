"""The default install (README: `scripts/run`) runs on SQLite, while CI runs the suite on
PostgreSQL: SQL only PostgreSQL understands (a unique constraint SQLite lacks, `AT TIME ZONE`)
went unnoticed there. This walks the product on a fresh SQLite database as the one-command
start sets it up — the same settings module, `migrate`, then `seed_demo` — through Django's
test client, each demo role's main pages and the reports API (JSON and CSV), and fails on any
5xx, naming the address and the error.

It runs in a subprocess: the suite's own process is bound to PostgreSQL and the test settings.
Only two things differ from `scripts/run` there: the broker is in memory (a queued task must not
land in `var/broker`, where a developer's worker would run it against their own database) and
the file cache lives in the test's temporary directory (so no cached figure of this throwaway
database is read by a developer's server).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
# What scripts/run exports when DJANGO_SETTINGS_MODULE is unset.
DEFAULT_SETTINGS = "mentoring.settings.local"
RESULT_MARK = "WALK-RESULT "
# Generous for a loaded two-core machine; about 25 s on a quiet one.
TIMEOUT_SECONDS = 600
HX_GET = re.compile(r'hx-get="([^"{]+)"')
DEMO = "demo"


def run_in_default_install(driver: str, tmp_path: Path) -> dict[str, Any]:
    """Run `driver` ("module:function") in a fresh process configured as the default install,
    on a new SQLite database in `tmp_path`; returns what the driver reported."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DATABASE_", "REDIS_", "DJANGO_", "CELERY_"))
        and name not in ("TEST_REDIS_URL", "CI")
    }
    env.update(
        DJANGO_SETTINGS_MODULE=DEFAULT_SETTINGS,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL="memory://",
        WALK_CACHE_DIR=str(tmp_path / "cache"),
        PYTHONPATH=os.pathsep.join([str(BASE_DIR), *filter(None, [env.get("PYTHONPATH")])]),
    )
    module, function = driver.split(":")
    completed = subprocess.run(
        [sys.executable, "-c", f"import {module} as m; m.{function}()"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_MARK)]
    assert completed.returncode == 0 and lines, (
        f"the default install failed (exit {completed.returncode}):\n"
        f"{completed.stdout[-3000:]}\n{completed.stderr[-6000:]}"
    )
    return json.loads(lines[-1][len(RESULT_MARK) :])


# ---------------------------------------------------------------------------------------------
# In the subprocess
# ---------------------------------------------------------------------------------------------


class Walker:
    """GETs pages as one person and keeps every 5xx with its error."""

    def __init__(self) -> None:
        from django.core.signals import got_request_exception
        from django.test import Client

        self.client = Client(raise_request_exception=False)
        self.visited: list[str] = []
        self.failures: list[str] = []
        self._error = ""
        got_request_exception.connect(self._keep_error, weak=False)

    def _keep_error(self, sender: Any, request: Any = None, **kwargs: Any) -> None:
        import traceback

        self._error = traceback.format_exc(limit=-6)

    def login(self, email: str) -> Walker:
        from accounts.models import User

        self.client.logout()
        self.client.force_login(User.objects.get(email=email))
        return self

    def get(
        self, url: str, *, follow_panels: bool = False, expect: int | None = 200, **headers: Any
    ) -> Any:
        """A 5xx always fails; so does another status than `expect` (None: any below 500)."""
        self._error = ""
        response = self.client.get(url, **headers)
        self.visited.append(url)
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} GET {url}\n{self._error}")
        elif expect is not None and response.status_code != expect:
            self.failures.append(f"{response.status_code} GET {url}, not {expect}")
        elif follow_panels and response.status_code == 200:
            # The panels a page loads after it shows (htmx): the dashboard panel among them.
            for panel in sorted(set(HX_GET.findall(response.content.decode()))):
                self.get(panel.replace("&amp;", "&"), expect=None, HTTP_HX_REQUEST="true")
        return response

    def post(self, url: str, data: dict[str, Any]) -> Any:
        self._error = ""
        response = self.client.post(url, data)
        self.visited.append(f"POST {url}")
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} POST {url}\n{self._error}")
        return response


def install_as_scripts_run() -> None:
    """Django set up by the default settings module, migrated and seeded as scripts/run does."""
    from django.conf import settings

    # The only setting moved (see the module's docstring), before anything opens the cache.
    settings.CACHES["default"]["LOCATION"] = os.environ["WALK_CACHE_DIR"]
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    # The test client's host and an in-memory mailbox instead of the console.
    setup_test_environment()


def report(result: dict[str, Any]) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


def demo_ids() -> dict[str, Any]:
    from django_scopes import scopes_disabled

    from matching.models import MatchRound
    from mentorships.models import Mentorship
    from programs.models import Cohort

    with scopes_disabled():
        mentorship = Mentorship.objects.get(
            organization__slug=DEMO, mentor__user__email="manager@demo.meridian.test"
        )
        return {
            "mentorship": mentorship.pk,
            "cohorts": list(
                Cohort.objects.filter(organization__slug=DEMO).values_list("pk", flat=True)
            ),
            "rounds": list(
                MatchRound.objects.filter(organization__slug=DEMO).values_list("pk", flat=True)
            ),
        }


def walk_pages_and_reports() -> None:
    install_as_scripts_run()
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone

    from organizations.models import Organization, OrganizationAPIKey

    ids = demo_ids()
    walker = Walker()

    def url(name: str, *args: Any) -> str:
        return reverse(name, args=[DEMO, *args])

    for email in ("owner@demo.meridian.test", "admin@demo.meridian.test"):
        walker.login(email)
        walker.get("/", expect=302)
        walker.get(url("dashboard"), follow_panels=True)
        for name in (
            "analytics:dashboard",
            "mentorships:at_risk",
            "analytics:recognition",
            "analytics:fairness",
            "matching:overview",
            "surveys:survey_list",
            "surveys:report_list",
            "webhooks:endpoint_list",
            "organizations:api_key_list",
        ):
            walker.get(url(name), follow_panels=True)
        for cohort in ids["cohorts"]:
            walker.get(url("matching:cohort_matching", cohort), follow_panels=True)
            walker.get(url("analytics:learned_train", cohort))
        for match_round in ids["rounds"]:
            walker.get(url("matching:round_detail", match_round), follow_panels=True)
            walker.get(url("analytics:fairness_round", match_round))

    walker.login("analyst@demo.meridian.test")
    for name in ("dashboard", "analytics:dashboard", "analytics:fairness", "surveys:report_list"):
        walker.get(url(name), follow_panels=True)

    for email in ("manager@demo.meridian.test", "member@demo.meridian.test"):
        walker.login(email)
        walker.get(url("dashboard"), follow_panels=True)
        walker.get(url("mentorships:detail", ids["mentorship"]), follow_panels=True)
        walker.get(url("mentorships:book", ids["mentorship"]))
        walker.get(url("surveys:mine"), follow_panels=True)
        walker.get(url("analytics:recognition_me"))
        walker.get(url("programs:catalog"))

    organization = Organization.objects.get(slug=DEMO)
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="walk", organization=organization, scopes=["read", "reports:read"]
    )
    walker.client.logout()
    api = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    index = walker.get("/api/v1/reports/", **api)
    reports = [entry["url"] for entry in index.json()["results"]]
    today = timezone.localdate()
    period = f"start={today - dt.timedelta(days=89)}&end={today}"
    for report_url in reports:
        for response_format in ("json", "csv"):
            walker.get(f"{report_url}?{period}&format={response_format}", **api)
    for resource in ("programs", "cohorts", "participants"):
        walker.get(f"/api/v1/{resource}/", **api)

    report({"visited": walker.visited, "failures": walker.failures, "reports": reports})


# ---------------------------------------------------------------------------------------------
# The test
# ---------------------------------------------------------------------------------------------


def test_the_default_sqlite_install_serves_every_roles_pages_and_reports(tmp_path):
    result = run_in_default_install("tests.test_sqlite_default:walk_pages_and_reports", tmp_path)

    assert result["failures"] == [], "\n\n".join(result["failures"])
    # The walk did reach what it names: every report, both formats, and the panels.
    assert len(result["reports"]) >= 8
    assert sum("format=csv" in url for url in result["visited"]) == len(result["reports"])
    assert any("/rounds/" in url for url in result["visited"])
    assert len(result["visited"]) >= 80
