"""The fairness audit over the database (analytics/fairness_selectors.py) and its pages
(analytics/views_fairness.py): groups compared with everyone else, small groups folded under
the anonymity threshold through every filter, flagged gaps in words, another organization's
people and rounds never counted, members refused."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from analytics.fairness_selectors import fairness_attributes, fairness_audit, round_fairness_audit
from matching.models import MatchProposal, MatchRound, ProposalStatus, UnmatchedMentee
from mentorships.models import CheckIn, CheckInRecord, CheckInStatus, Mentorship, MentorshipMentee
from participants.models import Participant
from programs.models import EnrollmentQuestion
from tests.conftest import login
from tests.factories import (
    CohortFactory,
    EnrollmentQuestionFactory,
    ParticipantFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db


def _mentees(cohort, n, *, matched=0, function="Engineering", country="GB", **profile):
    """`n` mentees of `cohort`, the first `matched` of them matched to a mentor a day after
    they joined."""
    people = []
    with scopes_disabled():
        mentor = ParticipantFactory(cohort=cohort, role="mentor", mentor_capacity=20)
        for i in range(n):
            mentee = ParticipantFactory(
                cohort=cohort, role="mentee", function=function, country=country, **profile
            )
            people.append(mentee)
            if i < matched:
                _match(mentor, mentee)
    return people


def _match(mentor, mentee, *, after=dt.timedelta(days=1)):
    joined = timezone.now() - dt.timedelta(days=30)
    Participant.objects.filter(pk=mentee.pk).update(created_at=joined)
    mentorship = Mentorship.objects.create(
        organization=mentor.organization,
        cohort=mentor.cohort,
        mentor=mentor,
        started_on=(joined + after).date(),
    )
    MentorshipMentee.objects.create(
        organization=mentor.organization,
        mentorship=mentorship,
        mentee=mentee,
        created_at=joined + after,
    )
    return mentorship


def _audit(org, **kwargs):
    return fairness_audit(organization=org, **kwargs)


def _attribute(audit, key):
    return next(a for a in audit.attributes if a.key == key)


def _rows(attribute, metric="matched"):
    return {row.label: row.cells[metric] for row in attribute.rows}


@pytest.fixture
def operations_gap(cohort):
    """Operations: 2 of 10 mentees matched; Engineering: 9 of 10. Fisher's exact test on
    [[2, 8], [9, 1]] gives p = 0.0055; Holm's adjustment over the two groups doubles it."""
    _mentees(cohort, 10, matched=2, function="Operations")
    _mentees(cohort, 10, matched=9, function="Engineering")
    return cohort


def test_each_group_is_compared_with_everyone_else(org, operations_gap):
    function = _attribute(_audit(org, attribute="function"), "function")

    rows = _rows(function)
    assert rows["Operations"].value == pytest.approx(0.2)
    assert rows["Operations"].n == 10
    assert rows["Operations"].gap.difference == pytest.approx(-0.7)
    assert rows["Operations"].gap.low < -0.7 < rows["Operations"].gap.high
    assert rows["Engineering"].gap.difference == pytest.approx(0.7)
    assert rows["Operations"].adjusted_p == pytest.approx(2 * rows["Operations"].gap.p_value)


def test_a_flagged_gap_reads_as_a_sentence(org, operations_gap):
    audit = _audit(org, attribute="function")

    sentences = [finding.sentence for finding in audit.findings]
    assert (
        "Mentees in Operations were matched 70 points less often than everyone else (p = 0.01)."
        in sentences
    )
    assert (
        "Mentees in Engineering were matched 70 points more often than everyone else (p = 0.01)."
        in sentences
    )


def test_equal_rates_raise_no_flag(org, cohort):
    _mentees(cohort, 10, matched=5, function="Operations")
    _mentees(cohort, 10, matched=5, function="Engineering")

    audit = _audit(org, attribute="function")

    assert audit.findings == []
    assert _rows(_attribute(audit, "function"))["Operations"].gap.difference == 0


def test_time_to_match_and_satisfaction_are_compared_as_means(org, cohort):
    """Sales mentees waited 10 days each, Legal ones 2 days: the gap is 8 days, certain."""
    with scopes_disabled():
        mentor = ParticipantFactory(cohort=cohort, role="mentor", mentor_capacity=20)
        for function, days, rating in (("Sales", 10, 2), ("Legal", 2, 5)):
            for _ in range(6):
                mentee = ParticipantFactory(cohort=cohort, function=function)
                mentorship = _match(mentor, mentee, after=dt.timedelta(days=days))
                check_in = CheckIn.objects.create(
                    organization=org,
                    mentorship=mentorship,
                    organizer=mentor,
                    starts_at=timezone.now() - dt.timedelta(days=1),
                    ends_at=timezone.now() - dt.timedelta(days=1) + dt.timedelta(hours=1),
                    time_zone="UTC",
                    status=CheckInStatus.SCHEDULED,
                    ical_uid=f"fair-{mentee.pk}@test",
                )
                CheckInRecord.objects.create(
                    organization=org,
                    check_in=check_in,
                    participant=mentee,
                    happened=True,
                    rating=rating,
                )

    function = _attribute(_audit(org, attribute="function"), "function")

    days = _rows(function, "days_to_match")
    assert days["Sales"].value == pytest.approx(10)
    assert days["Sales"].gap.difference == pytest.approx(8)
    assert days["Sales"].flagged
    assert _rows(function, "rating")["Legal"].value == pytest.approx(5)
    assert _rows(function, "checked_in")["Legal"].value == pytest.approx(1)


