"""A survey's whole life on the default install (SQLite, `scripts/run`): a program manager builds
one from a template and opens it, the dispatch invites and emails, a member answers through the
emailed link (a partial save, then a changed answer and a submit), and the results page, the
survey's results API (JSON and CSV) and the reports API's survey results answer and show the
answer. The counts behind the results are written by SQL that differs on SQLite
(surveys/result_counts.py), so this is the walk that catches a PostgreSQL-only statement there.

It reuses tests/test_sqlite_default.py's subprocess and walker (see its docstring for why a
subprocess and what differs from `scripts/run`)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from tests.test_sqlite_default import (
    DEMO,
    Walker,
    install_as_scripts_run,
    report,
    run_in_default_install,
)

MEMBER = "member@demo.meridian.test"
ANSWER_LINK = re.compile(r"/s/([A-Za-z0-9_\-]+)/")


def walk_a_survey() -> None:
    install_as_scripts_run()
    from django.core import mail
    from django.core.management import call_command
    from django.urls import reverse
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from organizations.models import Organization, OrganizationAPIKey
    from programs.models import Program
    from surveys.dispatch import surveys_dispatch
    from surveys.links import link_open
    from surveys.models import Survey

    walker = Walker()
    organization = Organization.objects.get(slug=DEMO)
    with scopes_disabled():
        program = Program.objects.filter(organization=organization, is_archived=False).first()
        assert program is not None

    def url(name: str, *args: Any) -> str:
        return reverse(name, args=[DEMO, *args])

    # The program manager: from the match check template, to everyone now, open until next week.
    walker.login("manager@demo.meridian.test")
    walker.get(url("surveys:survey_list"))
    created = walker.post(
        url("surveys:survey_create"), {"program": program.pk, "template": "match_check"}
    )
    assert created.status_code == 302, created.status_code
    with scopes_disabled():
        survey = Survey.objects.filter(organization=organization).latest("pk")
    walker.get(url("surveys:builder", survey.pk))
    now = timezone.localtime()
    walker.post(
        url("surveys:schedule_add", survey.pk),
        {
            "new-schedule-trigger": "on_date",
            "new-schedule-send_at": (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
            "new-schedule-audience": "both",
        },
    )
    walker.post(
        url("surveys:settings", survey.pk),
        {
            "settings-name_en": "Two weeks in",
            "settings-closes_at": (now + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    walker.post(url("surveys:open", survey.pk), {})
    survey.refresh_from_db()
    surveys_dispatch(organization=organization, now=timezone.now())
    emails = [m for m in mail.outbox if MEMBER in m.to]
    tokens = [t for m in emails for t in ANSWER_LINK.findall(m.body)]

    # The member, through the emailed link: a partial save, then a changed answer, submitted.
    walker.client.logout()
    if tokens:
        link = f"/s/{tokens[-1]}/"
        walker.get(link)
        walker.post(link, {"action": "save", "q-good_match": "yes"})
        walker.get(link)
        submitted = walker.post(
            link,
            {
                "action": "submit",
                "q-good_match": "no",
                "q-first_meeting": "held",
                "q-match_concerns": "We keep missing each other",
                "q-request_new_match": "no",
            },
        )
        assert submitted.status_code == 302, submitted.content.decode()[-2000:]

    # The member in the app: the same response through the session, the emailed link intact.
    walker.login(MEMBER)
    walker.get(url("surveys:mine"))
    # The invitation the emailed link opens (a match check asks about each mentorship).
    link = link_open(token=tokens[-1]) if tokens else None
    in_app = url("surveys:mine_answer", link.invitation.pk if link else 0)
    in_app_page = walker.get(in_app)
    walker.get(url("surveys:mentor_feedback"))
    walker.client.logout()
    if tokens:
        walker.get(f"/s/{tokens[-1]}/")

    # The counts rebuilt from the rows (the command's SQLite path) before they are read.
    call_command("survey_results_rebuild", organization=DEMO, stdout=io.StringIO())
    walker.login("manager@demo.meridian.test")
    page = walker.get(url("surveys:results", survey.pk))
    for name in ("results_csv", "results_xlsx", "responses", "responses_csv"):
        walker.get(url(f"surveys:{name}", survey.pk))
    walker.get(url("surveys:report_list"), expect=None)
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="walk", organization=organization, scopes=["read", "reports:read"]
    )
    walker.client.logout()
    api = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    results = walker.get(f"/api/v1/surveys/{survey.pk}/results/", **api)
    walker.get(f"/api/v1/surveys/{survey.pk}/results/?format=csv", **api)
    walker.get(f"/api/v1/surveys/{survey.pk}/responses/", **api)
    today = timezone.localdate()
    period = f"start={today - dt.timedelta(days=30)}&end={today + dt.timedelta(days=1)}"
    for response_format in ("json", "csv"):
        walker.get(f"/api/v1/reports/survey-results/?{period}&format={response_format}", **api)
    report(
        {
            "failures": walker.failures,
            "visited": walker.visited,
            "status": survey.status,
            "tokens": len(tokens),
            "page": page.content.decode() if page.status_code == 200 else "",
            "in_app": in_app_page.content.decode() if in_app_page.status_code == 200 else "",
            "results": results.json() if results.status_code == 200 else {},
        }
    )


def test_a_survey_is_built_sent_answered_and_read_on_the_default_sqlite_install(tmp_path):
    result = run_in_default_install("tests.test_sqlite_default_surveys:walk_a_survey", tmp_path)

    assert result["failures"] == [], "\n\n".join(result["failures"])
    assert result["status"] == "open"
    assert result["tokens"] >= 1, "the member was not emailed a link"
    # The submitted answer ("no", changed from the saved "yes") is counted in the results.
    good_match = next(q for q in result["results"]["questions"] if q["key"] == "good_match")
    counts = {c["value"]: c["count"] for c in good_match["counts"]}
    assert counts.get("no") == 1 and not counts.get("yes"), result["results"]
    # A written answer is read too (on SQLite, one query per question: no LIMIT in a UNION).
    concerns = next(q for q in result["results"]["questions"] if q["key"] == "match_concerns")
    assert [t["text"] for t in concerns["texts"]] == ["We keep missing each other"]
    assert "Two weeks in" in result["page"]
    # The member's submitted answer, in the app's answer page too.
    assert "We keep missing each other" in result["in_app"]
