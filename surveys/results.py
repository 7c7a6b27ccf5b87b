"""Survey results: what the program team, HR analysts, the API, the exports and mentors read.

Every figure is a sum over the results' counts (`SurveyResultCount`, kept by each submit in
`surveys.result_counts`): the whole survey's rows, or those of the attribute combinations a
filter chooses. So the number of queries and the rows they read do not grow with the
responses: a fresh results page of a survey with 100,000 responses is the same handful of
queries as one with ten, and its figures a sum of a few hundred count rows (a filtered view: of
the rows of the combinations it chooses). Text answers are read live, a page per question.

Anonymous surveys pass through `surveys.anonymity` first: the responses are counted per
combination of the respondents' attributes (one query over the counts), and a group that the
threshold rule refuses is never read at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import User
from core.texts import in_language
from organizations.models import Organization
from participants.models import Participant, ParticipantRole, Seniority
from programs.models import Cohort, Program
from surveys.anonymity import (
    DIMENSIONS,
    MINIMUM_THRESHOLD,
    Bucket,
    Dimension,
    GroupDecision,
    Refusal,
    dimension_buckets,
    effective_threshold,
    group_decision,
    values_in,
)
from surveys.models import (
    CHOICE_TYPES,
    NUMBER_TYPES,
    SCALE_RANGE,
    TEXT_TYPES,
    QuestionType,
    Survey,
    SurveyAnswer,
    SurveyKind,
    SurveyQuestion,
    SurveyResponse,
    SurveyResultCount,
)
from surveys.result_counts import ANSWERED, INVITED, survey_result_counts_rebuild

# Text answers shown per question on the page and in the JSON results; exports carry them all.
TEXT_ANSWERS_SHOWN = 50
# How long computed results are reused at most (the cache key also changes with the survey's
# `results_version`, bumped by every submitted response and every batch of invitations sent).
RESULTS_CACHE_SECONDS = 60
# The response-rate line covers at most this many days (the most recent ones).
RATE_DAYS_MAX = 366
# A mentor sees feedback about them only across this many distinct mentees (the rule),
# whatever the organization's threshold for anonymous results.
MENTOR_FEEDBACK_MINIMUM = MINIMUM_THRESHOLD
# NPS bands: promoters answer 9-10, passives 7-8, detractors 0-6.
PROMOTER_MIN = 9
PASSIVE_MIN = 7

# The response column each filter reads.
_COLUMNS: dict[Dimension, str] = {
    Dimension.COHORT: "cohort_id",
    Dimension.ROLE: "role",
    Dimension.COUNTRY: "country",
    Dimension.FUNCTION: "function",
    Dimension.SENIORITY: "seniority",
}
# The same attributes in the results' counts (`SurveyResultCount`).
_COUNT_COLUMNS: dict[Dimension, str] = {
    Dimension.COHORT: "cohort",
    Dimension.ROLE: "role",
    Dimension.COUNTRY: "country",
    Dimension.FUNCTION: "function",
    Dimension.SENIORITY: "seniority",
}
_INTEGER_COLUMNS = frozenset({Dimension.COHORT, Dimension.SENIORITY})


# ---------------------------------------------------------------------------------------------
# What the selectors return
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueCount:
    value: str
    label: str
    count: int
    # Of the people who answered the question (a multiple choice adds up to more than 100).
    percent: float


@dataclass(frozen=True)
class NPSBreakdown:
    promoters: int
    passives: int
    detractors: int
    # % promoters - % detractors, from -100 to 100.
    score: int


@dataclass(frozen=True)
class StatementResult:
    key: str
    label: str
    answered: int
    counts: list[ValueCount]
    mean: float | None
    # Fewer people rated this statement in the group than the question's minimum (an optional
    # matrix's statements are answered one by one): its counts, mean and number are not shown.
    withheld: bool = False


@dataclass(frozen=True)
class TextAnswer:
    text: str
    # Named surveys only: who wrote it and when. Empty for anonymous surveys.
    respondent: str = ""
    submitted_on: dt.date | None = None


@dataclass
class QuestionResult:
    key: str
    type: str
    text: str
    section: str
    answered: int
    # Anonymous surveys: fewer people answered this question in the group than the threshold,
    # so nothing about it is shown.
    withheld: bool = False
    counts: list[ValueCount] = field(default_factory=list)
    mean: float | None = None
    nps: NPSBreakdown | None = None
    statements: list[StatementResult] = field(default_factory=list)
    texts: list[TextAnswer] = field(default_factory=list)
    low_label: str = ""
    high_label: str = ""

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def withheld_statements(self) -> list[StatementResult]:
        return [statement for statement in self.statements if statement.withheld]


@dataclass(frozen=True)
class FilterChoice:
    key: str
    label: str


@dataclass(frozen=True)
class RatePoint:
    day: dt.date
    # Running totals up to and including the day.
    invited: int
    answered: int


@dataclass
class SurveyResults:
    survey: Survey
    anonymous: bool
    threshold: int
    # Submitted responses in the whole survey, and in the chosen group.
    total: int
    group_size: int
    shown: bool
    refusal: Refusal | None
    chosen: dict[Dimension, str]
    filters: dict[Dimension, list[FilterChoice]]
    questions: list[QuestionResult]
    invited: int = 0
    answered: int = 0
    rate: list[RatePoint] = field(default_factory=list)

    @property
    def filtered(self) -> bool:
        return bool(self.chosen)

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.answered / self.invited, 1) if self.invited else None


# ---------------------------------------------------------------------------------------------
# Filters and the group they choose
# ---------------------------------------------------------------------------------------------


def chosen_filters(params: Mapping[str, str]) -> dict[Dimension, str]:
    """The filters a request asks for (`?country=GB&role=mentee`), by dimension; empty values
    mean no filter."""
    return {dimension: params[dimension] for dimension in DIMENSIONS if params.get(dimension)}


def _attribute_counts(organization: Organization, survey: Survey) -> dict[tuple[str, ...], int]:
    """Submitted responses per combination of attributes, from the results' counts (one row
    per combination, however many responses it holds)."""
    rows = (
        SurveyResultCount.objects.for_org(organization)
        .filter(survey=survey, period__isnull=True, whole=False, question__isnull=True, n__gt=0)
        .values_list(*(_COUNT_COLUMNS[dimension] for dimension in DIMENSIONS), "n")
    )
    return {
        tuple("" if value is None else str(value) for value in row[:-1]): row[-1] for row in rows
    }


def _counted_attributes(organization: Organization, survey: Survey) -> dict[tuple[str, ...], int]:
    counts = _attribute_counts(organization, survey)
    if not counts and _submitted(organization, survey).exists():
        # Responses written without the services (a seed, a script, or data from before the
        # counts existed) have never been counted: count them once, now.
        survey_result_counts_rebuild(organization=organization, survey=survey)
        counts = _attribute_counts(organization, survey)
    return counts


def _attribute_q(
    values: Mapping[Dimension, Iterable[str]], columns: Mapping[Dimension, str] = _COLUMNS
) -> Q:
    """Responses (or, with `_COUNT_COLUMNS`, count rows) whose attributes are among `values`
    (as text; "" is a missing attribute)."""
    condition = Q()
    for dimension, wanted in values.items():
        column = columns[dimension]
        part = Q()
        present: list[str | int] = []
        for value in wanted:
            if value == "":
                part |= Q(
                    **{f"{column}__isnull": True} if dimension in _INTEGER_COLUMNS else {column: ""}
                )
            elif dimension in _INTEGER_COLUMNS:
                if value.isascii() and value.isdigit() and len(value) < 19:
                    present.append(int(value))
            else:
                present.append(value)
        if present:
            part |= Q(**{f"{column}__in": present})
        # A value that names nothing (a cohort id that is not a number) matches no one.
        condition &= part if part else Q(pk__in=[])
    return condition


def _submitted(organization: Organization, survey: Survey) -> QuerySet[SurveyResponse]:
    return SurveyResponse.objects.for_org(organization).filter(
        survey=survey, submitted_at__isnull=False
    )


@dataclass(frozen=True)
class _Group:
    decision: GroupDecision
    # The attribute values the group holds, per filtered dimension (None: the whole survey).
    values: dict[Dimension, list[str]] | None
    buckets: dict[Dimension, list[Bucket]]


def _group(
    counts: Mapping[tuple[str, ...], int],
    anonymous: bool,
    chosen: Mapping[Dimension, str],
    threshold: int,
) -> _Group:
    if anonymous:
        buckets = dimension_buckets(counts, threshold)
        decision = group_decision(counts, chosen, threshold, buckets)
        if not decision.allowed or not chosen:
            return _Group(decision, None, buckets)
        values = {d: sorted(v) for d, v in values_in(chosen, buckets).items()}
        return _Group(decision, values, buckets)
    # Named: the respondents agreed to be known, so every value is its own choice.
    buckets = dimension_buckets(counts, 1)
    total = sum(counts.values())
    if not chosen:
        return _Group(GroupDecision(True, total, total), None, buckets)
    size = sum(
        count
        for combination, count in counts.items()
        if all(combination[DIMENSIONS.index(d)] == value for d, value in chosen.items())
    )
    return _Group(
        GroupDecision(True, size, total),
        {dimension: [value] for dimension, value in chosen.items()},
        buckets,
    )


def _filter_labels(
    organization: Organization, buckets: Mapping[Dimension, list[Bucket]]
) -> dict[Dimension, list[FilterChoice]]:
    cohort_ids = [
        int(value)
        for bucket in buckets.get(Dimension.COHORT, [])
        for value in bucket.values
        if value.isdigit()
    ]
    cohort_names = dict(
        Cohort.objects.for_org(organization).filter(pk__in=cohort_ids).values_list("id", "name")
        if cohort_ids
        else []
    )
    roles = dict(ParticipantRole.choices)
    seniorities = {str(value): str(label) for value, label in Seniority.choices}

    def label(dimension: Dimension, bucket: Bucket) -> str:
        if bucket.is_other:
            return _("Other (%(count)d groups too small to show alone)") % {
                "count": len(bucket.values)
            }
        value = next(iter(bucket.values))
        if value == "":
            return _("Not given")
        if dimension is Dimension.COHORT:
            return cohort_names.get(int(value), value) if value.isdigit() else value
        if dimension is Dimension.ROLE:
            return str(roles.get(value, value))
        if dimension is Dimension.COUNTRY:
            return str(countries.name(value)) or value
        if dimension is Dimension.SENIORITY:
            return seniorities.get(value, value)
        return value

    return {
        dimension: sorted(
            (FilterChoice(bucket.key, label(dimension, bucket)) for bucket in choices),
            key=lambda choice: (choice.key == "_other", choice.label.casefold()),
        )
        for dimension, choices in buckets.items()
    }


# ---------------------------------------------------------------------------------------------
# Distributions
# ---------------------------------------------------------------------------------------------


def survey_questions(*, organization: Organization, survey: Survey) -> list[SurveyQuestion]:
    """The survey's questions in the order the respondent sees them."""
    return list(
        SurveyQuestion.objects.for_org(organization)
        .filter(survey=survey)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "id")
    )