def test_small_groups_are_folded_into_other(org, cohort):
    _mentees(cohort, 8, matched=4, function="Engineering")
    _mentees(cohort, 6, matched=3, function="Sales")
    _mentees(cohort, 2, matched=0, function="Legal")
    _mentees(cohort, 2, matched=2, function="Finance")

    function = _attribute(_audit(org, attribute="function"), "function")

    # Legal and Finance make 4, under 5: the smallest shown group, Sales, joins them.
    assert [row.label for row in function.rows] == ["Engineering", "Other"]
    assert [row.n for row in function.rows] == [8, 10]
    assert _rows(function)["Other"].value == pytest.approx(0.5)


def test_a_scope_under_the_threshold_shows_nothing(org, cohort):
    _mentees(cohort, 4, matched=1)

    audit = _audit(org, cohort_id=cohort.pk, attribute="country")

    assert _attribute(audit, "country").suppressed
    assert _attribute(audit, "country").rows == []


def test_a_figure_of_too_few_people_is_withheld(org, cohort):
    """Everyone is in one of two groups of 6; only 3 Sales mentees were matched, so days to
    match of Sales (3 people) is withheld, and so is Legal's, which would reveal it."""
    _mentees(cohort, 6, matched=3, function="Sales")
    _mentees(cohort, 6, matched=6, function="Legal")

    days = _rows(_attribute(_audit(org, attribute="function"), "function"), "days_to_match")

    assert days["Sales"].withheld and days["Sales"].value is None
    assert days["Legal"].withheld and days["Legal"].value is None


def test_filters_cannot_single_out_one_person(org, program):
    """Cohort A has 5 Sales and 5 Engineering mentees; cohort B one Sales mentee and 5 in
    Engineering. The program's page shows Sales 6: were cohort A to show Sales 5, the two
    pages together would tell whether the Sales mentee of cohort B was matched."""
    cohort_a = CohortFactory(program=program, name="A")
    cohort_b = CohortFactory(program=program, name="B")
    _mentees(cohort_a, 5, matched=5, function="Sales")
    _mentees(cohort_a, 5, matched=1, function="Engineering")
    (lonely,) = _mentees(cohort_b, 1, matched=0, function="Sales")
    _mentees(cohort_b, 5, matched=1, function="Engineering")

    program_view = _rows(_attribute(_audit(org, program_id=program.pk), "function"))
    cohort_views = [
        _attribute(_audit(org, cohort_id=cohort.pk), "function") for cohort in (cohort_a, cohort_b)
    ]

    assert program_view["Sales"].n == 6
    for view in cohort_views:
        shown = {row.label: row.n for row in view.rows}
        # Whatever a cohort shows, subtracting it from the program leaves 0 or 5+ people.
        assert "Sales" not in shown
        for label, n in shown.items():
            if label in program_view:
                assert program_view[label].n - n == 0 or program_view[label].n - n >= 5
    assert lonely.full_name not in str(cohort_views)


def test_sensitive_enrollment_questions_are_audited(org, cohort):
    question = EnrollmentQuestionFactory(
        cohort=cohort, label="Gender", choices=["Woman", "Man"], sensitive=True
    )
    EnrollmentQuestionFactory(cohort=cohort, label="Format", sensitive=False)
    _mentees(cohort, 6, matched=1, answers={question.answer_key: "Woman"})
    _mentees(cohort, 6, matched=6, answers={question.answer_key: "Man"})

    audit = _audit(org)

    keys = [attribute.key for attribute in audit.attributes]
    assert question.answer_key in keys
    assert "Format" not in str([a.label for a in audit.attributes])
    gender = _rows(_attribute(audit, question.answer_key))
    assert gender["Woman"].value == pytest.approx(1 / 6)
    assert any("answered “Woman” to “Gender" in f.sentence for f in audit.findings)


