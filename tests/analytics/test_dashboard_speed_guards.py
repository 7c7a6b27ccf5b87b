"""What the dashboard's speed work (issue 10) must not change: the at-risk count, ranked in one
pass over the ratings, is still exactly the at-risk list's length (ties, the fourth rating back,
a rule met exactly, ratings of another organization), both stay a fixed number of queries as
the data grows, and the dashboard's polish (no figure without data, short week labels)."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from analytics.dashboard import week_label
from analytics.metrics import Scope, at_risk_count
from mentorships.models import (
    CheckIn,
    CheckInRecord,
    EngagementSettings,
    Mentorship,
    MentorshipMentee,
)
from mentorships.selectors.at_risk import at_risk_list
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

_uids = itertools.count()
LOW_RATED = "Recent check-ins rated"


def _pair(cohort, *, mentees=1, started_days_ago=3):
    """A mentorship that is not quiet yet (started days ago), so only its ratings count."""
    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=cohort.organization,
            cohort=cohort,
            mentor=ParticipantFactory(cohort=cohort, role="mentor"),
            started_on=(timezone.now() - dt.timedelta(days=started_days_ago)).date(),
            status="active",
        )
        for _ in range(mentees):
            MentorshipMentee.objects.create(
                organization=cohort.organization,
                mentorship=mentorship,
                mentee=ParticipantFactory(cohort=cohort, role="mentee"),
            )
    return mentorship


def _met(mentorship, *, hours_ago, ratings):
    """A check-in that ended `hours_ago`, rated by the mentor then each mentee in turn (None:
    an account without a rating)."""
    end = timezone.now() - dt.timedelta(hours=hours_ago)
    with scopes_disabled():
        check_in = CheckIn.objects.create(
            organization=mentorship.organization,
            mentorship=mentorship,
            organizer=mentorship.mentor,
            starts_at=end - dt.timedelta(hours=1),
            ends_at=end,
            time_zone="UTC",
            ical_uid=f"guard-{next(_uids)}@test",
        )
        people = [mentorship.mentor, *mentorship.mentees.order_by("pk")]
        for person, rating in zip(people, ratings, strict=False):
            CheckInRecord.objects.create(
                organization=mentorship.organization,
                check_in=check_in,
                participant=person,
                happened=True,
                rating=rating,
            )


def _low_rated_ids(organization, **kwargs):
    with scope(organization=organization.pk):
        return {
            entry.mentorship.pk
            for entry in at_risk_list(organization=organization, **kwargs)
            if any(reason.startswith(LOW_RATED) for reason in entry.reasons)
        }


@pytest.fixture
def varied(org, other_org):
    """Mentorships whose last three ratings sit on every edge of the rule (default: below 3)."""
    cohort = CohortFactory(program__organization=org)
    pairs = {}
    # Two ratings on one check-in (same start): both are among the last three.
    pairs["tie_same_check_in"] = m = _pair(cohort)
    _met(m, hours_ago=48, ratings=[5])
    _met(m, hours_ago=2, ratings=[1, 2])  # last three: 2, 1, 5 = 2.7, below 3
    # Two check-ins at the same moment: the later record wins the tie, as on the list.
    pairs["tie_same_start"] = m = _pair(cohort)
    _met(m, hours_ago=5, ratings=[1])
    _met(m, hours_ago=5, ratings=[2])
    _met(m, hours_ago=9, ratings=[5])
    _met(m, hours_ago=30, ratings=[5])  # the fourth back does not count: 2, 1, 5 = 2.7
    # Exactly the rule's threshold is not below it.
    pairs["exactly_three"] = m = _pair(cohort)
    for hours, rating in ((3, 2), (6, 3), (9, 4)):
        _met(m, hours_ago=hours, ratings=[rating])
    # The low ratings are older than the last three good ones.
    pairs["recovered"] = m = _pair(cohort)
    for hours, rating in ((3, 4), (6, 4), (9, 4), (12, 1), (15, 1)):
        _met(m, hours_ago=hours, ratings=[rating])
    # Accounts without a rating are skipped, not counted as ratings.
    pairs["unrated_accounts"] = m = _pair(cohort, mentees=2)
    _met(m, hours_ago=2, ratings=[None, None, 1])
    _met(m, hours_ago=4, ratings=[None, 2])
    # One low rating alone is a mean below the rule.
    pairs["single"] = m = _pair(cohort)
    _met(m, hours_ago=1, ratings=[1])
    pairs["never_rated"] = _pair(cohort)
    # Another organization's low ratings count for it alone.
    foreign = _pair(CohortFactory(program__organization=other_org))
    _met(foreign, hours_ago=1, ratings=[1])
    return cohort, pairs


def test_the_recent_ratings_rule_is_ranked_as_the_list_ranks_it(org, varied):
    _cohort, pairs = varied

    low = _low_rated_ids(org)

    assert low == {
        pairs[name].pk
        for name in ("tie_same_check_in", "tie_same_start", "unrated_accounts", "single")
    }
    assert at_risk_count(scope=Scope(org)) == 4


def test_the_count_follows_each_program_s_own_rule(org, varied):
    cohort, pairs = varied
    with scopes_disabled():
        EngagementSettings.objects.create(
            organization=org, program=cohort.program, low_rating_below=5
        )

    with scope(organization=org.pk):
        listed = at_risk_list(organization=org)

    # Below 5 on average: everything rated but the never-rated pair.
    assert len(listed) == at_risk_count(scope=Scope(org)) == len(pairs) - 1
    assert at_risk_count(scope=Scope(org, cohort_id=cohort.pk)) == len(pairs) - 1


def test_another_organization_s_ratings_are_its_own(org, other_org, varied):
    with scope(organization=other_org.pk):
        listed = at_risk_list(organization=other_org)

    assert len(listed) == at_risk_count(scope=Scope(other_org)) == 1


def _grow(cohort, pairs):
    for n in range(pairs):
        m = _pair(cohort, started_days_ago=60)
        for hours in range(4):
            _met(m, hours_ago=24 * (hours + 1), ratings=[1 + (n + hours) % 5])


def test_the_count_and_the_list_cost_the_same_queries_at_any_size(org, django_assert_num_queries):
    cohort = CohortFactory(program__organization=org)
    _grow(cohort, 1)
    with scope(organization=org.pk), django_assert_num_queries(2):
        at_risk_count(scope=Scope(org))
    with scope(organization=org.pk), django_assert_num_queries(4):
        small = at_risk_list(organization=org)

    _grow(cohort, 12)
    with scope(organization=org.pk), django_assert_num_queries(2):
        count = at_risk_count(scope=Scope(org))
    with scope(organization=org.pk), django_assert_num_queries(4):
        large = at_risk_list(organization=org)

    assert len(small) < len(large) == count


def test_weeks_are_labelled_by_day_and_short_month_in_the_reader_s_language():
    monday = dt.date(2026, 8, 31)

    with translation.override("en"):
        english = week_label(monday)
    with translation.override("es"):
        spanish = week_label(monday)

    assert english == "Aug 31"
    assert spanish.startswith("31") and "ago" in spanish.lower()
    assert "2026" not in english + spanish


def test_no_time_to_match_is_a_dash_with_why_not_zero_days(client, org, org_admin):
    login(client, org_admin)

    response = client.get(
        reverse("analytics:dashboard", args=[org.slug]), headers={"HX-Request": "true"}
    )

    days = next(h for h in response.context["health"].headlines if h.key == "days_to_match")
    assert days.value is None
    html = response.content.decode()
    tile = html[html.index('data-testid="health-no-data-days_to_match"') :]
    assert "\u2014" in tile[:400]
    assert "Nobody was matched in this period." in tile[:600]
    assert "0.0 days" not in html


def test_admins_find_insights_in_the_navigation(client, org, org_admin):
    login(client, org_admin)

    html = client.get(reverse("analytics:dashboard", args=[org.slug])).content.decode()

    insights = html[html.index('data-nav="insights"') - 200 :][:400]
    assert reverse("analytics:dashboard", args=[org.slug]) in insights
    assert 'aria-current="page"' in insights
