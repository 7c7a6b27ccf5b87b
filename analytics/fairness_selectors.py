"""The matching fairness audit: for each attribute of the mentees (country, function, seniority
and every enrollment question an admin marked sensitive), each group's match rate, days to
match, match score, check-in rate and satisfaction against everyone else's, with the interval
and the test of `analytics.fairness`, small groups folded into "Other" under the organization's
anonymity threshold, and a sentence for each flagged gap. Also per match round, before it is
published: how often each group's mentees were proposed a mentor, and their scores.

The database counts (one aggregate query per attribute, plus one per wider scope for the
folding rule); Python only does the statistics on a handful of numbers per group.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from analytics import fairness
from analytics.fairness import ALPHA, Gap, Summary
from analytics.metrics import MENTEE_ROLES, Scope, held_check_ins
from matching.models import MatchProposal, MatchRound, ProposalStatus, RoundStatus, UnmatchedMentee
from mentorships.models import CheckInRecord, MentorshipMentee
from participants.models import Participant, ParticipantStatus, Seniority
from programs.models import Cohort, EnrollmentQuestion
from surveys.selectors import named_scale_answers

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from organizations.models import Organization

# Used when the organization sets no threshold of its own. The organization's one threshold
# (`Organization.survey_anonymity_threshold`, set by owners and admins on the privacy page)
# governs survey results and every breakdown of people, this audit included.
DEFAULT_ANONYMITY_THRESHOLD = 5
STANDARD_ATTRIBUTES = ("country", "function", "seniority")
RATE, MEAN = "rate", "mean"


def anonymity_threshold(organization: Organization) -> int:
    """The smallest group a report shows on its own (never below 3, as the setting's own
    validation says)."""
    value = organization.survey_anonymity_threshold
    return max(3, value) if value else DEFAULT_ANONYMITY_THRESHOLD


# ---------------------------------------------------------------------------------------------
# What is measured
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    key: str
    label: StrOrPromise
    kind: str  # RATE or MEAN
    unit: StrOrPromise  # of the gap: "points", "days", …
    among: StrOrPromise  # whose figure it is, for the page


MATCH_METRICS = (
    Metric(
        "matched",
        gettext_lazy("Match rate"),
        RATE,
        gettext_lazy("points"),
        gettext_lazy("all mentees"),
    ),
    Metric(
        "days_to_match",
        gettext_lazy("Days to match"),
        MEAN,
        gettext_lazy("days"),
        gettext_lazy("matched mentees"),
    ),
    Metric(
        "score",
        gettext_lazy("Match score"),
        MEAN,
        gettext_lazy("points"),
        gettext_lazy("mentees matched by a published round"),
    ),
    Metric(
        "checked_in",
        gettext_lazy("Check-in rate"),
        RATE,
        gettext_lazy("points"),
        gettext_lazy("matched mentees"),
    ),
    Metric(
        "rating",
        gettext_lazy("Satisfaction"),
        MEAN,
        gettext_lazy("of 5"),
        gettext_lazy("mentees who rated a check-in"),
    ),
    Metric(
        "survey_satisfaction",
        gettext_lazy("Survey satisfaction"),
        MEAN,
        gettext_lazy("of 5"),
        gettext_lazy("mentees who answered a named survey"),
    ),
)
ROUND_METRICS = (
    Metric(
        "proposed",
        gettext_lazy("Proposal rate"),
        RATE,
        gettext_lazy("points"),
        gettext_lazy("the round's mentees"),
    ),
    Metric(
        "score",
        gettext_lazy("Match score"),
        MEAN,
        gettext_lazy("points"),
        gettext_lazy("mentees with a proposal"),
    ),
)


@dataclass(frozen=True)
class GroupCounts:
    """What the database says about one group: its size, per rate its (successes, of), per
    mean its summary."""

    key: str
    label: str
    n: int
    rates: dict[str, tuple[int, int]] = field(default_factory=dict)
    means: dict[str, Summary] = field(default_factory=dict)

    def __add__(self, other: GroupCounts) -> GroupCounts:
        return GroupCounts(
            key=self.key,
            label=self.label,
            n=self.n + other.n,
            rates={
                k: (self.rates[k][0] + other.rates[k][0], self.rates[k][1] + other.rates[k][1])
                for k in self.rates
            },
            means={k: self.means[k] + other.means[k] for k in self.means},
        )

    def denominator(self, metric: Metric) -> int:
        return self.rates[metric.key][1] if metric.kind == RATE else self.means[metric.key].n


# ---------------------------------------------------------------------------------------------
# What the page shows
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One group's figure on one metric. `value` is a rate (0-1) or a mean; `gap` is None
    when the group or everyone else is too small to show (`withheld`) or there is no one
    else to compare with."""

    value: float | None
    n: int
    gap: Gap | None = None
    adjusted_p: float | None = None
    flagged: bool = False
    withheld: bool = False

    @property
    def points(self) -> float | None:
        """The gap in the unit people read: points for rates, as measured for means."""
        return self.gap.difference if self.gap else None


