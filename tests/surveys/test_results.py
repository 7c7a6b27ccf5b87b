"""Survey results: every question type's figures against hand-computed answers, NPS, text
answers, the anonymity threshold under every filter, the response rate, and bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope

from surveys.anonymity import OTHER, Dimension, Refusal
from surveys.results import (
    nps_breakdown,
    survey_response_rate,
    survey_results,
)
from tests.factories import CohortFactory, ParticipantFactory
from tests.surveys.results_fixtures import invite, make_survey, respond

pytestmark = pytest.mark.django_db


def _results(org, survey, **chosen):
    with scope(organization=org.pk):
        return survey_results(
            organization=org, survey=survey, chosen={Dimension(k): v for k, v in chosen.items()}
        )


def _question(results, key):
    return next(q for q in results.questions if q.key == key)


def _counts(question):
    return {c.value: c.count for c in question.counts}


ANSWERS = [
    {
        "confidence": 5,
        "recommend": 10,
        "good_match": "yes",
        "skills": ["sql", "speaking"],
        "highlight": '=HYPERLINK("x")',
        "approach": {"listens": 5, "challenges": 3},
    },
    {
        "confidence": 4,
        "recommend": 9,
        "good_match": "yes",
        "skills": ["sql"],
        "story": "Long story",
        "approach": {"listens": 4, "challenges": 3},
    },
    {
        "confidence": 4,
        "recommend": 8,
        "good_match": "no",
        "skills": ["leading", "sql", "speaking"],
        "approach": {"listens": 4},
    },
    {"confidence": 2, "recommend": 6, "good_match": "unsure", "highlight": "Met weekly"},
    {"confidence": 1, "recommend": 0, "good_match": "yes", "skills": ["speaking"]},
]


@pytest.fixture
def answered(org, cohort, program):
    """A named survey: no threshold hides a question that few answered."""
    survey = make_survey(org, program, anonymous=False)
    for answers in ANSWERS:
        respond(survey, answers, cohort=cohort)
    return survey


def test_a_scale_question_counts_each_value_with_its_labelled_ends_and_mean(org, answered):
    confidence = _question(_results(org, answered), "confidence")

    assert confidence.answered == 5
    assert _counts(confidence) == {"1": 1, "2": 1, "3": 0, "4": 2, "5": 1}
    assert confidence.counts[0].label == "1 · Not at all"
    assert confidence.counts[-1].label == "5 · Completely"
    assert confidence.mean == 3.2  # (5 + 4 + 4 + 2 + 1) / 5
    assert [c.percent for c in confidence.counts] == [20.0, 20.0, 0.0, 40.0, 20.0]


def test_nps_splits_promoters_passives_and_detractors_and_scores_the_difference(org, answered):
    recommend = _question(_results(org, answered), "recommend")

    assert _counts(recommend) == {str(v): int(v in (10, 9, 8, 6, 0)) for v in range(11)}
    # 10 and 9 promote, 8 is passive, 6 and 0 detract: (2 - 2) / 5.
    assert recommend.nps == nps_breakdown({10: 1, 9: 1, 8: 1, 6: 1, 0: 1})
    assert (recommend.nps.promoters, recommend.nps.passives, recommend.nps.detractors) == (2, 1, 2)
    assert recommend.nps.score == 0


def test_nps_score_is_percent_promoters_minus_percent_detractors():
    breakdown = nps_breakdown({10: 3, 9: 1, 8: 1, 7: 1, 6: 1, 0: 1})
    assert (breakdown.promoters, breakdown.passives, breakdown.detractors) == (4, 2, 2)
    assert breakdown.score == 25  # 50 % - 25 %
    assert nps_breakdown({}).score == 0


def test_a_single_choice_counts_each_choice_of_the_people_who_answered(org, answered):
    good_match = _question(_results(org, answered), "good_match")

    assert _counts(good_match) == {"yes": 3, "no": 1, "unsure": 1}
    assert [c.label for c in good_match.counts] == ["Yes", "No", "Not sure"]
    assert good_match.counts[0].percent == 60.0


def test_a_multiple_choice_counts_people_not_rows(org, answered):
    skills = _question(_results(org, answered), "skills")

    # Four people answered; SQL was chosen by three of them.
    assert skills.answered == 4
    assert _counts(skills) == {"sql": 3, "speaking": 3, "leading": 1}
    assert skills.counts[0].percent == 75.0


def test_a_matrix_counts_each_statement_on_its_own(org, answered):
    approach = _question(_results(org, answered), "approach")

    listens, challenges = approach.statements
    assert (listens.key, listens.answered, listens.mean) == ("listens", 3, 4.33)
    assert {c.value: c.count for c in listens.counts} == {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}
    assert (challenges.answered, challenges.mean) == (2, 3.0)


def test_anonymous_text_answers_few_people_wrote_are_withheld(org, program, cohort):
    survey = make_survey(org, program, anonymous=True)
    for answers in ANSWERS:
        respond(survey, answers, cohort=cohort)
    with scope(organization=org.pk):
        org.survey_anonymity_threshold = 3
        org.save()

    results = _results(org, survey)

    # Two people wrote a highlight, one a story: below the threshold of 3.
    assert _question(results, "highlight").withheld
    assert _question(results, "highlight").texts == []
    assert _question(results, "story").withheld
    assert not _question(results, "confidence").withheld


def test_anonymous_text_answers_once_enough_people_wrote_carry_no_attribute(org, program, cohort):
    survey = make_survey(org, program, anonymous=True)
    for n in range(5):
        respond(survey, {"highlight": f"Highlight {n}"}, cohort=cohort, country=["GB", "FR"][n % 2])

    highlight = _question(_results(org, survey), "highlight")

    assert sorted(t.text for t in highlight.texts) == [f"Highlight {n}" for n in range(5)]
    assert all(t.respondent == "" and t.submitted_on is None for t in highlight.texts)


def test_named_text_answers_say_who_wrote_them(org, program, cohort):
    survey = make_survey(org, program, anonymous=False)
    ana = ParticipantFactory(cohort=cohort, full_name="Ana Souza")
    respond(survey, {"highlight": "We met every week"}, cohort=cohort, participant=ana)

    highlight = _question(_results(org, survey), "highlight")

    assert [(t.text, t.respondent) for t in highlight.texts] == [("We met every week", "Ana Souza")]
    assert highlight.texts[0].submitted_on == timezone.localdate()


def test_unsubmitted_responses_count_nowhere(org, program, cohort):
    survey = make_survey(org, program, anonymous=False)
    respond(survey, {"confidence": 5}, cohort=cohort)
    respond(survey, {"confidence": 1}, cohort=cohort, submitted=False)

    results = _results(org, survey)

    assert results.total == 1
    assert _counts(_question(results, "confidence"))["1"] == 0


# ---------------------------------------------------------------------------------------------
# The anonymity threshold
# ---------------------------------------------------------------------------------------------


def test_an_anonymous_survey_shows_nothing_until_it_has_threshold_responses(org, program, cohort):
    survey = make_survey(org, program, anonymous=True)
    for _ in range(4):
        respond(survey, {"confidence": 5}, cohort=cohort)

    early = _results(org, survey)
    assert (early.shown, early.refusal, early.questions) == (False, Refusal.TOO_FEW_RESPONSES, [])

    respond(survey, {"confidence": 4}, cohort=cohort)
    assert _results(org, survey).shown


def test_the_organizations_threshold_decides_and_never_goes_below_three(org, program, cohort):
    survey = make_survey(org, program, anonymous=True)
    for _ in range(3):
        respond(survey, {"confidence": 5}, cohort=cohort)
    assert not _results(org, survey).shown
    with scope(organization=org.pk):
        org.survey_anonymity_threshold = 3
        org.save()
    assert _results(org, survey).shown
    with scope(organization=org.pk):
        org.survey_anonymity_threshold = 1
        org.save()
    results = _results(org, survey)
    assert results.threshold == 3


def test_a_question_fewer_people_answered_than_the_threshold_is_withheld(org, program, cohort):
    survey = make_survey(org, program, anonymous=True)
    for n in range(6):
        respond(survey, {"confidence": 4, **({"recommend": 0} if n == 0 else {})}, cohort=cohort)

    results = _results(org, survey)

    recommend = _question(results, "recommend")
    assert recommend.withheld and recommend.nps is None and recommend.counts == []
    assert not _question(results, "confidence").withheld


@pytest.fixture
def one_mentor_among_mentees(org, program):
    """Eleven in GB (ten mentees, one mentor, who alone answered 1) and six FR mentors."""
    spring, autumn = CohortFactory(program=program), CohortFactory(program=program)
    survey = make_survey(org, program, anonymous=True)
    for _ in range(10):
        respond(survey, {"confidence": 5}, cohort=spring, country="GB", role="mentee")
    respond(survey, {"confidence": 1}, cohort=spring, country="GB", role="mentor")
    for _ in range(6):
        respond(survey, {"confidence": 4}, cohort=autumn, country="FR", role="mentor")
    return survey, spring, autumn


def _ones(results):
    """How many people answered 1 to confidence in what the results show."""
    if not results.shown or _question(results, "confidence").withheld:
        return None
    return _counts(_question(results, "confidence"))["1"]


def test_no_filter_combination_isolates_the_one_person_who_answered_differently(
    org, one_mentor_among_mentees
):
    survey, spring, _autumn = one_mentor_among_mentees
    attempts = [
        {"role": "mentor", "country": "GB"},
        {"role": "mentor", "cohort": str(spring.pk)},
        {"role": "mentee", "country": "GB"},
        {"role": "mentee", "cohort": str(spring.pk)},
        {"role": "mentor", "country": "GB", "cohort": str(spring.pk)},
        {"role": "mentor", "function": "Engineering", "seniority": "2", "country": "GB"},
    ]
    for chosen in attempts:
        results = _results(org, survey, **chosen)
        assert not results.shown, chosen
        assert results.questions == []


def test_differencing_two_shown_views_never_reveals_one_person(org, one_mentor_among_mentees):
    """Every view that is shown, and every difference between two nested ones."""
    survey, spring, autumn = one_mentor_among_mentees
    whole = _results(org, survey)
    options = {
        "role": [None, "mentee", "mentor"],
        "country": [None, "GB", "FR", OTHER],
        "cohort": [None, str(spring.pk), str(autumn.pk)],
    }
    shown = {}
    for role in options["role"]:
        for country in options["country"]:
            for cohort in options["cohort"]:
                chosen = {
                    k: v
                    for k, v in {"role": role, "country": country, "cohort": cohort}.items()
                    if v
                }
                results = _results(org, survey, **chosen)
                if results.shown:
                    assert results.group_size >= whole.threshold or results.group_size == 0
                    shown[(role, country, cohort)] = (results.group_size, _ones(results))
    assert shown[(None, None, None)] == (17, 1)
    for wide, (wide_size, _wide_ones) in shown.items():
        for narrow, (narrow_size, _narrow_ones) in shown.items():
            nested = all(w is None or w == n for w, n in zip(wide, narrow, strict=True))
            if nested and wide != narrow:
                left = wide_size - narrow_size
                assert left == 0 or left >= whole.threshold, (wide, narrow)


def test_the_complement_of_a_filter_within_the_survey_must_be_large_enough(org, program, cohort):
    survey = make_survey(org, program, anonymous=True)
    for _ in range(9):
        respond(survey, {"confidence": 5}, cohort=cohort, function="Sales")
    respond(survey, {"confidence": 1}, cohort=cohort, function="Legal")

    # "Sales" is everyone but the one Legal answer: the whole minus Sales would be that person.
    assert not _results(org, survey, function="Sales").shown
    assert Dimension.FUNCTION not in {
        d for d, choices in _results(org, survey).filters.items() if choices
    }


def test_small_values_are_only_offered_pooled_as_other(org, program):
    survey = make_survey(org, program, anonymous=True)
    cohort = CohortFactory(program=program)
    for country, n in (("GB", 6), ("FR", 6), ("DE", 2), ("ES", 3)):
        for _ in range(n):
            respond(survey, {"confidence": 3}, cohort=cohort, country=country)

    results = _results(org, survey)
    keys = [choice.key for choice in results.filters[Dimension.COUNTRY]]
    assert sorted(keys) == sorted(["GB", "FR", OTHER])
    assert not _results(org, survey, country="DE").shown
    other = _results(org, survey, country=OTHER)
    assert (other.shown, other.group_size) == (True, 5)


def test_a_named_survey_filters_without_a_threshold(org, program):
    survey = make_survey(org, program, anonymous=False)
    cohort = CohortFactory(program=program)
    respond(survey, {"confidence": 1}, cohort=cohort, country="DE")
    respond(survey, {"confidence": 5}, cohort=cohort, country="GB")

    results = _results(org, survey, country="DE")

    assert (results.shown, results.group_size) == (True, 1)
    assert _counts(_question(results, "confidence"))["1"] == 1


# ---------------------------------------------------------------------------------------------
# Response rate and query counts
# ---------------------------------------------------------------------------------------------


def test_the_response_rate_runs_per_day_from_the_first_invitation(org, program, cohort):
    survey = make_survey(org, program, anonymous=True)
    start = timezone.now().replace(hour=12) - dt.timedelta(days=3)
    people = [ParticipantFactory(cohort=cohort) for _ in range(3)]
    invite(survey, people[0], sent_at=start, answered_at=start + dt.timedelta(hours=1))
    invite(survey, people[1], sent_at=start, answered_at=start + dt.timedelta(days=2))
    invite(survey, people[2], sent_at=start + dt.timedelta(days=1))

    with scope(organization=org.pk):
        points = survey_response_rate(organization=org, survey=survey)

    day = timezone.localdate(start)
    assert [(p.day - day).days for p in points] == [0, 1, 2]
    assert [(p.invited, p.answered) for p in points] == [(2, 1), (3, 1), (3, 2)]
    results = _results(org, survey)
    assert (results.invited, results.answered, results.response_rate) == (3, 2, 66.7)


def test_results_take_the_same_queries_for_ten_or_sixty_responses(
    org, program, django_assert_max_num_queries
):
    cohort = CohortFactory(program=program)
    small = make_survey(org, program, anonymous=True)
    large = make_survey(org, program, anonymous=True)
    for survey, n in ((small, 10), (large, 60)):
        for i in range(n):
            respond(
                survey,
                {
                    "confidence": 1 + i % 5,
                    "recommend": i % 11,
                    "skills": ["sql"],
                    "highlight": "x",
                    "approach": {"listens": 3},
                },
                cohort=cohort,
                country=["GB", "FR"][i % 2],
            )
    counts = []
    for survey in (small, large):
        with scope(organization=org.pk):
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                survey_results(organization=org, survey=survey, chosen={Dimension.COUNTRY: "GB"})
            counts.append(len(captured))
    assert counts[0] == counts[1]
    with scope(organization=org.pk), django_assert_max_num_queries(8):
        survey_results(organization=org, survey=large, chosen={Dimension.COUNTRY: "GB"})


def test_a_repeated_view_comes_from_the_cache_until_a_new_response_changes_it(org, program, cohort):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    survey = make_survey(org, program, anonymous=False)
    respond(survey, {"confidence": 5}, cohort=cohort)
    first = _results(org, survey)
    with scope(organization=org.pk), CaptureQueriesContext(connection) as repeated:
        again = survey_results(organization=org, survey=survey)
    respond(survey, {"confidence": 1}, cohort=cohort)
    after = _results(org, survey)

    assert len(repeated) == 1  # the survey's results version only
    assert _counts(_question(again, "confidence")) == _counts(_question(first, "confidence"))
    assert _counts(_question(after, "confidence"))["1"] == 1
