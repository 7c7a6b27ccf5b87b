"""How fresh the figures are (analytics/reports.py, "Kept figures"): a large organization's
dashboard panel, summary and fairness audit are served at once after a write, marked as being
updated, while one refresh task counts them again; a first view shows a progress state that
polls until the figures are kept; the beat refreshes only the keys viewed in the last day,
each organization in its own scope and under its own keys; the nightly run prewarms each
organization's default panel. Every refresh is safe to repeat.

"Large" is `BACKGROUND_FROM_PARTICIPANTS`, set to 0 here so that a test's few people stand for
100,000; the tasks the views send are recorded instead of queued, and run by calling them."""

import time

import pytest
from django.urls import reverse

from analytics import reports
from analytics.tasks import (
    refresh_figures_task,
    refresh_viewed_figures_task,
    take_daily_snapshots_task,
)
from analytics.views import POLL_LIMIT_SECONDS, STOP_POLLING
from organizations.models import APIKeyScope, OrganizationAPIKey
from tests.analytics.test_fairness_audit import _mentees
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """Refresh tasks the views and the beat send, as (kind, organization id, params)."""
    sent: list[tuple] = []

    def record(task, args, *, what):
        assert task is refresh_figures_task
        sent.append(args)
        return True

    monkeypatch.setattr(reports, "task_send_once", record)
    monkeypatch.setattr(reports, "BACKGROUND_FROM_PARTICIPANTS", 0)
    return sent


def run(sent: list[tuple]) -> None:
    """What a worker does with the tasks sent so far."""
    while sent:
        refresh_figures_task(*sent.pop(0))


def _panel(client, org, **params):
    url = reverse("analytics:dashboard", args=[org.slug])
    return client.get(url, params, headers={"HX-Request": "true"})


def _participants(response) -> int:
    health = response.context["health"]
    return next(h.value for h in health.headlines if h.key == "participants")


@pytest.fixture
def admin_client(client, org_admin):
    return login(client, org_admin)


# --- The dashboard panel ------------------------------------------------------------------------


def test_a_first_view_shows_progress_then_the_figures_once_counted(admin_client, org, cohort, sent):
    ParticipantFactory.create_batch(2, cohort=cohort)

    first = _panel(admin_client, org)

    html = first.content.decode()
    assert first.status_code == 200 and first.context["counted"].counting
    assert 'data-testid="health-counting"' in html and 'role="status"' in html
    assert "Counting your figures…" in html
    assert 'data-testid="health-poll"' in html and 'hx-trigger="every 2s"' in html
    assert len(sent) == 1

    # The poller's request while the worker counts: nothing to redraw.
    poll = first.context["poll_query"]
    assert _panel_query(admin_client, org, poll).status_code == 204

    run(sent)
    done = _panel_query(admin_client, org, poll)

    assert done.status_code == 200
    assert _participants(done) == 2
    html = done.content.decode()
    assert 'data-testid="health-poll"' not in html and "updating" not in html
    assert 'data-testid="health-headlines"' in html


def _panel_query(client, org, query: str):
    url = reverse("analytics:dashboard", args=[org.slug])
    return client.get(f"{url}?{query}", headers={"HX-Request": "true"})


def test_after_a_write_the_old_figures_are_served_at_once_and_one_refresh_is_sent(
    admin_client, org, cohort, sent
):
    ParticipantFactory.create_batch(2, cohort=cohort)
    _panel(admin_client, org)
    run(sent)
    counted = _panel(admin_client, org).context["counted"]

    ParticipantFactory(cohort=cohort)
    burst = [_panel(admin_client, org) for _ in range(5)]

    assert len(sent) == 1  # one task for the burst
    for response in burst:
        assert response.status_code == 200
        assert response.context["counted"].updating
        assert _participants(response) == 2  # the kept figures, at once
        assert response.context["counted"].counted_at == counted.counted_at
        html = response.content.decode()
        assert "· updating…" in html and 'data-testid="health-poll"' in html

    run(sent)
    fresh = _panel(admin_client, org)

    assert _participants(fresh) == 3
    assert not fresh.context["counted"].updating
    assert "updating" not in fresh.content.decode()
    assert sent == []  # current figures send nothing