@dataclass(frozen=True)
class GroupRow:
    key: str
    label: str
    n: int
    is_other: bool
    cells: dict[str, Cell]


@dataclass(frozen=True)
class Finding:
    group: str
    metric: str
    sentence: str


@dataclass(frozen=True)
class AttributeAudit:
    key: str
    label: str
    total: int
    rows: list[GroupRow]
    # Pearson's chi-square p-value per rate: do the shown groups share one rate at all?
    overall_p: dict[str, float | None]
    findings: list[Finding]
    suppressed: bool  # everyone together is under the threshold: nothing shown

    def chart(self, metric: Metric) -> dict[str, Any]:
        """The data island of static/js/fairness.js: each group's gap with its interval."""
        bars = []
        for row in self.rows:
            cell = row.cells[metric.key]
            if cell.gap is None:
                continue
            bars.append(
                {
                    "label": row.label,
                    "gap": display(metric, cell.gap.difference),
                    "low": display(metric, cell.gap.low),
                    "high": display(metric, cell.gap.high),
                    "flagged": cell.flagged,
                }
            )
        return {"metric": str(metric.label), "unit": str(metric.unit), "bars": bars}


@dataclass(frozen=True)
class FairnessAudit:
    threshold: int
    metrics: tuple[Metric, ...]
    attributes: list[AttributeAudit]
    confidence: float = fairness.CONFIDENCE
    alpha: float = ALPHA

    @property
    def findings(self) -> list[Finding]:
        return [finding for attribute in self.attributes for finding in attribute.findings]


def display(metric: Metric, value: float) -> float:
    """Rates and scores (0-1) as points out of 100; days and ratings as they are."""
    if metric.kind == RATE or metric.key == "score":
        return round(value * 100, 1)
    return round(value, 2)


# ---------------------------------------------------------------------------------------------
# From counts to an attribute's audit (no database)
# ---------------------------------------------------------------------------------------------


def _cell(metric: Metric, group: GroupCounts, everyone: GroupCounts, shown: bool) -> Cell:
    denominator = group.denominator(metric)
    if not shown:
        return Cell(value=None, n=denominator, withheld=True)
    rest_n = everyone.denominator(metric) - denominator
    if metric.kind == RATE:
        x1, n1 = group.rates[metric.key]
        x2, n2 = everyone.rates[metric.key][0] - x1, rest_n
        value = x1 / n1 if n1 else None
        gap = fairness.proportion_gap(x1, n1, x2, n2) if n1 and n2 else None
    else:
        summary = group.means[metric.key]
        rest = everyone.means[metric.key] - summary
        value = summary.mean
        gap = fairness.mean_gap(summary, rest) if summary.n >= 2 and rest.n >= 2 else None
    return Cell(value=value, n=denominator, gap=gap)


def _wider_denominators(
    metric: Metric, scope: Sequence[GroupCounts], row_keys: Sequence[Sequence[str]]
) -> dict[int, int]:
    """A wider scope's people counted by a metric, summed over the groups of each row of this
    scope; at -1 those of groups this scope does not have (they count in its total only)."""
    by_key = {group.key: group.denominator(metric) for group in scope}
    rows = {i: sum(by_key.get(k, 0) for k in keys) for i, keys in enumerate(row_keys)}
    ours = {k for keys in row_keys for k in keys}
    rows[-1] = sum(n for k, n in by_key.items() if k not in ours)
    return rows