def _percent(count: int, of: int) -> float:
    return round(100 * count / of, 1) if of else 0.0


def _mean(counts: Mapping[int, int]) -> float | None:
    answered = sum(counts.values())
    return round(sum(v * n for v, n in counts.items()) / answered, 2) if answered else None


def nps_breakdown(counts: Mapping[int, int]) -> NPSBreakdown:
    """Promoters (9-10), passives (7-8), detractors (0-6) and the score, from answer counts."""
    promoters = sum(n for v, n in counts.items() if v >= PROMOTER_MIN)
    passives = sum(n for v, n in counts.items() if PASSIVE_MIN <= v < PROMOTER_MIN)
    detractors = sum(n for v, n in counts.items() if v < PASSIVE_MIN)
    answered = promoters + passives + detractors
    score = round(100 * (promoters - detractors) / answered) if answered else 0
    return NPSBreakdown(promoters, passives, detractors, score)


def _scale_counts(question: SurveyQuestion, counts: Mapping[int, int]) -> list[ValueCount]:
    low, high = SCALE_RANGE[QuestionType(question.type)]
    answered = sum(counts.values())
    low_label, high_label = in_language(question.low_label), in_language(question.high_label)
    values = []
    for value in range(low, high + 1):
        label = str(value)
        if value == low and low_label:
            label = f"{value} · {low_label}"
        elif value == high and high_label:
            label = f"{value} · {high_label}"
        values.append(
            ValueCount(
                str(value), label, counts.get(value, 0), _percent(counts.get(value, 0), answered)
            )
        )
    return values