def test_polling_stops_after_its_limit_with_the_figures_it_has(
    admin_client, org, cohort, sent, monkeypatch
):
    ParticipantFactory(cohort=cohort)
    first = _panel(admin_client, org)
    started = int(time.time()) - POLL_LIMIT_SECONDS - 1
    query = first.context["poll_query"].replace(
        f"poll={first.context['poll_query'].split('poll=')[1]}", f"poll={started}"
    )

    late = _panel_query(admin_client, org, query)

    assert late.status_code == STOP_POLLING
    html = late.content.decode()
    assert 'data-testid="health-poll"' not in html
    assert "takes longer than usual" in html


def test_a_small_organization_is_counted_during_the_request(admin_client, org, cohort, sent):
    reports.BACKGROUND_FROM_PARTICIPANTS = 5_000  # restored by monkeypatch after the test
    ParticipantFactory(cohort=cohort)
    assert _participants(_panel(admin_client, org)) == 1

    ParticipantFactory(cohort=cohort)
    after = _panel(admin_client, org)

    assert _participants(after) == 2 and not after.context["counted"].updating
    assert sent == []


def test_each_refresh_is_safe_to_repeat(admin_client, org, cohort, sent, monkeypatch):
    ParticipantFactory(cohort=cohort)
    _panel(admin_client, org)
    [task] = sent
    refresh_figures_task(*task)
    key = reports.figures_key(*task)
    counted_at = reports._kept(key).counted_at

    counts = []
    real = reports._count_and_keep
    monkeypatch.setattr(
        reports, "_count_and_keep", lambda *a, **k: counts.append(a) or real(*a, **k)
    )
    refresh_figures_task(*task)

    assert counts == []
    assert reports._kept(key).counted_at == counted_at


# --- The beat, the nightly prewarm and isolation ---------------------------------------------


def test_the_beat_refreshes_only_viewed_keys_made_old_by_a_write_in_their_organization(
    client, org, other_org, org_admin, outsider, cohort, other_cohort, sent
):
    ParticipantFactory(cohort=cohort)
    ParticipantFactory(cohort=other_cohort)
    for user, organization in ((org_admin, org), (outsider, other_org)):
        login(client, user)
        _panel(client, organization)
        _panel(client, organization, program=cohort.program.pk)
    run(sent)

    refresh_viewed_figures_task()
    assert sent == []  # everything viewed is current

    ParticipantFactory(cohort=cohort)  # a write in `org` only
    refresh_viewed_figures_task()

    assert {(kind, organization_id) for kind, organization_id, _ in sent} == {("health", org.pk)}
    assert len(sent) == 2  # the two panels viewed in `org`, nothing else
    refresh_viewed_figures_task()
    assert len(sent) == 2  # already on their way

    run(sent)
    refresh_viewed_figures_task()
    assert sent == []


def test_a_refresh_for_one_organization_never_reads_or_keeps_another_s(
    client, org, other_org, outsider, cohort, other_cohort, sent
):
    ParticipantFactory.create_batch(3, cohort=other_cohort)
    login(client, outsider)
    _panel(client, other_org)
    run(sent)
    theirs_key = reports.figures_key(
        "health", other_org.pk, reports.viewed_figures(other_org.pk).popitem()[1][1]
    )
    theirs = reports._kept(theirs_key)

    # A refresh in `org`'s name asking for the other organization's cohort and program.
    params = {
        "program": other_cohort.program_id,
        "cohort": other_cohort.pk,
        "start": -89,
        "end": 0,
        "language": "en",
    }
    refresh_figures_task("health", org.pk, params)

    mine = reports._kept(reports.figures_key("health", org.pk, params))
    participants = next(h.value for h in mine.value.headlines if h.key == "participants")
    assert participants == 0
    assert mine.value.scope.organization == org
    assert reports._kept(theirs_key) == theirs  # untouched


def test_the_nightly_run_prewarms_each_organization_s_default_panel(
    admin_client, org, other_org, cohort, other_cohort, sent
):
    ParticipantFactory(cohort=cohort)
    ParticipantFactory(cohort=other_cohort)

    take_daily_snapshots_task()

    assert {(kind, organization_id) for kind, organization_id, _ in sent} == {
        ("health", org.pk),
        ("health", other_org.pk),
    }
    run(sent)
    # The admin's first view of the default panel finds it counted.
    first = _panel(admin_client, org)
    assert not first.context["counted"].updating and _participants(first) == 1