def audit_attribute(
    *,
    key: str,
    label: str,
    groups: Sequence[GroupCounts],
    metrics: Sequence[Metric],
    threshold: int,
    wider: Sequence[Sequence[GroupCounts]] = (),
    describe: Callable[[str], str],
) -> AttributeAudit:
    """One attribute's table: small groups folded into "Other" (`fairness.fold_groups`), then
    for each metric the groups whose own sub-population (e.g. the matched mentees, for days to
    match) is under the threshold withheld by the same rule, each shown group compared with
    everyone else, Holm's adjustment across the groups, and a sentence per flagged gap."""
    by_key = {group.key: group for group in groups if group.n > 0}
    folding = fairness.fold_groups(
        {k: g.n for k, g in by_key.items()},
        threshold,
        wider=[{g.key: g.n for g in scope} for scope in wider],
    )
    if folding.suppressed:
        return AttributeAudit(key, label, sum(g.n for g in by_key.values()), [], {}, [], True)
    rows_counts = [by_key[k] for k in folding.shown]
    row_keys: list[list[str]] = [[k] for k in folding.shown]
    if folding.other:
        other = by_key[folding.other[0]]
        for k in folding.other[1:]:
            other = other + by_key[k]
        rows_counts.append(GroupCounts("", _("Other"), other.n, other.rates, other.means))
        row_keys.append(list(folding.other))
    everyone = rows_counts[0]
    for group in rows_counts[1:]:
        everyone = everyone + group

    cells: list[dict[str, Cell]] = [{} for _row in rows_counts]
    overall_p: dict[str, float | None] = {}
    findings: list[Finding] = []
    for metric in metrics:
        sub_folding = fairness.fold_groups(
            {i: g.denominator(metric) for i, g in enumerate(rows_counts)},
            threshold,
            wider=[_wider_denominators(metric, scope, row_keys) for scope in wider],
        )
        shown = set() if sub_folding.suppressed else set(sub_folding.shown)
        metric_cells = [
            _cell(metric, group, everyone, i in shown) for i, group in enumerate(rows_counts)
        ]
        tested = [i for i, cell in enumerate(metric_cells) if cell.gap is not None]
        adjusted = fairness.holm([metric_cells[i].gap.p_value for i in tested])  # type: ignore[union-attr]
        for i, p in zip(tested, adjusted, strict=True):
            cell = metric_cells[i]
            metric_cells[i] = Cell(cell.value, cell.n, cell.gap, p, p < ALPHA, cell.withheld)
        for i, cell in enumerate(metric_cells):
            cells[i][metric.key] = cell
            if cell.flagged and cell.gap is not None and cell.adjusted_p is not None:
                group_label = rows_counts[i].label
                who = (
                    describe(group_label)
                    if rows_counts[i].key
                    else _("Mentees in the smaller groups together (“Other”)")
                )
                findings.append(Finding(group_label, metric.key, flag_sentence(metric, who, cell)))
        if metric.kind == RATE:
            table = [
                [
                    group.rates[metric.key][0],
                    group.rates[metric.key][1] - group.rates[metric.key][0],
                ]
                for i, group in enumerate(rows_counts)
                if i in shown
            ]
            result = fairness.chi_square_independence(table)
            overall_p[metric.key] = result.p_value if result else None
    rows = [
        GroupRow(group.key, group.label, group.n, not group.key, cells[i])
        for i, group in enumerate(rows_counts)
    ]
    return AttributeAudit(key, label, everyone.n, rows, overall_p, findings, False)


def format_p(p: float) -> str:
    """p-values as people read them: two decimals, three below 0.01, "< 0.001" below that."""
    if p < 0.001:
        return "< 0.001"
    if p < 0.01:
        return f"= {p:.3f}"
    return f"= {p:.2f}"


