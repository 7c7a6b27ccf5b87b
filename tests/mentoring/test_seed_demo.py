import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone
from django_scopes import scopes_disabled

from mentoring.demo_data import seed_demo
from mentorships.models import Mentorship, MentorshipStatus, PathStage
from organizations.models import Membership, Organization
from participants.models import Participant
from participants.services import build_participant
from programs.models import Program

pytestmark = pytest.mark.django_db


def _snapshot(organization):
    with scopes_disabled():
        return list(
            Participant.objects.filter(organization=organization)
            # Demo logins take part in two cohorts under one email: the program breaks the tie.
            .order_by("email", "cohort__program__name")
            .values_list(
                "email",
                "cohort__program__name",
                "country",
                "function",
                "seniority",
                "time_zone",
                "languages",
            )
        )


def test_demo_organization_is_diverse_enough_to_show_matching():
    result = seed_demo(participants=300)

    with scopes_disabled():
        people = Participant.objects.filter(organization=result.organization)
        languages = {
            entry["code"] for row in people.values_list("languages", flat=True) for entry in row
        }
        program_types = set(
            Program.objects.filter(organization=result.organization).values_list(
                "program_type", flat=True
            )
        )
        # 300 generated people plus the member and program-manager demo logins, each in two
        # cohorts.
        assert people.count() == 304
        assert people.filter(user__isnull=False).count() == 4
        assert people.values("country").distinct().count() >= 12
        assert people.values("function").distinct().count() >= 6
        assert people.values("seniority").distinct().count() == 5
        assert people.values("time_zone").distinct().count() >= 10
        assert Membership.objects.filter(organization=result.organization).count() == 5
    assert len(languages) >= 10
    assert len(program_types) >= 5


def test_demo_data_is_deterministic_for_a_seed():
    first = _snapshot(seed_demo(participants=50, seed=3).organization)
    second = _snapshot(seed_demo(participants=50, seed=3, reset=True).organization)

    assert first == second


def test_seeding_again_keeps_the_existing_demo():
    seed_demo(participants=20)

    again = seed_demo(participants=99)

    assert again.created is False
    assert again.participants == 24  # 20 generated, 2 demo logins in 2 cohorts each
    assert Organization.objects.filter(slug="demo").count() == 1


def test_demo_participants_pass_the_same_validation_as_real_enrollments():
    organization = seed_demo(participants=60).organization
    with scopes_disabled():
        for participant in Participant.objects.filter(organization=organization).select_related(
            "cohort"
        ):
            questions = list(participant.cohort.questions.all())
            build_participant(
                organization=organization,
                cohort=participant.cohort,
                email=participant.email,
                data={"answers": participant.answers},
                questions=questions,
                instance=participant,
            )


def test_seed_demo_command_prints_the_logins(capsys):
    call_command("seed_demo", "--participants", "10")

    out = capsys.readouterr().out
    assert "owner@demo.meridian.test" in out
    assert "meridian-demo" in out


def test_reset_removes_everything_people_did_in_the_demo(django_capture_on_commit_callbacks):
    from django.apps import apps
    from django_scopes import scope

    from core.models import is_tenant_owned
    from matching import services as matching_services
    from matching.config import config_from_json

    organization = seed_demo(participants=60).organization
    with scopes_disabled():
        joined = Participant.objects.filter(user__email="member@demo.meridian.test")
        cohorts = [p.cohort for p in joined.select_related("cohort")]
    # The demo member takes part where mentees choose and where everyone ranks.
    kinds = {config_from_json(c.matching_settings).collects_preferences for c in cohorts}
    assert kinds == {True, False}
    ranking_cohort = next(
        c for c in cohorts if config_from_json(c.matching_settings).collects_preferences
    )
    with scope(organization=organization.pk):
        with django_capture_on_commit_callbacks():
            match_round = matching_services.round_start(
                organization=organization, cohort=ranking_cohort, actor=None
            )
        match_round = matching_services.round_run(
            organization=organization, round_id=match_round.pk
        )
        matching_services.proposal_approve_all(
            organization=organization, match_round=match_round, actor=None
        )
        matching_services.round_mark_reviewed(
            organization=organization, match_round=match_round, actor=None
        )
        with django_capture_on_commit_callbacks(execute=True):
            matching_services.round_publish(
                organization=organization, match_round=match_round, actor=None
            )

    again = seed_demo(participants=60, reset=True)

    assert again.created is True
    with scopes_disabled():
        for model in apps.get_models():
            if is_tenant_owned(model):
                assert not model.objects.filter(organization_id=organization.pk).exists(), model


def test_the_demo_mentee_and_mentor_logins_share_a_running_mentorship_with_a_path():
    """A fresh `scripts/run` lets two people try the mentorship pages at once: the member is the
    program manager's mentee in the cohort where mentees choose, started a week ago, with the
    program's starter learning path; each login's profiles show their account's zone."""
    organization = seed_demo(participants=20).organization

    with scopes_disabled():
        mentorship = Mentorship.objects.get(organization=organization)
        mentees = list(mentorship.mentees.values_list("user__email", flat=True))
        stages = PathStage.objects.filter(path__program=mentorship.cohort.program).count()
        zones = set(
            Participant.objects.filter(organization=organization, user__isnull=False)
            .annotate(account_zone=F("user__time_zone"))
            .values_list("time_zone", "account_zone")
        )
    assert mentorship.mentor.user.email == "manager@demo.meridian.test"
    assert mentees == ["member@demo.meridian.test"]
    assert mentorship.status == MentorshipStatus.ACTIVE
    assert mentorship.started_on <= timezone.localdate()
    assert mentorship.cohort.matching_settings["self_match"]["enabled"] is True
    assert stages >= 3
    assert all(profile == account for profile, account in zones)