# --- The reports API -------------------------------------------------------------------------


@pytest.fixture
def hr(api_client, org):
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="hr", organization=org, scopes=[APIKeyScope.REPORTS_READ.value]
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api_client


def _rows(client, path, **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_summary_is_counted_during_a_first_request_then_served_old_while_refreshed(
    hr, cohort, sent
):
    ParticipantFactory(cohort=cohort)
    [first] = _rows(hr, "/api/v1/reports/summary/")
    assert first["participants"] == 1  # an API client needs an answer: counted now
    assert sent == []  # counted during the request: nothing else to count

    ParticipantFactory(cohort=cohort)
    burst = [_rows(hr, "/api/v1/reports/summary/")[0] for _ in range(3)]

    assert [row["participants"] for row in burst] == [1, 1, 1]
    assert len(sent) == 1
    run(sent)
    [fresh] = _rows(hr, "/api/v1/reports/summary/")
    assert fresh["participants"] == 2


def test_the_fairness_audit_is_served_old_while_refreshed_and_a_new_threshold_applies_at_once(
    hr, org, cohort, sent
):
    _mentees(cohort, 6, function="Sales")
    _mentees(cohort, 6, function="Legal")
    first = _rows(hr, "/api/v1/reports/fairness/", attribute="function")
    assert sent == []  # counted during the request: nothing else to count

    _mentees(cohort, 7, function="Ops")
    old = _rows(hr, "/api/v1/reports/fairness/", attribute="function")
    assert old == first and len(sent) == 1
    run(sent)
    grown = _rows(hr, "/api/v1/reports/fairness/", attribute="function")
    assert "Ops" in {row["group_label"] for row in grown}

    # Figures kept under a smaller threshold are never served once it is raised.
    org.survey_anonymity_threshold = 7
    org.save(update_fields=["survey_anonymity_threshold"])
    folded = _rows(hr, "/api/v1/reports/fairness/", attribute="function")
    assert {"Sales", "Legal"} & {row["group_label"] for row in folded} == set()


def test_the_counted_time_of_a_report_is_when_its_figures_were_counted(org, cohort, sent):
    ParticipantFactory(cohort=cohort)
    report = reports.ReportFilter(
        organization=org, period=reports.Period.last_days(30), program_id=None
    )
    first = reports.summary_counted(report)
    ParticipantFactory(cohort=cohort)
    old = reports.summary_counted(report)

    assert old.updating and old.counted_at == first.counted_at
    run(sent)
    fresh = reports.summary_counted(report)
    assert not fresh.updating and fresh.counted_at > first.counted_at


def test_another_program_s_figures_are_their_own_key(admin_client, org, cohort, sent):
    other = CohortFactory(program=ProgramFactory(organization=org))
    ParticipantFactory(cohort=cohort)
    ParticipantFactory.create_batch(2, cohort=other)
    _panel(admin_client, org, program=cohort.program.pk)
    _panel(admin_client, org, program=other.program.pk)
    run(sent)

    assert _participants(_panel(admin_client, org, program=cohort.program.pk)) == 1
    assert _participants(_panel(admin_client, org, program=other.program.pk)) == 2


def test_the_beat_and_the_nightly_run_leave_small_organizations_to_their_requests(
    admin_client, org, cohort, sent, monkeypatch
):
    monkeypatch.setattr(reports, "BACKGROUND_FROM_PARTICIPANTS", 5_000)
    ParticipantFactory(cohort=cohort)
    _panel(admin_client, org)
    ParticipantFactory(cohort=cohort)  # the viewed panel is now old

    refresh_viewed_figures_task()
    take_daily_snapshots_task()

    assert sent == []
    assert _participants(_panel(admin_client, org)) == 2  # counted by the request


def test_beat_refreshes_the_viewed_figures_every_five_minutes():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["refresh-viewed-figures"]

    assert entry["task"] == refresh_viewed_figures_task.name
    assert entry["schedule"] == 5 * 60
    # A sweep that waited longer than its period is overtaken by the next one.
    assert entry["options"]["expires"] <= entry["schedule"]