def flag_sentence(metric: Metric, who: str, cell: Cell) -> str:
    """A flagged gap in words an admin understands, e.g. "Mentees in Operations were matched
    14 points less often than everyone else (p = 0.01)." """
    assert cell.gap is not None and cell.adjusted_p is not None
    size = abs(display(metric, cell.gap.difference))
    lower = cell.gap.difference < 0
    p = format_p(cell.adjusted_p)
    amount = f"{size:g}"
    values = {"who": who, "size": amount, "p": p}
    if metric.key == "matched":
        text = (
            _("%(who)s were matched %(size)s points less often than everyone else (p %(p)s).")
            if lower
            else _("%(who)s were matched %(size)s points more often than everyone else (p %(p)s).")
        )
    elif metric.key == "proposed":
        text = (
            _(
                "%(who)s were proposed a mentor %(size)s points less often than everyone else in "
                "this round (p %(p)s)."
            )
            if lower
            else _(
                "%(who)s were proposed a mentor %(size)s points more often than everyone "
                "else in this round (p %(p)s)."
            )
        )
    elif metric.key == "days_to_match":
        text = (
            _("%(who)s were matched %(size)s days sooner on average than everyone else (p %(p)s).")
            if lower
            else _(
                "%(who)s waited %(size)s days longer on average to be matched than everyone "
                "else (p %(p)s)."
            )
        )
    elif metric.key == "score":
        text = (
            _(
                "%(who)s had match scores %(size)s points lower on average than everyone else "
                "(p %(p)s)."
            )
            if lower
            else _(
                "%(who)s had match scores %(size)s points higher on average than everyone "
                "else (p %(p)s)."
            )
        )
    elif metric.key == "checked_in":
        text = (
            _(
                "Once matched, %(who_lower)s held a check-in %(size)s points less often than "
                "everyone else (p %(p)s)."
            )
            if lower
            else _(
                "Once matched, %(who_lower)s held a check-in %(size)s points more often than "
                "everyone else (p %(p)s)."
            )
        )
        values["who_lower"] = who[:1].lower() + who[1:]
    else:
        text = (
            _(
                "%(who)s rated their check-ins %(size)s lower out of 5 on average than everyone "
                "else (p %(p)s)."
            )
            if lower
            else _(
                "%(who)s rated their check-ins %(size)s higher out of 5 on average than "
                "everyone else (p %(p)s)."
            )
        )
    return text % values


# ---------------------------------------------------------------------------------------------
# Attributes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribute:
    key: str  # "country", "function", "seniority" or "q<question id>"
    label: str
    question: EnrollmentQuestion | None = None

    def describe(self, group: str) -> str:
        """Who a group's mentees are, as a sentence's subject."""
        if self.key == "country":
            return _("Mentees from %(group)s") % {"group": group}
        if self.key == "function":
            return _("Mentees in %(group)s") % {"group": group}
        if self.key == "seniority":
            return _("Mentees at seniority “%(group)s”") % {"group": group}
        return _("Mentees who answered “%(group)s” to “%(question)s”") % {
            "group": group,
            "question": self.label,
        }


def fairness_attributes(
    *, organization: Organization, program_id: int | None = None, cohort_id: int | None = None
) -> list[Attribute]:
    """The standard attributes, then the sensitive enrollment questions of the cohorts in
    scope. One query."""
    attributes = [
        Attribute("country", _("Country")),
        Attribute("function", _("Function")),
        Attribute("seniority", _("Seniority")),
    ]
    questions = (
        EnrollmentQuestion.objects.for_org(organization)
        .filter(Scope(organization, program_id, cohort_id).cohort_filter(), sensitive=True)
        .select_related("cohort")
        .order_by("cohort__name", "cohort_id", "position", "id")
    )
    several_cohorts = cohort_id is None
    for question in questions:
        label = f"{question.label} ({question.cohort.name})" if several_cohorts else question.label
        attributes.append(Attribute(question.answer_key, label, question))
    return attributes


# ---------------------------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------------------------


class _SecondsBetween(Func):
    """`later - earlier` in seconds, on PostgreSQL and SQLite."""

    arity = 2
    output_field = FloatField()
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "

    def as_sqlite(
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )
        return sql, tuple(params)


