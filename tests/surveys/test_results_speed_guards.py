"""What keeps the results page fast at 100,000 responses, held by tests: a repeated view reads
one survey row (the results version) instead of counting responses and invitations; every
submit and every batch of invitations sent changes that version, so a view never shows figures
older than the data; and a fresh view sums the results' counts (tests/surveys/
test_result_counts.py holds them equal to the answers) and reads one page of texts from an
index, never every answer or response."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from surveys.dispatch import invitations_send
from surveys.models import QuestionType, Survey, SurveyResultCount
from surveys.results import survey_results
from surveys.services import response_save
from tests.factories import CohortFactory
from tests.surveys.dispatch_fixtures import make_program
from tests.surveys.dispatch_fixtures import make_survey as make_dispatched_survey
from tests.surveys.factories import (
    OpenSurveyFactory,
    SurveyQuestionFactory,
    SurveySectionFactory,
    invitation_with_token,
)
from tests.surveys.results_fixtures import make_survey, respond

pytestmark = pytest.mark.django_db


def _results(org, survey, **chosen):
    with scope(organization=org.pk):
        return survey_results(organization=org, survey=survey, chosen=chosen)


def _confidence_counts(results) -> dict[str, int]:
    question = next(q for q in results.questions if q.key == "confidence")
    return {value.value: value.count for value in question.counts}


def _version(survey) -> int:
    with scope(organization=survey.organization_id):
        return Survey.objects.get(pk=survey.pk).results_version


@pytest.fixture
def rated_survey(org):
    survey = OpenSurveyFactory(program__organization=org, anonymous=False)
    section = SurveySectionFactory(survey=survey, organization=org)
    SurveyQuestionFactory(section=section, key="confidence", type=QuestionType.SCALE_1_5)
    return survey


def _submit(org, invitation, token, rating: int) -> None:
    response_save(
        organization=org,
        invitation=invitation,
        token=token,
        answers={"confidence": rating},
        submit=True,
    )


def test_a_submit_changes_the_results_version_and_the_next_view_shows_it(org, rated_survey):
    first_invitation, first_token = invitation_with_token(rated_survey)
    second_invitation, second_token = invitation_with_token(rated_survey)
    _submit(org, first_invitation, first_token, 5)
    before = _results(org, rated_survey)
    version = _version(rated_survey)

    _submit(org, second_invitation, second_token, 2)
    after = _results(org, rated_survey)

    assert _version(rated_survey) == version + 1
    assert _confidence_counts(before) == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}
    assert _confidence_counts(after) == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert (after.invited, after.answered) == (2, 2)


def test_a_response_changed_through_its_link_shows_at_once_not_after_the_cache_expires(
    org, rated_survey
):
    invitation, token = invitation_with_token(rated_survey)
    _submit(org, invitation, token, 5)
    assert _confidence_counts(_results(org, rated_survey))["5"] == 1

    _submit(org, invitation, token, 1)

    assert _confidence_counts(_results(org, rated_survey)) == {
        "1": 1,
        "2": 0,
        "3": 0,
        "4": 0,
        "5": 0,
    }


def test_a_partial_save_leaves_the_version_alone(org, rated_survey):
    invitation, token = invitation_with_token(rated_survey)
    version = _version(rated_survey)

    response_save(
        organization=org,
        invitation=invitation,
        token=token,
        answers={"confidence": 3},
        submit=False,
    )

    assert _version(rated_survey) == version


def test_invitations_sent_change_the_version_once_their_batch_commits(
    org, django_capture_on_commit_callbacks
):
    world = make_program(org, pairs=2)
    survey = make_dispatched_survey(org, world.program)
    with scope(organization=org.pk):
        from surveys.dispatch import invitations_create_due

        schedule = survey.schedules.get()
        invitations_create_due(organization=org, survey=survey, schedule=schedule)
    before = _results(org, survey)
    version = _version(survey)

    with scope(organization=org.pk), django_capture_on_commit_callbacks(execute=True):
        sent = invitations_send(organization=org)

    assert sent == 4
    assert _version(survey) == version + 1
    assert before.invited == 0
    assert _results(org, survey).invited == 4


def test_a_reminder_does_not_change_the_version(org, django_capture_on_commit_callbacks):
    world = make_program(org, pairs=1)
    survey = make_dispatched_survey(org, world.program, reminder_after_days=1)
    with scope(organization=org.pk):
        from surveys.dispatch import invitations_create_due, reminders_send

        invitations_create_due(organization=org, survey=survey, schedule=survey.schedules.get())
        with django_capture_on_commit_callbacks(execute=True):
            invitations_send(organization=org)
        version = _version(survey)
        with django_capture_on_commit_callbacks(execute=True):
            reminded = reminders_send(organization=org, now=timezone.now() + dt.timedelta(days=2))

    assert reminded == 2
    assert _version(survey) == version


@pytest.mark.parametrize("filtered", [False, True])
def test_a_repeated_view_is_one_query_and_a_fresh_one_the_same_count_for_3_or_30_responses(
    org, program, filtered
):
    cohort = CohortFactory(program=program)
    chosen = {"country": "GB"} if filtered else {}
    cold, warm = [], []
    for size in (6, 30):
        survey = make_survey(org, program, anonymous=False)
        for i in range(size):
            respond(
                survey,
                {"confidence": 1 + i % 5, "skills": ["sql"], "highlight": "x"},
                cohort=cohort,
                country=("GB", "FR")[i % 2],
            )
        for queries in (cold, warm):
            with scope(organization=org.pk), CaptureQueriesContext(connection) as captured:
                survey_results(organization=org, survey=survey, chosen=chosen)
            queries.append(len(captured))

    assert warm == [1, 1]
    assert cold[0] == cold[1]


def _plan(sql: str, scans: tuple[str, ...]) -> str:
    with connection.cursor() as cursor:
        # Tiny, never vacuumed test tables give an index no edge over reading the table: turn
        # the `scans` off, so the plan shows whether an index can answer the query at all (when
        # none can, the planner falls back to a forbidden scan, and the test fails).
        for scan in scans:
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        for scan in scans:
            cursor.execute(f"SET LOCAL enable_{scan} = on")
    return plan


@pytest.mark.parametrize("chosen", [{}, {"country": "GB"}])
def test_a_fresh_view_reads_the_counts_and_a_page_of_texts_never_every_answer(org, program, chosen):
    cohort = CohortFactory(program=program)
    survey = make_survey(org, program, anonymous=True)
    for i in range(12):
        respond(
            survey,
            {"confidence": 1 + i % 5, "skills": ["sql", "leading"], "highlight": "x"},
            cohort=cohort,
            country=("GB", "FR")[i % 2],
            role=("mentee", "mentor")[i // 6],
        )
    with scope(organization=org.pk), CaptureQueriesContext(connection) as captured:
        results = survey_results(organization=org, survey=survey, chosen=chosen)
    statements = [query["sql"] for query in captured.captured_queries]

    def reading(table: str) -> list[str]:
        return [sql for sql in statements if f'FROM "{table}"' in sql]

    assert results.shown
    # No response is read (the anonymity rule's counts per combination come from the counts)
    # and the only answers read are the first page of each text question's written answers.
    assert reading("surveys_surveyresponse") == []
    (texts,) = reading("surveys_surveyanswer")
    assert "LIMIT 50" in texts and "GROUP BY" not in texts
    # The attributes' counts, the figures, and the invitation counts of the response-rate line:
    # no invitation is read either (their totals and line are counts per quarter hour).
    assert len(reading("surveys_surveyresultcount")) == 3
    assert reading("surveys_surveyinvitation") == []
    # Each read of the counts names `period`, the key index's third column (after the
    # organization and the survey): the figures' reads skip the rate line's rows (one per
    # quarter hour with invitations) in the index, and the rate line's read the figures' rows.
    # (Tiny test tables make the planner prefer any index; the bench shows the key's plans.)
    key = next(
        c for c in SurveyResultCount._meta.constraints if c.name == "survey_result_count_key"
    )
    assert list(key.fields[:3]) == ["organization", "survey", "period"]
    for sql in reading("surveys_surveyresultcount"):
        assert '"period" IS NULL' in sql or '"period" IS NOT NULL' in sql, sql
    # A page of an anonymous survey's texts can walk the written-texts index in its order: with
    # sorting off as well, no other plan is cheap (on tiny tables a sort of any index's rows is).
    if not chosen:
        plan = _plan(texts, ("seqscan", "bitmapscan", "sort"))
        assert "Index Scan using survey_answer_written_ids" in plan
        assert "Sort" not in plan