def test_the_benchmark_organization_s_survey_counts_are_built_with_it():
    """Its answers are written in bulk, around the submit service that keeps the results'
    counts: the seed counts them, so no first results view pays for it."""
    from mentoring.demo_data import seed_scale
    from surveys.models import SurveyResponse, SurveyResultCount

    organization = seed_scale(scale=0.002).organization

    with scopes_disabled():
        submitted = SurveyResponse.objects.filter(organization=organization).count()
        counted = sum(
            SurveyResultCount.objects.filter(
                organization=organization, whole=True, question__isnull=True
            ).values_list("n", flat=True)
        )
    assert submitted > 0
    assert counted == submitted


def test_the_demo_the_one_command_start_loads_has_a_past(client):
    """`scripts/run` runs `seed_demo`: the demo pair's mentorship began a week ago and met, a
    pilot cohort was matched by a published round two months ago and has met since, and the
    nightly snapshots of the past 90 days were taken, so the time-series report has figures."""
    import datetime as dt

    from analytics.metrics import Period
    from analytics.models import CohortDaySnapshot
    from analytics.reports import ReportFilter, time_series_rows
    from matching.models import MatchRound, RoundStatus
    from mentoring.demo_history import PILOT_MATCHED_DAYS_AGO, SNAPSHOT_DAYS
    from mentorships.models import CheckInRecord
    from notifications.models import SentEmail

    call_command("seed_demo", "--participants", "40")

    today = timezone.localdate()
    organization = Organization.objects.get(slug="demo")
    with scopes_disabled():
        demo_pair = Mentorship.objects.get(
            organization=organization, mentor__user__email="manager@demo.meridian.test"
        )
        assert demo_pair.started_on == today - dt.timedelta(days=7)
        held = CheckInRecord.objects.filter(check_in__mentorship=demo_pair, happened=True)
        assert held.count() == 2
        assert all(record.check_in.starts_at < timezone.now() for record in held)
        assert all(record.rating for record in held)

        (published,) = MatchRound.objects.filter(
            organization=organization, status=RoundStatus.PUBLISHED
        )
        pilot_pairs = Mentorship.objects.filter(source_round_id=published.pk)
        assert pilot_pairs.count() >= 5
        assert set(pilot_pairs.values_list("started_on", flat=True)) == {
            today - dt.timedelta(days=PILOT_MATCHED_DAYS_AGO)
        }
        # Its news went out when it was published: a fresh start sends none of it.
        assert (
            SentEmail.objects.filter(
                organization=organization, idempotency_key__startswith="match-published:"
            ).count()
            == pilot_pairs.count() * 2
        )

        days = set(
            CohortDaySnapshot.objects.filter(organization=organization).values_list(
                "day", flat=True
            )
        )
        assert min(days) == today - dt.timedelta(days=SNAPSHOT_DAYS)
        assert max(days) == today - dt.timedelta(days=1)
        rows = time_series_rows(
            ReportFilter(organization, Period(today - dt.timedelta(days=89), today))
        )
    assert len(rows) == SNAPSHOT_DAYS - 1
    assert sum(1 for row in rows if row["participants"]) >= 60
    assert sum(1 for row in rows if row["mentorships_open"]) >= PILOT_MATCHED_DAYS_AGO - 1
    assert sum(row["check_ins_held"] for row in rows) >= 20
    # Some pilot pairs kept meeting and some stopped, as in a real program.
    with scopes_disabled():
        meetings = [pair.check_ins.count() for pair in pilot_pairs]
    assert max(meetings) >= 4
    assert 1 <= sum(1 for count in meetings if count <= 2) < len(meetings) / 2
    # The weekly chart is not flat: enrollments, then matches, then meetings.
    assert len({row["participants"] for row in rows}) > 3


def test_resetting_the_demo_removes_its_past_too():
    from django.apps import apps

    from core.models import is_tenant_owned

    call_command("seed_demo", "--participants", "20")
    first = Organization.objects.get(slug="demo")

    call_command("seed_demo", "--participants", "20", "--reset")

    assert Organization.objects.get(slug="demo").pk != first.pk
    with scopes_disabled():
        for model in apps.get_models():
            if is_tenant_owned(model):
                assert not model.objects.filter(organization_id=first.pk).exists(), model


def test_the_demo_pair_can_book_a_check_in_across_their_zones():
    """Kolkata's and São Paulo's working days never meet: the demo mentor offers early evenings,
    so the pair's booking page has times in the next two weeks; each login lives in the
    country of their zone."""
    import datetime as dt

    from mentorships.selectors.check_ins import check_in_slots

    organization = seed_demo(participants=20).organization
    with scopes_disabled():
        mentorship = Mentorship.objects.get(organization=organization)
        countries = dict(
            Participant.objects.filter(organization=organization, user__isnull=False)
            .values_list("user__email", "country")
            .distinct()
        )
        start = timezone.now()
        slots = check_in_slots(
            organization=organization,
            mentorship=mentorship,
            start=start,
            end=start + dt.timedelta(days=14),
            duration=dt.timedelta(minutes=30),
        )

    assert slots
    assert countries["manager@demo.meridian.test"] == "IN"
    assert countries["member@demo.meridian.test"] == "BR"