def _group_expression(attribute: Attribute) -> Any:
    if attribute.key == "function":
        return Lower(Trim("function"))
    if attribute.question is not None:
        return KeyTextTransform(attribute.question.answer_key, "answers")
    return F(attribute.key)


def _group_label(attribute: Attribute, key: Any, spelled: Any) -> str:
    if key is None or key == "":
        return _("Not answered")
    if attribute.key == "country":
        return str(countries.name(key) or key)
    if attribute.key == "seniority":
        return str(dict(Seniority.choices).get(int(key), key))
    if attribute.key == "function":
        return str(spelled or key)
    text = str(key)
    if text.startswith("["):
        # A multiple-choice answer: the combination of choices is the group.
        try:
            return " + ".join(str(choice) for choice in json.loads(text))
        except ValueError:
            return text
    return text


def _population(attribute: Attribute, mentees: QuerySet[Participant]) -> QuerySet[Participant]:
    if attribute.question is not None:
        return mentees.filter(cohort_id=attribute.question.cohort_id)
    return mentees


def _scope_mentees(scope: Scope) -> QuerySet[Participant]:
    """Mentee participations in scope, leaving out those who withdrew before being matched
    (they were never waiting for a match at the end)."""
    organization = scope.organization
    ever_matched = MentorshipMentee.objects.for_org(organization).filter(mentee=OuterRef("pk"))
    return (
        Participant.objects.for_org(organization)
        .filter(scope.cohort_filter(), role__in=MENTEE_ROLES)
        .filter(Q(status=ParticipantStatus.ACTIVE) | Q(Exists(ever_matched)))
        .order_by()
    )


def _key(value: Any) -> str:
    return "" if value is None else str(value)


def _mean_aggregates(name: str) -> dict[str, Any]:
    return {
        f"{name}_n": Count(name),
        f"{name}_sum": Sum(name),
        f"{name}_sq": Sum(F(name) * F(name)),
    }


def _summary(row: Mapping[str, Any], name: str, scale: float = 1.0) -> Summary:
    return Summary(
        row[f"{name}_n"],
        float(row[f"{name}_sum"] or 0.0) * scale,
        float(row[f"{name}_sq"] or 0.0) * scale * scale,
    )


# Each group's figures over the per-mentee facts of `_mentee_facts` (`m`), one branch per
# attribute: its group key as text (seniority is a number) and the sums the statistics need.
_GROUP_FIGURES = (
    "MIN(m.spelled), COUNT(*), COUNT(m.wait),"
    " SUM(CASE WHEN m.wait IS NOT NULL AND m.checked THEN 1 ELSE 0 END),"
    " COUNT(m.wait), SUM(m.wait), SUM(m.wait * m.wait),"
    " COUNT(m.score), SUM(m.score), SUM(m.score * m.score),"
    " COUNT(m.rating), SUM(m.rating), SUM(m.rating * m.rating),"
    " COUNT(m.survey), SUM(m.survey), SUM(m.survey * m.survey)"
)