def test_a_question_marked_sensitive_on_its_form_becomes_an_attribute(
    client, org, program_manager, cohort
):
    login(client, program_manager)

    response = client.post(
        reverse("programs:question_add", args=[org.slug, cohort.pk]),
        {
            "label": "Ethnicity",
            "kind": "single_choice",
            "choices": "A\nB",
            "audience": "everyone",
            "sensitive": "on",
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert b"Sensitive" in response.content
    with scopes_disabled():
        question = EnrollmentQuestion.objects.get(label="Ethnicity")
    assert question.sensitive
    attributes = fairness_attributes(organization=org, cohort_id=cohort.pk)
    assert [a.label for a in attributes][-1] == "Ethnicity"


def test_another_organizations_people_are_never_counted(org, other_org, operations_gap):
    other_cohort = CohortFactory(program=ProgramFactory(organization=other_org))
    _mentees(other_cohort, 30, matched=0, function="Operations")

    ours = _rows(_attribute(_audit(org, attribute="function"), "function"))
    foreign = _audit(org, cohort_id=other_cohort.pk, attribute="function")

    assert ours["Operations"].n == 10
    assert _attribute(foreign, "function").suppressed  # nobody in scope


def _round(cohort, proposed, left_out):
    """A proposed round: `proposed` mentees with a proposal scored 0.8, `left_out` unmatched."""
    with scopes_disabled():
        mentor = ParticipantFactory(cohort=cohort, role="mentor", mentor_capacity=20)
        match_round = MatchRound.objects.create(
            organization=cohort.organization, cohort=cohort, status="proposed"
        )
        for mentee in proposed:
            MatchProposal.objects.create(
                organization=cohort.organization,
                match_round=match_round,
                mentee=mentee,
                mentor=mentor,
                score=0.8,
                status=ProposalStatus.PROPOSED,
            )
        for mentee in left_out:
            UnmatchedMentee.objects.create(
                organization=cohort.organization, match_round=match_round, mentee=mentee
            )
    return match_round


def test_a_round_is_audited_over_its_own_proposals(org, cohort):
    operations = _mentees(cohort, 10, function="Operations")
    engineering = _mentees(cohort, 10, function="Engineering")
    match_round = _round(cohort, operations[:2] + engineering[:9], operations[2:] + engineering[9:])

    audit = round_fairness_audit(organization=org, match_round=match_round)

    rows = _rows(_attribute(audit, "function"), "proposed")
    assert rows["Operations"].value == pytest.approx(0.2)
    assert rows["Operations"].flagged
    assert (
        "Mentees in Operations were proposed a mentor 70 points less often than everyone else "
        "in this round (p = 0.01)." in [f.sentence for f in audit.findings]
    )


def test_the_page_shows_tables_chart_and_sentences(client, org, org_admin, operations_gap):
    login(client, org_admin)

    response = client.get(
        reverse("analytics:fairness", args=[org.slug]),
        {"cohort": operations_gap.pk, "attribute": "function"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Mentees in Operations were matched 70 points less often" in html
    assert 'data-fairness-chart="fairness-chart-function"' in html
    assert "Holm" in html
    assert "-70" in html


@pytest.mark.parametrize("role", ["program_manager", "hr_analyst", "owner"])
def test_program_team_and_hr_analysts_read_the_audit(client, org, role, request):
    login(client, request.getfixturevalue(role))

    assert client.get(reverse("analytics:fairness", args=[org.slug])).status_code == 200


def test_members_are_refused(client, org, member, cohort):
    login(client, member)
    match_round = MatchRound.objects.create(organization=org, cohort=cohort)

    assert client.get(reverse("analytics:fairness", args=[org.slug])).status_code == 403
    assert (
        client.get(reverse("analytics:fairness_round", args=[org.slug, match_round.pk])).status_code
        == 403
    )


def test_another_organizations_round_is_not_found(client, org, org_admin, other_cohort):
    login(client, org_admin)
    foreign = MatchRound.objects.create(organization=other_cohort.organization, cohort=other_cohort)

    response = client.get(reverse("analytics:fairness_round", args=[org.slug, foreign.pk]))

    assert response.status_code == 404


def test_the_round_page_audits_the_round(client, org, org_admin, cohort):
    login(client, org_admin)
    operations = _mentees(cohort, 10, function="Operations")
    engineering = _mentees(cohort, 10, function="Engineering")
    match_round = _round(cohort, operations[:2] + engineering[:9], operations[2:] + engineering[9:])

    html = client.get(
        reverse("analytics:fairness_round", args=[org.slug, match_round.pk])
    ).content.decode()

    assert "were proposed a mentor 70 points less often" in html


def test_the_audit_costs_the_same_queries_whatever_the_size(
    org, cohort, django_assert_max_num_queries
):
    _mentees(cohort, 30, matched=12, function="Operations")
    _mentees(cohort, 30, matched=20, function="Engineering")

    # The attributes, the cohort's program, and per attribute its counts and the wider scopes'.
    with django_assert_max_num_queries(2 + 3 * 3):
        _audit(org, cohort_id=cohort.pk)
