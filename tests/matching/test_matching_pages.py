"""The admin's matching pages: settings with a live preview, a run with progress, review."""

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from matching import services
from matching.config import config_from_json
from matching.models import MatchProposal, MatchRound, PairRule, ProposalStatus, RoundStatus
from tests.conftest import login
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(cohort):
    mentor = ParticipantFactory(
        cohort=cohort, role="mentor", skills_offered=["SQL"], seniority=4, mentor_capacity=2
    )
    mentee = ParticipantFactory(cohort=cohort, role="mentee", skills_wanted=["SQL"], seniority=1)
    loner = ParticipantFactory(
        cohort=cohort, role="mentee", languages=[{"code": "fi", "proficiency": "native"}]
    )
    return mentor, mentee, loner


def _settings_payload(**overrides):
    data = {
        "objective": "participation_first",
        "min_score": "0",
        "seniority_gap_low": "1",
        "seniority_gap_high": "3",
        "group_size": "5",
        "board_roles": "skill, career",
        "schedule": "off",
        "self_match_response_days": "5",
        "rule_shared_language": "on",
        "rule_reporting_line": "on",
        **{
            f"weight_{name}": "1"
            for name in (
                "text",
                "skills",
                "language",
                "hours",
                "seniority",
                "diversity",
                "preferences",
            )
        },
    }
    data.update(overrides)
    return data


def test_settings_page_shows_who_the_rules_leave_without_a_candidate(
    client, org, program_manager, cohort, people
):
    login(client, program_manager)

    response = client.get(reverse("matching:cohort_matching", args=[org.slug, cohort.pk]))

    assert response.status_code == 200
    assert response.context["impact"]["without_candidate"] == 1


def test_live_preview_reflects_unsaved_changes(client, org, program_manager, cohort, people):
    login(client, program_manager)
    url = reverse("matching:matching_preview", args=[org.slug, cohort.pk])

    strict = client.post(url, _settings_payload(), HTTP_HX_REQUEST="true")
    relaxed = client.post(url, _settings_payload(rule_shared_language=""), HTTP_HX_REQUEST="true")

    assert strict.context["impact"]["without_candidate"] == 1
    assert relaxed.context["impact"]["without_candidate"] == 0
    assert b"<html" not in relaxed.content


def test_saving_settings_validates_each_field(client, org, program_manager, cohort):
    login(client, program_manager)
    url = reverse("matching:matching_settings_save", args=[org.slug, cohort.pk])

    bad = client.post(
        url, _settings_payload(min_score="2", seniority_gap_low="3", seniority_gap_high="1")
    )
    good = client.post(url, _settings_payload(objective="fairness", load_balance="on"))

    assert bad.status_code == 400
    assert {"min_score", "seniority_gap_high"} <= set(bad.context["form"].errors)
    assert good.status_code == 302
    cohort.refresh_from_db()
    config = config_from_json(cohort.matching_settings)
    assert config.objective == "fairness" and config.load_balance is True
    assert config.board_roles == ("skill", "career")


def test_hr_analyst_sees_matching_but_cannot_change_or_run_it(
    client, org, hr_analyst, cohort, people
):
    login(client, hr_analyst)

    page = client.get(reverse("matching:cohort_matching", args=[org.slug, cohort.pk]))
    save = client.post(
        reverse("matching:matching_settings_save", args=[org.slug, cohort.pk]), _settings_payload()
    )
    run = client.post(reverse("matching:round_start", args=[org.slug, cohort.pk]))

    assert page.status_code == 200
    assert save.status_code == 403 and run.status_code == 403
    with scopes_disabled():
        assert not MatchRound.objects.exists()


def test_running_shows_progress_until_the_worker_finishes(
    client, org, program_manager, cohort, people, django_capture_on_commit_callbacks
):
    login(client, program_manager)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("matching:round_start", args=[org.slug, cohort.pk]))
    with scopes_disabled():
        match_round = MatchRound.objects.get(cohort=cohort)
    progress_url = reverse("matching:round_progress", args=[org.slug, match_round.pk])

    waiting = client.get(progress_url, HTTP_HX_REQUEST="true")
    with scope(organization=org.pk):
        services.round_run(organization=org, round_id=match_round.pk)
    done = client.get(progress_url, HTTP_HX_REQUEST="true")

    assert response.status_code == 302 and len(queued) == 1
    assert b"<progress" in waiting.content and "HX-Refresh" not in waiting
    assert done["HX-Refresh"] == "true"


def _proposed_round(org, cohort, django_capture_on_commit_callbacks):
    with scope(organization=org.pk):
        with django_capture_on_commit_callbacks():
            match_round = services.round_start(organization=org, cohort=cohort, actor=None)
        return services.round_run(organization=org, round_id=match_round.pk)


def test_admin_reviews_with_htmx_and_publishes(
    client, org, program_manager, cohort, people, django_capture_on_commit_callbacks
):
    match_round = _proposed_round(org, cohort, django_capture_on_commit_callbacks)
    with scopes_disabled():
        proposal = MatchProposal.objects.get(match_round=match_round)
    login(client, program_manager)

    page = client.get(reverse("matching:round_detail", args=[org.slug, match_round.pk]))
    row = client.post(
        reverse("matching:proposal_decide", args=[org.slug, proposal.pk]),
        {"decision": "approve"},
        HTTP_HX_REQUEST="true",
    )
    client.post(reverse("matching:round_review", args=[org.slug, match_round.pk]))
    with django_capture_on_commit_callbacks():
        client.post(reverse("matching:round_publish", args=[org.slug, match_round.pk]))

    assert "SQL" in page.content.decode()  # the explanation is on the page
    assert b"<tr" in row.content and b"<html" not in row.content
    proposal.refresh_from_db()
    match_round.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert match_round.status == RoundStatus.PUBLISHED


def test_pin_and_forbid_from_a_proposal(
    client, org, program_manager, cohort, people, django_capture_on_commit_callbacks
):
    match_round = _proposed_round(org, cohort, django_capture_on_commit_callbacks)
    with scopes_disabled():
        proposal = MatchProposal.objects.get(match_round=match_round)
    login(client, program_manager)

    client.post(reverse("matching:proposal_rule", args=[org.slug, proposal.pk]), {"kind": "forbid"})

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    with scopes_disabled():
        assert PairRule.objects.get(cohort=cohort).kind == "forbid"