def _mentee_facts(
    attributes: Sequence[Attribute], mentees: QuerySet[Participant], scope: Scope
) -> QuerySet[Participant]:
    """One row per mentee: each attribute's group (`g0`, `g1`, …), the function as spelled,
    the seconds from joining to the first match (`wait`, null when never matched), whether a
    check-in was held, the mean score of the approved proposals of published rounds, the
    mean check-in rating given and the mean of their named survey answers on a 1-5 scale."""
    organization = scope.organization
    first_match = (
        MentorshipMentee.objects.for_org(organization)
        .filter(mentee=OuterRef("pk"))
        .values("mentee")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    held = held_check_ins(Scope(organization), before=timezone.now()).filter(
        mentorship__memberships__mentee=OuterRef("pk")
    )
    score = (
        MatchProposal.objects.for_org(organization)
        .filter(
            mentee=OuterRef("pk"),
            status=ProposalStatus.APPROVED,
            match_round__status=RoundStatus.PUBLISHED,
        )
        .values("mentee")
        .annotate(mean=Avg("score"))
        .values("mean")
    )
    rating = (
        CheckInRecord.objects.for_org(organization)
        .filter(participant=OuterRef("pk"), rating__isnull=False)
        .values("participant")
        .annotate(mean=Avg("rating"))
        .values("mean")
    )
    survey = (
        named_scale_answers(organization=organization)
        .filter(response__participant=OuterRef("pk"))
        .values("response__participant")
        .annotate(mean=Avg("number"))
        .values("mean")
    )
    groups = {f"g{i}": _group_expression(item) for i, item in enumerate(attributes)}
    return (
        mentees.annotate(
            **groups,
            spelled=Trim("function"),
            first_matched_at=Subquery(first_match),
            checked=Exists(held),
            score=Subquery(score, output_field=FloatField()),
            rating=Subquery(rating, output_field=FloatField()),
            survey=Subquery(survey, output_field=FloatField()),
        )
        .annotate(wait=_SecondsBetween(F("first_matched_at"), F("created_at")))
        .values(*groups, "spelled", "wait", "checked", "score", "rating", "survey")
    )


def _match_group_counts(
    attributes: Sequence[Attribute], mentees: QuerySet[Participant], scope: Scope
) -> dict[str, list[GroupCounts]]:
    """The groups of each attribute over the same mentees, in one query: each mentee's facts
    are worked out once (five correlated lookups) and grouped once per attribute. Written as
    one aggregate per attribute, PostgreSQL looked each mentee's facts up again for every
    attribute and for every sum naming them (fourteen lookups per mentee and attribute)."""
    if not attributes:
        return {}
    inner, params = _mentee_facts(attributes, mentees, scope).query.sql_with_params()
    branches = " UNION ALL ".join(
        f"SELECT {i}, CAST(m.g{i} AS TEXT), {_GROUP_FIGURES} FROM m GROUP BY m.g{i}"  # noqa: S608
        for i in range(len(attributes))
    )
    with connection.cursor() as cursor:
        # The ORM cannot aggregate over its own inner query: the grouping is written around
        # the ORM's SQL (its tables, organization filter and parameters), no input in it.
        cursor.execute(f"WITH m AS ({inner}) {branches} ORDER BY 1, 2", params)
        rows = cursor.fetchall()
    counts: dict[str, list[GroupCounts]] = {item.key: [] for item in attributes}
    for index, group, spelled, n, matched, checked_in, *means in rows:
        attribute = attributes[index]
        sums = dict(zip(_MEAN_COLUMNS, means, strict=True))
        counts[attribute.key].append(
            GroupCounts(
                key=_key(group),
                label=_group_label(attribute, group, spelled),
                n=n,
                rates={"matched": (matched, n), "checked_in": (checked_in, matched)},
                means={
                    "days_to_match": _summary(sums, "wait", 1 / 86400),
                    "score": _summary(sums, "score"),
                    "rating": _summary(sums, "rating"),
                    "survey_satisfaction": _summary(sums, "survey"),
                },
            )
        )
    return counts


_MEAN_COLUMNS = tuple(
    f"{name}_{part}"
    for name in ("wait", "score", "rating", "survey")
    for part in ("n", "sum", "sq")
)


def _wider_scopes(scope: Scope, cohort_program_id: int | None) -> list[Scope]:
    """The scopes around this one that a viewer can also open, whose figures minus this
    scope's would describe the people outside it."""
    organization = scope.organization
    if scope.cohort_id is not None:
        wider = [Scope(organization)]
        if cohort_program_id is not None:
            wider.append(Scope(organization, program_id=cohort_program_id))
        return wider
    if scope.program_id is not None:
        return [Scope(organization)]
    return []


def fairness_audit(
    *,
    organization: Organization,
    program_id: int | None = None,
    cohort_id: int | None = None,
    attribute: str | None = None,
) -> FairnessAudit:
    """The audit of one scope (the organization, a program or a cohort; another
    organization's ids match nobody), over every attribute or the one named. Per attribute:
    one aggregate query, and one small count per wider scope for the folding rule."""
    threshold = anonymity_threshold(organization)
    scope = Scope(organization, program_id=program_id, cohort_id=cohort_id)
    attributes = fairness_attributes(
        organization=organization, program_id=program_id, cohort_id=cohort_id
    )
    if attribute:
        attributes = [a for a in attributes if a.key == attribute]
    cohort_program_id = None
    if cohort_id is not None:
        cohort_program_id = (
            Cohort.objects.for_org(organization)
            .filter(pk=cohort_id)
            .values_list("program_id", flat=True)
            .first()
        )
    mentees = _scope_mentees(scope)
    # The standard attributes share their mentees: one query counts them all, and one per
    # wider scope. A question is asked in one cohort, so every scope sees the same people.
    standard = [item for item in attributes if item.question is None]
    counts = _match_group_counts(standard, mentees, scope)
    wider = [
        _match_group_counts(standard, _scope_mentees(w), w)
        for w in (_wider_scopes(scope, cohort_program_id) if standard else [])
    ]
    audits = []
    for item in attributes:
        if item.question is not None:
            groups = _match_group_counts([item], _population(item, mentees), scope)[item.key]
        else:
            groups = counts[item.key]
        audits.append(
            audit_attribute(
                key=item.key,
                label=item.label,
                groups=groups,
                metrics=MATCH_METRICS,
                threshold=threshold,
                wider=[] if item.question is not None else [w[item.key] for w in wider],
                describe=item.describe,
            )
        )
    return FairnessAudit(threshold=threshold, metrics=MATCH_METRICS, attributes=audits)


def _round_group_counts(attribute: Attribute, match_round: MatchRound) -> list[GroupCounts]:
    organization = match_round.organization
    proposals = MatchProposal.objects.for_org(organization).filter(
        match_round=match_round, mentee=OuterRef("pk")
    )
    kept = proposals.exclude(status=ProposalStatus.REJECTED)
    left_out = UnmatchedMentee.objects.for_org(organization).filter(
        match_round=match_round, mentee=OuterRef("pk")
    )
    score = kept.values("mentee").annotate(mean=Avg("score")).values("mean")
    rows = (
        Participant.objects.for_org(organization)
        # A round matches its cohort's people: the cohort bounds the scan.
        .filter(cohort_id=match_round.cohort_id)
        .filter(Q(Exists(proposals)) | Q(Exists(left_out)))
        .order_by()
        .annotate(
            group=_group_expression(attribute),
            proposed=Exists(kept),
            score=Subquery(score, output_field=FloatField()),
        )
        .values("group")
        .annotate(
            n=Count("pk"),
            spelled=Min(Trim("function")),
            proposed_n=Count("pk", filter=Q(proposed=True)),
            **_mean_aggregates("score"),
        )
    )
    return [
        GroupCounts(
            key=_key(row["group"]),
            label=_group_label(attribute, row["group"], row["spelled"]),
            n=row["n"],
            rates={"proposed": (row["proposed_n"], row["n"])},
            means={"score": _summary(row, "score")},
        )
        for row in rows
    ]


def round_fairness_audit(
    *, organization: Organization, match_round: MatchRound, attribute: str | None = None
) -> FairnessAudit:
    """The audit of one round's proposals, for its review before publishing: among the
    round's mentees (proposed a mentor or left unmatched), how often each group was proposed
    one (rejected proposals do not count) and its mean score, over every attribute or the one
    named. One query per attribute."""
    if match_round.organization_id != organization.pk:
        raise ValueError("the round belongs to another organization")
    threshold = anonymity_threshold(organization)
    attributes = fairness_attributes(organization=organization, cohort_id=match_round.cohort_id)
    if attribute:
        attributes = [a for a in attributes if a.key == attribute]
    audits = [
        audit_attribute(
            key=item.key,
            label=item.label,
            groups=_round_group_counts(item, match_round),
            metrics=ROUND_METRICS,
            threshold=threshold,
            describe=item.describe,
        )
        for item in attributes
    ]
    return FairnessAudit(threshold=threshold, metrics=ROUND_METRICS, attributes=audits)


__all__ = [
    "MATCH_METRICS",
    "ROUND_METRICS",
    "AttributeAudit",
    "FairnessAudit",
    "anonymity_threshold",
    "fairness_attributes",
    "fairness_audit",
    "round_fairness_audit",
]
