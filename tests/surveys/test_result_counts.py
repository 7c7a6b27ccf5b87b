"""The results' counts: kept by every submit (and edit) in its own transaction, equal to a count
made again from the answers, never losing an increment to a concurrent submit, and made from
the answers when responses were written around the services."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import random
import threading
import zoneinfo
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from surveys.models import (
    QuestionType,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyResultCount,
)
from surveys.result_counts import (
    rate_period,
    result_counts_change,
    survey_result_counts_rebuild,
)
from surveys.results import survey_results
from surveys.services import response_save
from tests.celery_helpers import wait_for
from tests.factories import CohortFactory, ParticipantFactory
from tests.surveys.dispatch_fixtures import dispatch, link_token, make_program
from tests.surveys.dispatch_fixtures import make_survey as make_dispatched_survey
from tests.surveys.factories import invitation_with_token
from tests.surveys.results_fixtures import EVERY_TYPE, make_survey


def _counts(survey) -> dict[tuple[Any, ...], int]:
    """Every non-zero count of the survey by its whole key (an edit can leave a row at 0)."""
    with scopes_disabled():
        rows = SurveyResultCount.objects.filter(survey=survey, n__gt=0).values_list(
            "whole",
            "question_id",
            "statement",
            "number",
            "choice",
            "cohort",
            "role",
            "country",
            "function",
            "seniority",
            "period",
            "n",
        )
        return {row[:-1]: row[-1] for row in rows}


def _random_answers(rng: random.Random, questions: list[SurveyQuestion]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in questions:
        if rng.random() < 0.3:
            continue
        if question.type == QuestionType.SCALE_1_5:
            answers[question.key] = rng.randint(1, 5)
        elif question.type == QuestionType.NPS:
            answers[question.key] = rng.randint(0, 10)
        elif question.type == QuestionType.SINGLE:
            answers[question.key] = rng.choice([c["value"] for c in question.choices])
        elif question.type == QuestionType.MULTIPLE:
            values = [c["value"] for c in question.choices]
            answers[question.key] = rng.sample(values, rng.randint(1, len(values)))
        elif question.type == QuestionType.MATRIX:
            keys = [s["key"] for s in question.statements]
            chosen = rng.sample(keys, rng.randint(1, len(keys)))
            answers[question.key] = {key: rng.randint(1, 5) for key in chosen}
        else:
            answers[question.key] = rng.choice(["Clear goals", "More time", "Good questions"])
    return answers


@pytest.mark.django_db
@pytest.mark.parametrize("anonymous", [True, False])
def test_counts_kept_by_a_random_run_of_submits_and_edits_equal_a_rebuild(org, program, anonymous):
    rng = random.Random(20261129 + anonymous)
    survey = make_survey(org, program, anonymous=anonymous)
    cohorts = [CohortFactory(program=program), CohortFactory(program=program)]
    people = [
        invitation_with_token(
            survey,
            participant=ParticipantFactory(
                cohort=cohorts[i % 2],
                organization=org,
                country=("GB", "FR", "BR")[i % 3],
                function=("Engineering", "Sales")[i % 2],
                seniority=(1, 3, 5)[i % 3],
            ),
            role=("mentee", "mentor")[i % 2],
        )
        for i in range(9)
    ]
    with scope(organization=org.pk):
        questions = list(SurveyQuestion.objects.filter(survey=survey).order_by("position"))
    submitted = set()
    for _step in range(45):
        index = rng.randrange(len(people))
        invitation, token = people[index]
        # Partial saves (which count nothing) between submits and edits of earlier responses.
        submit = rng.random() < 0.8
        response_save(
            organization=org,
            invitation=invitation,
            token=token,
            answers=_random_answers(rng, questions),
            submit=submit,
        )
        if submit:
            submitted.add(index)
    kept = _counts(survey)

    with scope(organization=org.pk):
        survey_result_counts_rebuild(organization=org, survey=survey)

    assert kept == _counts(survey)
    responses_row = (True, None, "", None, "", None, "", "", "", None, None)
    assert kept[responses_row] == len(submitted) > 3


@pytest.mark.django_db
def test_an_edit_moves_the_counts_from_the_old_answers_to_the_new(org, program):
    survey = make_survey(org, program, anonymous=False)
    invitation, token = invitation_with_token(survey)

    def submit(answers):
        response_save(
            organization=org, invitation=invitation, token=token, answers=answers, submit=True
        )
        with scope(organization=org.pk):
            results = survey_results(organization=org, survey=survey)
        return {q.key: q for q in results.questions}

    before = submit({"confidence": 5, "skills": ["sql", "leading"], "highlight": "Goals"})
    after = submit({"confidence": 2, "skills": ["speaking"]})

    assert [c.count for c in before["confidence"].counts] == [0, 0, 0, 0, 1]
    assert [c.count for c in after["confidence"].counts] == [0, 1, 0, 0, 0]
    assert {c.value: c.count for c in after["skills"].counts} == {
        "sql": 0,
        "speaking": 1,
        "leading": 0,
    }
    assert (before["highlight"].answered, after["highlight"].answered) == (1, 0)
    assert (before["skills"].answered, after["skills"].answered) == (1, 1)
    assert after["confidence"].answered == 1


def _in_two_threads(work) -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_both_count(org, program):
    survey = make_survey(org, program, anonymous=True)
    people = [invitation_with_token(survey) for _ in range(2)]

    def submit(index: int) -> None:
        invitation, token = people[index]
        response_save(
            organization=org,
            invitation=invitation,
            token=token,
            answers={"confidence": 4, "skills": ["sql"]},
            submit=True,
        )

    _in_two_threads(submit)

    with scope(organization=org.pk):
        confidence = SurveyQuestion.objects.get(survey=survey, key="confidence")
        whole = SurveyResultCount.objects.filter(survey=survey, whole=True)
        assert whole.get(question=None, period=None).n == 2
        assert whole.get(question=confidence, number=4).n == 2
        assert SurveyResponse.objects.filter(survey=survey, submitted_at__isnull=False).count() == 2


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        # Statistics views keep one snapshot per transaction unless told to take a new one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


@pytest.mark.django_db(transaction=True)
def test_two_increments_of_one_new_row_in_open_transactions_are_both_kept(org, program):
    """Without the survey's lock that submits take first: both transactions insert the same
    missing row; the second waits for the first to commit and then adds to it (ON CONFLICT DO
    UPDATE SET n = n + excluded.n) instead of writing a count read before the first commit."""
    survey = make_survey(org, program, anonymous=True, questions=EVERY_TYPE[:1])
    with scope(organization=org.pk):
        question = SurveyQuestion.objects.get(survey=survey)
        responses = [
            SurveyResponse.objects.create(
                organization=org, survey=survey, respondent_key=f"{i:064d}", country="GB"
            )
            for i in range(2)
        ]
    second_pid: list[int] = []
    ready = threading.Barrier(2)

    def count(index: int) -> None:
        result_counts_change(
            organization=org,
            response=responses[index],
            before=None,
            after=[(question.pk, "", 3, "", False)],
        )

    def run(index: int) -> None:
        if index == 1:
            second_pid.append(_backend_pid())
            ready.wait(timeout=30)
            with transaction.atomic():
                count(1)
            return
        with transaction.atomic():
            count(0)
            ready.wait(timeout=30)
            # Commit only once the second is blocked on the row this one inserted.
            wait_for(lambda: _waiting_on_a_lock(second_pid[0]), seconds=60)

    _in_two_threads(run)

    with scope(organization=org.pk):
        rows = SurveyResultCount.objects.filter(survey=survey, question=question, number=3)
        assert sorted(rows.values_list("whole", "n")) == [(False, 2), (True, 2)]


@pytest.mark.django_db
def test_responses_written_around_the_services_are_counted_at_the_first_view(org, program):
    survey = make_survey(org, program, anonymous=False, questions=EVERY_TYPE[:1])
    with scope(organization=org.pk):
        question = SurveyQuestion.objects.get(survey=survey)
        for rating in (2, 5, 5):
            response = SurveyResponse.objects.create(
                organization=org,
                survey=survey,
                respondent_key=f"{rating}{SurveyResponse.objects.count():063d}",
                submitted_at=survey.opens_at,
            )
            SurveyAnswer.objects.create(
                organization=org, survey=survey, response=response, question=question, number=rating
            )

        results = survey_results(organization=org, survey=survey)

    assert results.total == 3
    assert [c.count for c in results.questions[0].counts] == [0, 1, 0, 0, 2]


@pytest.mark.django_db
def test_the_rebuild_command_counts_an_organizations_surveys_again(org, program, other_org):
    survey = make_survey(org, program, anonymous=True, questions=EVERY_TYPE[:1])
    invitation, token = invitation_with_token(survey)
    response_save(
        organization=org, invitation=invitation, token=token, answers={"confidence": 3}, submit=True
    )
    kept = _counts(survey)
    with scopes_disabled():
        SurveyResultCount.objects.filter(survey=survey).update(n=7)

    output = io.StringIO()
    call_command("survey_results_rebuild", "--organization", org.slug, stdout=output)

    assert "1 surveys" in output.getvalue()

    assert _counts(survey) == kept
    assert kept[(True, None, "", None, "", None, "", "", "", None, None)] == 1


def _rate_counts(survey) -> dict[tuple[str, Any], int]:
    """The response-rate counts: invitations sent and answered per quarter hour."""
    with scopes_disabled():
        rows = SurveyResultCount.objects.filter(
            survey=survey, period__isnull=False, n__gt=0
        ).values_list("choice", "period", "n")
        return {(choice, period): n for choice, period, n in rows}


@pytest.mark.django_db
@pytest.mark.parametrize("anonymous", [True, False])
def test_invitation_counts_kept_by_random_dispatches_and_submits_equal_a_rebuild(org, anonymous):
    rng = random.Random(20261130 + anonymous)
    world = make_program(org, pairs=2)
    survey = make_dispatched_survey(org, world.program, anonymous=anonymous)
    start = timezone.now() - dt.timedelta(days=4)
    mail.outbox = []
    tokens: dict[str, str] = {}
    submitted_at: dict[str, dt.datetime] = {}
    for _step in range(8):
        # New people join, then a scan at some moment of the last four days sends to them.
        for _ in range(rng.randint(0, 3)):
            ParticipantFactory(cohort=world.cohort, organization=org, role="mentee")
        dispatch(org, now=start + dt.timedelta(minutes=rng.randrange(4 * 24 * 60)))
        for message in mail.outbox:
            tokens.setdefault(message.to[0], link_token(message))
        # Some of those invited save, submit or edit, at moments of their own.
        for address in rng.sample(sorted(tokens), k=min(3, len(tokens))):
            with scope(organization=org.pk):
                invitation = SurveyInvitation.objects.get(survey=survey, email=address)
            submit = rng.random() < 0.7
            moment = start + dt.timedelta(minutes=rng.randrange(4 * 24 * 60))
            response_save(
                organization=org,
                invitation=invitation,
                token=tokens[address],
                answers={"rating": rng.randint(1, 5)},
                submit=submit,
                now=moment,
            )
            if submit:
                submitted_at.setdefault(address, moment)
    kept = _rate_counts(survey)

    with scope(organization=org.pk):
        survey_result_counts_rebuild(organization=org, survey=survey)
        invitations = list(SurveyInvitation.objects.filter(survey=survey, sent_at__isnull=False))

    assert kept == _rate_counts(survey)
    assert sum(n for (choice, _), n in kept.items() if choice == "invited") == len(invitations)
    assert len(invitations) == len(tokens) > 6
    answered = [i.answered_at for i in invitations if i.answered_at is not None]
    assert sorted(answered) == sorted(submitted_at.values())
    assert sum(n for (choice, _), n in kept.items() if choice == "answered") == len(answered) > 2
    # Each count sits in the quarter hour of its moments.
    assert Counter(("invited", rate_period(i.sent_at)) for i in invitations) + Counter(
        ("answered", rate_period(moment)) for moment in answered
    ) == Counter(kept)


def test_a_quarter_hour_starts_on_a_quarter_of_a_utc_hour():
    moment = dt.datetime(2026, 11, 29, 18, 44, 59, 999999, tzinfo=dt.UTC)

    assert rate_period(moment) == dt.datetime(2026, 11, 29, 18, 30, tzinfo=dt.UTC)
    assert rate_period(moment + dt.timedelta(microseconds=1)).minute == 45
    nepal = moment.astimezone(zoneinfo.ZoneInfo("Asia/Kathmandu"))
    assert rate_period(nepal) == rate_period(moment)


@pytest.mark.django_db
def test_the_migration_counts_invitations_sent_before_it_as_a_rebuild_would(org, program):
    survey = make_survey(org, program, anonymous=True, questions=EVERY_TYPE[:1])
    cohort = CohortFactory(program=program)
    start = timezone.now() - dt.timedelta(days=2)
    with scope(organization=org.pk):
        for minutes in (0, 7, 20, 60 * 26):
            SurveyInvitation.objects.create(
                organization=org,
                survey=survey,
                participant=ParticipantFactory(cohort=cohort, organization=org),
                role="mentee",
                sent_at=start + dt.timedelta(minutes=minutes),
                answered_at=start + dt.timedelta(minutes=2 * minutes + 1) if minutes else None,
            )
        survey_result_counts_rebuild(organization=org, survey=survey)
    rebuilt = _rate_counts(survey)
    with scopes_disabled():
        SurveyResultCount.objects.filter(survey=survey).delete()
    migration = importlib.import_module("surveys.migrations.0005_invitation_rate_counts")

    migration.count_sent_invitations(django_apps, SimpleNamespace(connection=connection))

    assert _rate_counts(survey) == rebuilt
    assert sum(rebuilt.values()) == 4 + 3