@dataclass
class _Tallies:
    """What the figures are drawn from: per question, the numbers (per statement), the chosen
    values, and the people who answered (a multiple choice's people, written texts)."""

    numbers: dict[int, dict[str, dict[int, int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )
    choices: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    answered: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, question_id: int, statement: str, number: int | None, choice: str, n: int):
        if number is not None:
            self.numbers[question_id][statement][number] = n
        elif choice:
            self.choices[question_id][choice] = self.choices[question_id].get(choice, 0) + n


def _counted_tallies(
    organization: Organization,
    survey: Survey,
    questions: list[SurveyQuestion],
    values: Mapping[Dimension, Iterable[str]] | None,
) -> _Tallies:
    """From the results' counts: the `whole` rows for the whole survey, or the sum of the
    chosen combinations' rows. One query; its rows grow with the questions' values and the
    combinations chosen, never with the responses."""
    # `period IS NULL` bounds the index scan to the answers' counts (not the rate line's).
    counts = SurveyResultCount.objects.for_org(organization).filter(
        survey=survey, period__isnull=True, question_id__in=[q.pk for q in questions]
    )
    if values is None:
        counts = counts.filter(whole=True)
    else:
        counts = counts.filter(_attribute_q(values, _COUNT_COLUMNS), whole=False)
    tallies = _Tallies()
    rows = (
        counts.order_by()
        .values_list("question_id", "statement", "number", "choice")
        .annotate(total=Sum("n"))
    )
    for question_id, statement, number, choice, n in rows:
        if number is None and not choice and not statement:
            tallies.answered[question_id] = n
        else:
            tallies.add(question_id, statement, number, choice, n)
    return tallies


def _live_tallies(answers: QuerySet[SurveyAnswer], questions: list[SurveyQuestion]) -> _Tallies:
    """From the answer rows themselves, for groups the counts do not keep (the responses
    about one mentor): a few hundred answers, never a whole survey's."""
    tallies = _Tallies()
    aggregated = [q.pk for q in questions if q.type in NUMBER_TYPES | CHOICE_TYPES]
    if aggregated:
        rows = (
            answers.filter(question_id__in=aggregated)
            .order_by()
            .values_list("question_id", "statement", "number", "choice")
            .annotate(n=Count("*"))
        )
        for question_id, statement, number, choice, n in rows:
            tallies.add(question_id, statement, number, choice, n)
    # A multiple choice has a row per chosen value: count its people, not its rows.
    multiple = [q.pk for q in questions if q.type == QuestionType.MULTIPLE]
    if multiple:
        tallies.answered.update(
            answers.filter(question_id__in=multiple)
            .order_by()
            .values_list("question_id")
            .annotate(n=Count("response_id", distinct=True))
        )
    return tallies


def _question_results(
    questions: list[SurveyQuestion],
    tallies: _Tallies,
    texts: Mapping[int, list[TextAnswer]],
    minimum: int,
) -> list[QuestionResult]:
    """Each question's figures from its tallies. A question fewer than `minimum` people
    answered is withheld (1: nothing is)."""
    results = []
    for question in questions:
        result = QuestionResult(
            key=question.key,
            type=question.type,
            text=in_language(question.text),
            section=in_language(question.section.title),
            answered=0,
            low_label=in_language(question.low_label),
            high_label=in_language(question.high_label),
        )
        if question.type in (QuestionType.SCALE_1_5, QuestionType.NPS):
            counts = tallies.numbers[question.pk].get("", {})
            result.answered = sum(counts.values())
            result.counts = _scale_counts(question, counts)
            result.mean = _mean(counts)
            if question.type == QuestionType.NPS:
                result.nps = nps_breakdown(counts)
        elif question.type == QuestionType.MATRIX:
            per_statement = tallies.numbers[question.pk]
            for statement in question.statements or []:
                counts = per_statement.get(statement.get("key", ""), {})
                result.statements.append(
                    _statement_result(question, statement, counts, minimum=minimum)
                )
            result.answered = max(
                (sum(per_statement.get(s.key, {}).values()) for s in result.statements), default=0
            )
        elif question.type in CHOICE_TYPES:
            counts_by_choice = tallies.choices[question.pk]
            if question.type == QuestionType.MULTIPLE:
                result.answered = tallies.answered.get(question.pk, 0)
            else:
                result.answered = sum(counts_by_choice.values())
            result.counts = [
                ValueCount(
                    str(choice.get("value", "")),
                    in_language(choice.get("label")) or str(choice.get("value", "")),
                    counts_by_choice.get(str(choice.get("value", "")), 0),
                    _percent(
                        counts_by_choice.get(str(choice.get("value", "")), 0), result.answered
                    ),
                )
                for choice in question.choices or []
            ]
        else:
            result.answered = tallies.answered.get(question.pk, 0)
            result.texts = list(texts.get(question.pk, []))
        if result.answered < minimum:
            _withhold(result)
        results.append(result)
    return results


def _statement_result(
    question: SurveyQuestion,
    statement: dict[str, Any],
    counts: Mapping[int, int],
    minimum: int,
) -> StatementResult:
    """One matrix statement's figures, held to the same minimum as a whole question: rated by
    fewer than `minimum` people, it shows nothing, not even how many (else one person's rating
    could be read from a statement only they answered)."""
    key, label = str(statement.get("key", "")), in_language(statement.get("text"))
    answered = sum(counts.values())
    if answered < minimum:
        return StatementResult(key, label, 0, [], None, withheld=True)
    return StatementResult(key, label, answered, _scale_counts(question, counts), _mean(counts))


def _withhold(result: QuestionResult) -> None:
    result.withheld = True
    result.counts, result.statements, result.texts = [], [], []
    result.mean, result.nps = None, None


def _text_answers(
    organization: Organization,
    survey: Survey,
    question_ids: list[int],
    values: Mapping[Dimension, Iterable[str]] | None,
    limit: int | None,
) -> dict[int, list[TextAnswer]]:
    """The written answers to the questions, read live: with a `limit`, each question's first
    page of it in one query (a UNION ALL of one LIMIT per question, each read from the start
    of an index in the anonymous order), else all of them (the exports)."""
    if not question_ids or limit == 0:
        return {}
    written = SurveyAnswer.objects.for_org(organization).filter(survey=survey).exclude(text="")
    if values is not None:
        response_columns = {d: f"response__{column}" for d, column in _COLUMNS.items()}
        written = written.filter(_attribute_q(values, response_columns))
    # Anonymous: by the answer's random id, a shuffle that follows neither time nor person;
    # named: newest first, with who wrote it.
    order = ["id"] if survey.anonymous else ["-response__submitted_at", "id"]
    fields = ["question_id", "id", "text"]
    if not survey.anonymous:
        fields += ["response__participant__full_name", "response__submitted_at"]
    if limit is None:
        rows = list(written.filter(question_id__in=question_ids).order_by(*order).values(*fields))
    else:
        pages = [
            written.filter(question_id=question_id).order_by(*order).values(*fields)[:limit]
            for question_id in question_ids
        ]
        first, *rest = pages
        if not connection.features.supports_slicing_ordering_in_compound:
            # SQLite, the embedded default, refuses a LIMIT inside a UNION: a query per question.
            rows = [row for page in pages for row in page]
        else:
            # The parts' order is not kept by UNION ALL in principle: sorted again below.
            rows = list(first.union(*rest, all=True) if rest else first)
    if survey.anonymous:
        rows.sort(key=lambda row: row["id"])
    else:
        rows.sort(key=lambda row: row["id"])
        rows.sort(key=lambda row: row["response__submitted_at"], reverse=True)
    texts: dict[int, list[TextAnswer]] = defaultdict(list)
    for row in rows:
        if survey.anonymous:
            texts[row["question_id"]].append(TextAnswer(row["text"]))
            continue
        submitted_at = row["response__submitted_at"]
        texts[row["question_id"]].append(
            TextAnswer(
                row["text"],
                row["response__participant__full_name"] or "",
                timezone.localdate(submitted_at) if submitted_at else None,
            )
        )
    return texts


# ---------------------------------------------------------------------------------------------
# The survey's results
# ---------------------------------------------------------------------------------------------


def survey_threshold(*, organization: Organization) -> int:
    return effective_threshold(organization.survey_anonymity_threshold)


def survey_results(
    *,
    organization: Organization,
    survey: Survey,
    chosen: Mapping[Dimension, str] | None = None,
    text_limit: int | None = TEXT_ANSWERS_SHOWN,
) -> SurveyResults:
    """Every question's figures for the survey, or for the group the filters choose, and the
    response rate over time.

    For an anonymous survey a group the threshold rule refuses comes back with `shown` false,
    its `refusal`, and no question figures; so does a survey with fewer responses than the
    threshold. A question fewer than the threshold answered in the group is `withheld`.

    Computed results are cached under a key made of the survey's `results_version` (bumped by
    every submit and every batch of invitations sent) and last edit, the threshold, the
    filters, the language and the time zone: a repeated view reads one survey row by its key,
    whatever the number of responses.
    """
    chosen = dict(chosen or {})
    threshold = survey_threshold(organization=organization)
    key = _cache_key(
        organization, survey, _results_version(organization, survey), threshold, chosen, text_limit
    )
    cached = cache.get(key)
    if isinstance(cached, SurveyResults):
        cached.survey = survey
        return cached
    counts = _counted_attributes(organization, survey)
    # Totals and the response-rate line from the invitation counts (after the first view's
    # rebuild above, which counts them too).
    sent_days, answered_days = _invitation_days(organization, survey)
    invited, answered = sum(sent_days.values()), sum(answered_days.values())
    group = _group(counts, survey.anonymous, chosen, threshold)
    results = SurveyResults(
        survey=survey,
        anonymous=survey.anonymous,
        threshold=threshold,
        total=group.decision.total,
        group_size=group.decision.size if group.decision.allowed else 0,
        shown=group.decision.allowed,
        refusal=group.decision.refusal,
        chosen=chosen,
        filters=_filter_labels(organization, group.buckets),
        questions=[],
        invited=invited,
        answered=answered,
        rate=_rate_points(sent_days, answered_days),
    )
    if results.shown:
        questions = survey_questions(organization=organization, survey=survey)
        tallies = _counted_tallies(organization, survey, questions, group.values)
        written = [
            q.pk for q in questions if q.type in TEXT_TYPES and tallies.answered.get(q.pk, 0)
        ]
        results.questions = _question_results(
            questions,
            tallies,
            _text_answers(organization, survey, written, group.values, text_limit),
            minimum=threshold if survey.anonymous else 1,
        )
    cache.set(key, results, RESULTS_CACHE_SECONDS)
    return results


def _results_version(organization: Organization, survey: Survey) -> tuple[object, ...]:
    # Read again, not taken from `survey`: the caller's copy may predate a submit.
    return tuple(
        Survey.objects.for_org(organization)
        .filter(pk=survey.pk)
        .values_list("results_version", "updated_at")
        .first()
        or ()
    )


def _cache_key(organization: Organization, survey: Survey, *parts: object) -> str:
    described = repr(
        (
            parts,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            timezone.localdate(),
        )
    )
    digest = hashlib.sha256(described.encode()).hexdigest()[:32]
    return f"surveys:results:{organization.pk}:{survey.pk}:{digest}"


def _invitation_days(
    organization: Organization, survey: Survey
) -> tuple[dict[dt.date, int], dict[dt.date, int]]:
    """People invited per day of `sent_at` and people who answered per day of `answered_at`, in
    the viewer's time zone, summed from the invitation counts of the results' counts (one row
    per quarter hour in which invitations went out or were answered, whatever their number)."""
    zone = timezone.get_current_timezone()
    sent: dict[dt.date, int] = {}
    answered: dict[dt.date, int] = {}
    rows = (
        SurveyResultCount.objects.for_org(organization)
        .filter(
            survey=survey,
            whole=True,
            question__isnull=True,
            choice__in=[INVITED.choice, ANSWERED.choice],
            period__isnull=False,
        )
        .annotate(day=TruncDate("period", tzinfo=zone))
        .order_by()
        .values_list("choice", "day")
        .annotate(total=Sum("n"))
    )
    for choice, day, n in rows:
        if n:
            (sent if choice == INVITED.choice else answered)[day] = n
    return sent, answered


def survey_response_rate(*, organization: Organization, survey: Survey) -> list[RatePoint]:
    """People invited and people who answered, as running totals per day in the viewer's time
    zone, from the first invitation to the last day anything happened (at most a year)."""
    return _rate_points(*_invitation_days(organization, survey))


def _rate_points(sent: Mapping[dt.date, int], answered: Mapping[dt.date, int]) -> list[RatePoint]:
    days = sorted(set(sent) | set(answered))
    if not days:
        return []
    first, last = days[0], days[-1]
    first = max(first, last - dt.timedelta(days=RATE_DAYS_MAX - 1))
    invited_total = sum(n for day, n in sent.items() if day < first)
    answered_total = sum(n for day, n in answered.items() if day < first)
    points = []
    day = first
    while day <= last:
        invited_total += sent.get(day, 0)
        answered_total += answered.get(day, 0)
        points.append(RatePoint(day, invited_total, answered_total))
        day += dt.timedelta(days=1)
    return points


# ---------------------------------------------------------------------------------------------
# Per-person responses (named surveys only)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedAnswer:
    key: str
    question: str
    # A number, a choice's value, a list of values, text, or {statement: number} for a matrix.
    value: object
    shown: str


def named_response_list(
    *, organization: Organization, survey: Survey, chosen: Mapping[Dimension, str] | None = None
) -> QuerySet[SurveyResponse]:
    """A named survey's submitted responses with who gave them, newest first. An anonymous
    survey has none to list (the caller refuses it; this returns nothing for it)."""
    responses = _submitted(organization, survey).select_related("participant", "cohort")
    if survey.anonymous:
        return responses.none()
    if chosen:
        responses = responses.filter(
            _attribute_q({dimension: [value] for dimension, value in chosen.items()})
        )
    return responses.order_by("-submitted_at", "-id")


def named_answers(
    *,
    organization: Organization,
    survey: Survey,
    responses: Iterable[SurveyResponse],
    questions: list[SurveyQuestion] | None = None,
) -> dict[object, list[NamedAnswer]]:
    """Each listed response's answers in question order (one query for the whole page)."""
    if survey.anonymous:
        return {}
    responses = list(responses)
    questions = (
        questions
        if questions is not None
        else survey_questions(organization=organization, survey=survey)
    )
    by_response: dict[object, dict[int, list[SurveyAnswer]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for answer in SurveyAnswer.objects.for_org(organization).filter(
        survey=survey, response__in=[r.pk for r in responses]
    ):
        by_response[answer.response_id][answer.question_id].append(answer)
    result: dict[object, list[NamedAnswer]] = {}
    for response in responses:
        rows = by_response.get(response.pk, {})
        listed = []
        for question in questions:
            given = rows.get(question.pk, [])
            if not given:
                continue
            value, shown = _answer_value(question, given)
            listed.append(NamedAnswer(question.key, in_language(question.text), value, shown))
        result[response.pk] = listed
    return result


def _answer_value(question: SurveyQuestion, given: list[SurveyAnswer]) -> tuple[object, str]:
    labels = {
        str(choice.get("value", "")): in_language(choice.get("label"))
        for choice in question.choices or []
    }
    if question.type in (QuestionType.SCALE_1_5, QuestionType.NPS):
        return given[0].number, str(given[0].number)
    if question.type == QuestionType.MATRIX:
        statements = {
            s.get("key", ""): in_language(s.get("text")) for s in question.statements or []
        }
        value = {a.statement: a.number for a in given}
        shown = "; ".join(f"{statements.get(k, k)}: {n}" for k, n in value.items())
        return value, shown
    if question.type == QuestionType.SINGLE:
        return given[0].choice, labels.get(given[0].choice, given[0].choice)
    if question.type == QuestionType.MULTIPLE:
        chosen = sorted(a.choice for a in given)
        return chosen, "; ".join(labels.get(c, c) for c in chosen)
    return given[0].text, given[0].text


# ---------------------------------------------------------------------------------------------
# Feedback about a mentor, for the mentor
# ---------------------------------------------------------------------------------------------


@dataclass
class MentorFeedback:
    survey: Survey
    program: str
    # Distinct mentees whose feedback about this mentor was submitted.
    mentees: int
    shown: bool
    questions: list[QuestionResult]


def mentor_feedback_list(*, organization: Organization, user: User) -> list[MentorFeedback]:
    """Feedback about the signed-in mentor's approach, per survey whose program lets mentors see
    it, in aggregate only, only across `MENTOR_FEEDBACK_MINIMUM` distinct mentees or more, and
    never their words (free text could name its writer)."""
    mentor_ids = list(
        Participant.objects.for_org(organization)
        .filter(user=user, role__in=[ParticipantRole.MENTOR, ParticipantRole.BOTH])
        .values_list("id", flat=True)
    )
    if not mentor_ids:
        return []
    about_me = Q(about_mentor_id__in=mentor_ids)
    surveys = list(
        Survey.objects.for_org(organization)
        .filter(
            kind=SurveyKind.MENTOR_FEEDBACK,
            mentor_feedback_visible=True,
            pk__in=_submitted_in_org(organization).filter(about_me).values("survey_id"),
        )
        .select_related("program")
        .annotate(
            named_mentees=Count(
                "responses__participant",
                distinct=True,
                filter=Q(responses__submitted_at__isnull=False)
                & Q(responses__about_mentor_id__in=mentor_ids),
            ),
            # An anonymous response names no one; each comes from one mentee's invitation.
            anonymous_mentees=Count(
                "responses",
                filter=Q(responses__submitted_at__isnull=False)
                & Q(responses__about_mentor_id__in=mentor_ids),
            ),
        )
        .order_by("-created_at", "-id")[:20]
    )
    feedback = []
    for survey in surveys:
        mentees = survey.anonymous_mentees if survey.anonymous else survey.named_mentees
        shown = mentees >= MENTOR_FEEDBACK_MINIMUM
        questions: list[QuestionResult] = []
        if shown:
            asked = [
                q
                for q in survey_questions(organization=organization, survey=survey)
                if q.type not in TEXT_TYPES
            ]
            about_them = SurveyAnswer.objects.for_org(organization).filter(
                survey=survey,
                response__in=_submitted(organization, survey).filter(about_me).values("id"),
            )
            questions = _question_results(
                asked, _live_tallies(about_them, asked), {}, minimum=MENTOR_FEEDBACK_MINIMUM
            )
        feedback.append(MentorFeedback(survey, survey.program.name, mentees, shown, questions))
    return feedback


def _submitted_in_org(organization: Organization) -> QuerySet[SurveyResponse]:
    return SurveyResponse.objects.for_org(organization).filter(submitted_at__isnull=False)


# ---------------------------------------------------------------------------------------------
# Outcomes for analytics (and the learned matching)
# ---------------------------------------------------------------------------------------------

# The question every match check and end evaluation asks about the pair (templates_library).
GOOD_MATCH_KEY = "good_match"
# A "good match" answer on the 1-5 scale: 4 or 5 is yes, 1 or 2 is no, 3 is unsure.
GOOD_MATCH_SCALE_YES = 4
GOOD_MATCH_SCALE_NO = 2
GOOD_MATCH_YES_CHOICES = frozenset({"yes"})
GOOD_MATCH_NO_CHOICES = frozenset({"no"})


@dataclass(frozen=True)
class GoodMatchAnswer:
    """One named answer to "is this a good match?" about one mentorship."""

    mentorship_id: int
    survey_id: int
    survey_kind: str
    respondent_role: str
    answered_on: dt.date
    # True for yes (or 4-5), False for no (or 1-2), None for unsure.
    good: bool | None
    value: str


@dataclass(frozen=True)
class SatisfactionFigure:
    mean: float | None
    answers: int


@dataclass(frozen=True)
class SurveyOutcomes:
    # Mean of every 1-5 scale answer in scope, and per survey kind.
    satisfaction: SatisfactionFigure
    satisfaction_by_kind: dict[str, SatisfactionFigure]
    nps: NPSBreakdown
    nps_answers: int
    good_match: list[GoodMatchAnswer]
    # Anonymous surveys left out because the scope would show a group below the threshold.
    withheld_surveys: int


def _good(number: int | None, choice: str) -> bool | None:
    if number is not None:
        if number >= GOOD_MATCH_SCALE_YES:
            return True
        return False if number <= GOOD_MATCH_SCALE_NO else None
    if choice in GOOD_MATCH_YES_CHOICES:
        return True
    return False if choice in GOOD_MATCH_NO_CHOICES else None


def survey_outcomes(
    *,
    organization: Organization,
    program: Program | None = None,
    cohort: Cohort | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> SurveyOutcomes:
    """Satisfaction (1-5 scales), NPS and the per-mentorship "good match" answers, for analytics.

    Named surveys count each response submitted in [`since`, `until`] (in the cohort, when
    given). An anonymous survey counts whole or not at all: when its closing day falls in the
    range, and, for a cohort, only when the cohort's group passes the threshold rule in that
    survey. So no date range or cohort can be narrowed around one anonymous respondent.
    "Good match" answers come from named surveys only (an anonymous one names no mentorship).
    A fixed number of queries whatever the data.
    """
    surveys = Survey.objects.for_org(organization)
    if program is not None:
        surveys = surveys.filter(program=program)
    zone = timezone.get_current_timezone()

    named = Q(survey__anonymous=False)
    if since is not None:
        named &= Q(response__submitted_at__gte=_day_start(since, zone))
    if until is not None:
        named &= Q(response__submitted_at__lt=_day_start(until + dt.timedelta(days=1), zone))
    if cohort is not None:
        named &= Q(response__cohort_id=cohort.pk)

    anonymous_surveys = surveys.filter(anonymous=True, closes_at__isnull=False)
    if since is not None:
        anonymous_surveys = anonymous_surveys.filter(closes_at__gte=_day_start(since, zone))
    if until is not None:
        anonymous_surveys = anonymous_surveys.filter(
            closes_at__lt=_day_start(until + dt.timedelta(days=1), zone)
        )
    allowed, withheld = _anonymous_surveys_in_scope(organization, anonymous_surveys, cohort)
    anonymous = Q(pk__in=[])
    for survey_id, cohort_ids in allowed.items():
        if cohort_ids is None:
            anonymous |= Q(survey_id=survey_id)
        else:
            anonymous |= Q(survey_id=survey_id, response__cohort_id__in=cohort_ids)

    answers = (
        SurveyAnswer.objects.for_org(organization)
        .filter(survey__in=surveys, response__submitted_at__isnull=False)
        .filter(named | anonymous)
    )

    by_kind: dict[str, SatisfactionFigure] = {}
    total, weighted = 0, 0.0
    for kind, count, summed in (
        answers.filter(question__type=QuestionType.SCALE_1_5)
        .order_by()
        .values_list("survey__kind")
        .annotate(n=Count("id"), s=Sum("number"))
    ):
        by_kind[kind] = SatisfactionFigure(round(summed / count, 2) if count else None, count)
        total += count
        weighted += summed or 0
    nps_counts = dict(
        answers.filter(question__type=QuestionType.NPS, number__isnull=False)
        .order_by()
        .values_list("number")
        .annotate(n=Count("id"))
    )
    good_match = [
        GoodMatchAnswer(
            mentorship_id=mentorship_id,
            survey_id=survey_id,
            survey_kind=kind,
            respondent_role=role,
            answered_on=timezone.localdate(submitted_at),
            good=_good(number, choice),
            value=str(number) if number is not None else choice,
        )
        for mentorship_id, survey_id, kind, role, submitted_at, number, choice in (
            answers.filter(named, question__key=GOOD_MATCH_KEY, response__mentorship__isnull=False)
            .order_by("response__submitted_at", "id")
            .values_list(
                "response__mentorship_id",
                "survey_id",
                "survey__kind",
                "response__role",
                "response__submitted_at",
                "number",
                "choice",
            )
        )
    ]
    return SurveyOutcomes(
        satisfaction=SatisfactionFigure(round(weighted / total, 2) if total else None, total),
        satisfaction_by_kind=by_kind,
        nps=nps_breakdown(nps_counts),
        nps_answers=sum(nps_counts.values()),
        good_match=good_match,
        withheld_surveys=withheld,
    )


def _day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def _anonymous_surveys_in_scope(
    organization: Organization, surveys: QuerySet[Survey], cohort: Cohort | None
) -> tuple[dict[int, list[int] | None], int]:
    """The anonymous surveys whose responses may count ({survey id: the cohort ids counted, or
    None for all}) and how many were withheld by the threshold rule; one query for all."""
    threshold = survey_threshold(organization=organization)
    counts: dict[int, dict[tuple[str, ...], int]] = defaultdict(dict)
    rows = (
        _submitted_in_org(organization)
        .filter(survey__in=surveys)
        .order_by()
        .values_list("survey_id", *(_COLUMNS[dimension] for dimension in DIMENSIONS))
        .annotate(n=Count("id"))
    )
    for survey_id, *values, n in rows:
        combination = tuple("" if value is None else str(value) for value in values)
        counts[survey_id][combination] = n
    allowed: dict[int, list[int] | None] = {}
    withheld = 0
    for survey_id, survey_counts in counts.items():
        cohorts_present = {combination[0] for combination in survey_counts}
        if cohort is None or cohorts_present == {str(cohort.pk)}:
            # The whole survey (which may be the cohort's alone).
            if group_decision(survey_counts, {}, threshold).allowed:
                allowed[survey_id] = None
            else:
                withheld += 1
            continue
        if str(cohort.pk) not in cohorts_present:
            continue
        chosen = {Dimension.COHORT: str(cohort.pk)}
        buckets = dimension_buckets(survey_counts, threshold)
        if group_decision(survey_counts, chosen, threshold, buckets).allowed:
            values = values_in(chosen, buckets)[Dimension.COHORT]
            allowed[survey_id] = [int(value) for value in values]
        else:
            withheld += 1
    return allowed, withheld
