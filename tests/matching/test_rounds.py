"""The match round workflow: draft → proposed → reviewed → published, on the real engine."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from matching import selectors, services
from matching.config import config_from_json
from matching.models import (
    MatchProposal,
    MatchRound,
    PairRuleKind,
    ProposalStatus,
    RoundStatus,
)
from matching.services import rounds as round_services
from mentorships.models import Mentorship
from notifications.models import Notification
from participants.services import participant_withdraw
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_cohort(org):
    """Three mentees, two mentors (capacity 2 and 1), one mentee who shares no language."""
    cohort = CohortFactory(program=ProgramFactory(organization=org, name="Pairs"))
    mentors = [
        ParticipantFactory(
            cohort=cohort,
            role="mentor",
            full_name="Mina Mentor",
            mentor_capacity=2,
            skills_offered=["SQL", "negotiation"],
            seniority=4,
            country="JP",
            languages=[{"code": "en", "proficiency": "fluent"}],
            user=UserFactory(email="mina@acme.test"),
            email="mina@acme.test",
        ),
        ParticipantFactory(
            cohort=cohort,
            role="mentor",
            full_name="Omar Mentor",
            mentor_capacity=1,
            skills_offered=["public speaking"],
            seniority=5,
            country="EG",
            languages=[{"code": "en", "proficiency": "native"}],
            email="omar@acme.test",
        ),
    ]
    mentees = [
        ParticipantFactory(
            cohort=cohort, role="mentee", full_name="Ana", skills_wanted=["SQL"], seniority=1
        ),
        ParticipantFactory(
            cohort=cohort,
            role="mentee",
            full_name="Ben",
            skills_wanted=["public speaking"],
            seniority=2,
        ),
        ParticipantFactory(
            cohort=cohort,
            role="mentee",
            full_name="Lone",
            languages=[{"code": "fi", "proficiency": "native"}],
        ),
    ]
    return cohort, mentors, mentees


def _run(org, cohort, django_capture_on_commit_callbacks, **kwargs):
    with scope(organization=org.pk):
        with django_capture_on_commit_callbacks() as callbacks:
            match_round = services.round_start(
                organization=org, cohort=cohort, actor=None, **kwargs
            )
        assert len(callbacks) == 1  # the run task is queued once, after commit
        return services.round_run(organization=org, round_id=match_round.pk)


def test_a_round_proposes_pairs_with_explanations_and_reasons(
    org, small_cohort, django_capture_on_commit_callbacks
):
    cohort, _mentors, _mentees = small_cohort

    match_round = _run(org, cohort, django_capture_on_commit_callbacks)

    assert match_round.status == RoundStatus.PROPOSED
    with scopes_disabled():
        proposals = list(
            MatchProposal.objects.filter(match_round=match_round).select_related("mentee", "mentor")
        )
        unmatched = list(match_round.unmatched.select_related("mentee"))
    assert {p.mentee.full_name for p in proposals} == {"Ana", "Ben"}
    ana = next(p for p in proposals if p.mentee.full_name == "Ana")
    assert ana.mentor.full_name == "Mina Mentor"
    assert "SQL" in ana.explanation
    assert [u.mentee.full_name for u in unmatched] == ["Lone"]
    assert "language" in unmatched[0].reason
    assert match_round.matched_slots == 2 and match_round.demanded_slots == 3
    assert match_round.greedy_matched_slots is not None
    assert match_round.solver_report["certified_optimal"] is True


def test_running_the_same_round_twice_changes_nothing(
    org, small_cohort, django_capture_on_commit_callbacks
):
    cohort, _mentors, _mentees = small_cohort
    match_round = _run(org, cohort, django_capture_on_commit_callbacks)

    with scope(organization=org.pk):
        second = services.round_run(organization=org, round_id=match_round.pk)

    assert second is None
    with scopes_disabled():
        assert MatchProposal.objects.filter(match_round=match_round).count() == 2


def test_only_one_round_runs_per_cohort_at_a_time(
    org, small_cohort, django_capture_on_commit_callbacks
):
    cohort, _mentors, _mentees = small_cohort
    with scope(organization=org.pk), django_capture_on_commit_callbacks():
        services.round_start(organization=org, cohort=cohort, actor=None)
        with pytest.raises(DomainError):
            services.round_start(organization=org, cohort=cohort, actor=None)


def test_a_failed_run_keeps_the_error_and_touches_nothing_else(
    org, small_cohort, django_capture_on_commit_callbacks, monkeypatch
):
    cohort, _mentors, _mentees = small_cohort
    good = _run(org, cohort, django_capture_on_commit_callbacks)
    with scope(organization=org.pk):
        services.round_rerun(organization=org, match_round=good, actor=None)
    monkeypatch.setattr(
        round_services,
        "match",
        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("solver exploded")),
    )

    with scope(organization=org.pk), pytest.raises(RuntimeError):
        services.round_run(organization=org, round_id=good.pk)

    with scopes_disabled():
        failed = MatchRound.objects.get(pk=good.pk)
        assert (
            MatchProposal.objects.filter(match_round=good).count() == 2
        )  # the earlier proposals stay
    assert failed.status == RoundStatus.FAILED
    assert "solver exploded" in failed.error


def test_forbidding_a_pair_rejects_it_and_the_rerun_avoids_it(
    org, small_cohort, django_capture_on_commit_callbacks
):
    cohort, mentors, mentees = small_cohort
    match_round = _run(org, cohort, django_capture_on_commit_callbacks)
    with scope(organization=org.pk):
        services.pair_rule_set(
            organization=org,
            cohort=cohort,
            mentee=mentees[0],
            mentor=mentors[0],
            kind=PairRuleKind.FORBID,
            actor=None,
        )
        with django_capture_on_commit_callbacks():
            services.round_rerun(organization=org, match_round=match_round, actor=None)
        services.round_run(organization=org, round_id=match_round.pk)
        pairs = {
            (p.mentee_id, p.mentor_id)
            for p in selectors.proposal_list(organization=org, match_round=match_round)
        }

    assert (mentees[0].pk, mentors[0].pk) not in pairs


def test_pinned_pair_is_kept_on_rerun(org, small_cohort, django_capture_on_commit_callbacks):
    cohort, mentors, mentees = small_cohort
    with scope(organization=org.pk):
        services.pair_rule_set(
            organization=org,
            cohort=cohort,
            mentee=mentees[0],
            mentor=mentors[1],
            kind=PairRuleKind.PIN,
            actor=None,
        )
    match_round = _run(org, cohort, django_capture_on_commit_callbacks)

    with scopes_disabled():
        pinned = MatchProposal.objects.get(match_round=match_round, mentee=mentees[0])
    assert pinned.mentor_id == mentors[1].pk
    assert pinned.pinned is True


def test_swap_exchanges_mentors_and_explains_the_new_pairs(
    org, small_cohort, django_capture_on_commit_callbacks
):
    cohort, _mentors, mentees = small_cohort
    match_round = _run(org, cohort, django_capture_on_commit_callbacks)
    with scopes_disabled():
        ana = MatchProposal.objects.get(match_round=match_round, mentee=mentees[0])
        ben = MatchProposal.objects.get(match_round=match_round, mentee=mentees[1])
    ana_mentor, ben_mentor = ana.mentor_id, ben.mentor_id
    if ana_mentor == ben_mentor:
        pytest.skip(
            "both mentees share a mentor in this draw"
        )  # pragma: no cover — fixture avoids it

    with scope(organization=org.pk):
        first, second = services.proposal_swap(organization=org, first=ana, second=ben, actor=None)

    assert (first.mentee_id, first.mentor_id) == (mentees[0].pk, ben_mentor)
    assert (second.mentee_id, second.mentor_id) == (mentees[1].pk, ana_mentor)
    assert first.manual and first.status == ProposalStatus.APPROVED
    assert first.factors


def test_publish_needs_review_then_creates_mentorships_and_notifies_once(
    org, small_cohort, django_capture_on_commit_callbacks
):
    cohort, _mentors, _mentees = small_cohort
    match_round = _run(org, cohort, django_capture_on_commit_callbacks)
    with scope(organization=org.pk):
        with pytest.raises(DomainError):
            services.round_mark_reviewed(organization=org, match_round=match_round, actor=None)
        services.proposal_approve_all(organization=org, match_round=match_round, actor=None)
        services.round_mark_reviewed(organization=org, match_round=match_round, actor=None)
        with django_capture_on_commit_callbacks() as callbacks:
            created = services.round_publish(organization=org, match_round=match_round, actor=None)
        with pytest.raises(DomainError):
            services.round_publish(organization=org, match_round=match_round, actor=None)
        mentorship_ids = list(Mentorship.objects.for_org(org).values_list("pk", flat=True))
        services.notify_match_published(organization=org, mentorship_ids=mentorship_ids)
        services.notify_match_published(organization=org, mentorship_ids=mentorship_ids)

    assert created == 2
    assert len(callbacks) == 1
    recipients = sorted(message.to[0] for message in mail.outbox)
    # Each mentorship tells its mentor and its mentee, once, however often the task runs.
    assert len(recipients) == 4
    with scopes_disabled():
        assert Notification.objects.filter(user__email="mina@acme.test").count() == 1


def test_newcomer_rounds_leave_existing_mentorships_alone(
    org, small_cohort, django_capture_on_commit_callbacks
):
    cohort, _mentors, _mentees = small_cohort
    first = _run(org, cohort, django_capture_on_commit_callbacks)
    with scope(organization=org.pk):
        services.proposal_approve_all(organization=org, match_round=first, actor=None)
        services.round_mark_reviewed(organization=org, match_round=first, actor=None)
        with django_capture_on_commit_callbacks():
            services.round_publish(organization=org, match_round=first, actor=None)
    newcomer = ParticipantFactory(
        cohort=cohort, role="mentee", full_name="Newbie", skills_wanted=["SQL"]
    )

    second = _run(org, cohort, django_capture_on_commit_callbacks, newcomers_only=True)

    with scopes_disabled():
        proposed = list(
            MatchProposal.objects.filter(match_round=second).values_list("mentee_id", flat=True)
        )
    assert set(proposed) <= {newcomer.pk}
    assert second.demanded_slots == 2  # Newbie and Lone; Ana and Ben already have mentors


def test_round_date_for_dst_is_the_cohort_start_or_today(
    org, small_cohort, django_capture_on_commit_callbacks
):
    cohort, _mentors, _mentees = small_cohort
    cohort.starts_on = dt.date(2031, 7, 1)
    cohort.ends_on = dt.date(2031, 12, 1)
    cohort.save()

    match_round = _run(org, cohort, django_capture_on_commit_callbacks)

    assert match_round.settings_snapshot["round_date"] == "2031-07-01"


def test_rounds_of_another_organization_are_invisible(
    org, other_org, small_cohort, django_capture_on_commit_callbacks
):
    cohort, _mentors, _mentees = small_cohort
    match_round = _run(org, cohort, django_capture_on_commit_callbacks)

    with scope(organization=other_org.pk):
        with pytest.raises(Exception) as raised:
            selectors.round_get(organization=other_org, round_id=match_round.pk)
        assert services.round_run(organization=other_org, round_id=match_round.pk) is None
    assert raised.typename == "Http404"


def test_published_match_appears_in_the_app_for_people_with_an_account(
    client, org, small_cohort, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from organizations.models import Role
    from tests.factories import MembershipFactory

    cohort, mentors, _mentees = small_cohort
    mina = mentors[0].user
    MembershipFactory(organization=org, user=mina, role=Role.MEMBER)
    match_round = _run(org, cohort, django_capture_on_commit_callbacks)
    with scope(organization=org.pk):
        services.proposal_approve_all(organization=org, match_round=match_round, actor=None)
        services.round_mark_reviewed(organization=org, match_round=match_round, actor=None)
        with django_capture_on_commit_callbacks():
            services.round_publish(organization=org, match_round=match_round, actor=None)
        services.notify_match_published(
            organization=org,
            mentorship_ids=list(Mentorship.objects.for_org(org).values_list("pk", flat=True)),
        )
    client.force_login(mina)

    page = client.get(reverse("notifications:notification_list", args=[org.slug]))
    badge = client.get(reverse("dashboard", args=[org.slug]))
    client.post(reverse("notifications:notification_mark_read", args=[org.slug]))
    after = client.get(reverse("dashboard", args=[org.slug]))

    assert "You are matched in Pairs" in page.content.decode()
    assert _notifications_nav_item(badge).count('<span class="ui-nav__count">1<') == 1
    assert "ui-nav__count" not in _notifications_nav_item(after)


def _notifications_nav_item(response) -> str:
    """The shell's Notifications entry: its link, unread count included."""
    html = response.content.decode()
    start = html.index('data-nav="notifications"')
    return html[start : html.index("</a>", start)]


def test_scheduled_rounds_start_weekly_for_newcomers_only_once(
    org, small_cohort, django_capture_on_commit_callbacks
):
    cohort, _mentors, _mentees = small_cohort
    cohort.matching_settings = {"schedule": "weekly"}
    cohort.save()
    with scope(organization=org.pk), django_capture_on_commit_callbacks() as queued:
        first = services.scheduled_rounds_start(organization=org)
        services.round_run(organization=org, round_id=first[0].pk)
        again = services.scheduled_rounds_start(organization=org)

    assert len(first) == 1 and first[0].newcomers_only and first[0].trigger == "scheduled"
    assert again == []
    assert len(queued) == 1


def test_stable_objective_honours_the_mentees_stated_ranking(
    org, small_cohort, django_capture_on_commit_callbacks
):
    from matching.models import MentorRequest

    cohort, mentors, mentees = small_cohort
    config = cohort.matching_settings or {}
    cohort.matching_settings = {**config, "objective": "stable"}
    cohort.save()
    # Ana would score best with Mina (SQL), but ranked Omar first; Omar has room for her.
    mentors[1].mentor_capacity = 2
    mentors[1].save()
    MentorRequest.objects.create(
        organization=org,
        cohort=cohort,
        mentee=mentees[0],
        mentor=mentors[1],
        rank=1,
        status="declined",
    )

    match_round = _run(org, cohort, django_capture_on_commit_callbacks)

    with scopes_disabled():
        ana = MatchProposal.objects.get(match_round=match_round, mentee=mentees[0])
    assert ana.mentor_id == mentors[1].pk


def test_a_run_whose_worker_died_stops_blocking_the_cohort(
    org, small_cohort, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    cohort, _mentors, _mentees = small_cohort
    # Every worker allowed to take this run was lost: its lease expired for the last time.
    stuck = MatchRound.objects.create(
        organization=org,
        cohort=cohort,
        status=RoundStatus.RUNNING,
        started_at=timezone.now() - dt.timedelta(minutes=10),
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1),
        run_attempts=round_services.MAX_RUN_ATTEMPTS,
    )
    busy = MatchRound.objects.create(
        organization=org,
        cohort=CohortFactory(program=cohort.program),
        status=RoundStatus.RUNNING,
        started_at=timezone.now(),
        lease_expires_at=timezone.now() + dt.timedelta(minutes=2),
        run_attempts=1,
    )

    with scope(organization=org.pk), django_capture_on_commit_callbacks():
        fresh = services.round_start(organization=org, cohort=cohort, actor=None)
        with pytest.raises(DomainError):
            services.round_start(organization=org, cohort=busy.cohort, actor=None)

    stuck.refresh_from_db()
    assert stuck.status == RoundStatus.FAILED and "worker stopped" in stuck.error
    assert fresh.status == RoundStatus.DRAFT


def test_a_failed_runs_message_is_stored_once_and_shown_in_each_viewers_language(
    client, org, org_admin, small_cohort, django_capture_on_commit_callbacks
):
    cohort, _mentors, _mentees = small_cohort
    stuck = MatchRound.objects.create(
        organization=org,
        cohort=cohort,
        status=RoundStatus.RUNNING,
        started_at=timezone.now() - dt.timedelta(minutes=10),
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1),
        run_attempts=round_services.MAX_RUN_ATTEMPTS,
    )
    # A Spanish-speaking admin's request is what notices the dead worker.
    with (
        translation.override("es"),
        scope(organization=org.pk),
        django_capture_on_commit_callbacks(),
    ):
        services.round_start(organization=org, cohort=cohort, actor=None)

    stuck.refresh_from_db()
    assert stuck.error == "The worker stopped before the run finished. Run it again."
    login(client, org_admin)
    url = reverse("matching:round_detail", args=[org.slug, stuck.pk])
    assert "The worker stopped before the run finished" in client.get(url).content.decode()
    org_admin.language = "es"
    org_admin.save()
    assert "El proceso en segundo plano se detuvo" in client.get(url).content.decode()


def test_a_forbidden_pair_naming_a_withdrawn_mentee_leaves_the_round_and_the_preview_working(
    org, small_cohort, django_capture_on_commit_callbacks
):
    cohort, mentors, mentees = small_cohort
    with scope(organization=org.pk):
        services.pair_rule_set(
            organization=org,
            cohort=cohort,
            mentee=mentees[0],
            mentor=mentors[0],
            kind="forbid",
            actor=None,
        )
        participant_withdraw(organization=org, participant=mentees[0], actor=None)

    match_round = _run(org, cohort, django_capture_on_commit_callbacks)

    assert match_round.status == RoundStatus.PROPOSED, match_round.error
    with scope(organization=org.pk):
        impact = selectors.rule_impact_for_cohort(
            organization=org, cohort=cohort, config=config_from_json(cohort.matching_settings)
        )
    assert impact is not None
