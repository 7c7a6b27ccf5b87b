"""HR reports under `/api/v1/reports/` (docs/reports.md): program summary, cohort engagement,
mentorships and participants with their engagement, survey results, the daily time series.

Every report is read-only and needs the `reports:read` scope (an API key) or a role that views
reports (a member). JSON, or CSV with `?format=csv` or `Accept: text/csv`, under the same stable
column names; lists page with a cursor (`next` in JSON, a `Link` header in CSV). The
snapshot-backed reports (cohorts, time series) answer `ETag` and `Last-Modified`, and 304 to a
client whose copy is current.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from analytics import reports
from analytics.fairness_selectors import fairness_attributes
from analytics.metrics import Period
from analytics.recognition import RecognitionFilters, RecognitionRow, recognition_rows
from analytics.renderers import ReportCSVRenderer
from analytics.selectors import without_jit
from core.api import ID_MAX, OrganizationScopedViewSet
from core.pagination import CreatedCursorPagination
from core.permissions import Capability
from mentorships.models import CloseReason, Mentorship, MentorshipStatus
from organizations.models import APIKeyScope, Organization
from participants.models import Participant, ParticipantRole, ParticipantStatus
from programs.models import CohortStatus
from surveys.results import survey_threshold

# ---------------------------------------------------------------------------------------------
# Query parameters
# ---------------------------------------------------------------------------------------------


class ScopeQuery(serializers.Serializer):
    program = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, help_text="Only this program."
    )
    cohort = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        help_text="Only this cohort (with `program`, a cohort of another program matches nothing).",
    )


class PeriodQuery(ScopeQuery):
    start = serializers.DateField(
        required=False, help_text="First day, included (UTC days). Default: 29 days before `end`."
    )
    end = serializers.DateField(required=False, help_text="Last day, included. Default: today.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        today = timezone.localdate(timezone=timezone.get_default_timezone())
        end = attrs.get("end") or today
        start = attrs.get("start") or end - dt.timedelta(days=reports.DEFAULT_PERIOD_DAYS - 1)
        if start > end:
            raise serializers.ValidationError({"start": [_("Start on or before the end.")]})
        if (end - start).days + 1 > reports.MAX_PERIOD_DAYS:
            raise serializers.ValidationError(
                {"start": [_("Ask for %(days)d days at most.") % {"days": reports.MAX_PERIOD_DAYS}]}
            )
        attrs["period"] = Period(start=start, end=end)
        return attrs


class PeopleQuery(PeriodQuery):
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        help_text="Only people of this country (ISO 3166 code, e.g. `GB`).",
    )
    function = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=120,
        help_text="Only people in this function, compared without case (e.g. `Sales`).",
    )


class SurveyQuery(ScopeQuery):
    survey = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        help_text="The survey; default: the scope's most recently opened one.",
    )
    country = serializers.CharField(
        required=False,
        max_length=120,
        help_text="Respondents of this country: a key the survey's results offer (`_other` "
        "for pooled small groups).",
    )
    function = serializers.CharField(
        required=False,
        max_length=120,
        help_text="Respondents in this function: a key the survey's results offer.",
    )


class FairnessQuery(ScopeQuery):
    attribute = serializers.CharField(
        required=False,
        max_length=120,
        help_text="Only this attribute: `country`, `function`, `seniority` or a sensitive "
        "enrollment question's key.",
    )
    round = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        help_text="The audit of this match round's proposals (proposal rate and match score "
        "per group), e.g. before publishing it; a round outside `program`/`cohort` has no rows.",
    )


class RecognitionQuery(ScopeQuery):
    start = serializers.DateField(
        required=False,
        help_text="Count check-ins and thank-yous from this day (UTC), included. Default: "
        "from the first.",
    )
    end = serializers.DateField(
        required=False,
        help_text="Count them until this day, included. Default: until now, as the "
        "recognition page does.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if start is not None and end is not None and start > end:
            raise serializers.ValidationError({"start": [_("Start on or before the end.")]})
        return attrs


_FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    required=False,
    description="`csv` for CSV (or send `Accept: text/csv`).",
)
_CONDITIONAL = [
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=False,
        description="The `ETag` of your copy: 304 when nothing changed.",
    ),
    OpenApiParameter(
        "If-Modified-Since",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=False,
        description="The `Last-Modified` of your copy (HTTP date): 304 when nothing changed.",
    ),
]

# ---------------------------------------------------------------------------------------------
# Rows (their field order is the CSV's column order)
# ---------------------------------------------------------------------------------------------


def _choices(choices: type[models.TextChoices]) -> str:
    """A status named as text with its values listed (an enum per report would collide with
    the resources' own `status` enums in the schema)."""
    return "One of " + ", ".join(f"`{value}`" for value in choices.values) + "."


def _rate(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text + " 0 to 1; empty: no base.")


class SummaryRow(serializers.Serializer):
    program = serializers.IntegerField(allow_null=True)
    cohort = serializers.IntegerField(allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField()
    participants = serializers.IntegerField(help_text="On the roster at the end of `end`.")
    invited = serializers.IntegerField(help_text="Funnel: participations that joined in period.")
    enrolled = serializers.IntegerField(help_text="Funnel: of those, still enrolled or matched.")
    matched = serializers.IntegerField(
        help_text="Funnel: and matched by the end (got a mentor, or a first mentee; "
        "docs/metrics.md)."
    )
    first_check_in = serializers.IntegerField(help_text="Funnel: and held a check-in.")
    active = serializers.IntegerField(help_text="Funnel: and met in the last 30 days.")
    completed = serializers.IntegerField(help_text="Funnel: and completed a mentorship.")
    mentees_joined = serializers.IntegerField()
    mentees_matched = serializers.IntegerField(
        help_text="Of the mentees joined, those who got a mentor by the end (when the match "
        "was published or accepted, whenever the mentorship starts)."
    )
    match_rate = _rate("Mentees matched / mentees joined.")
    median_days_to_match = serializers.FloatField(allow_null=True)
    active_mentorships = serializers.IntegerField(
        help_text="Open on `end` with a check-in held in the 30 days ending then."
    )
    mentorships_running = serializers.IntegerField()
    check_ins_held = serializers.IntegerField()
    check_ins_per_mentorship = serializers.FloatField(allow_null=True)
    hours_mentored = serializers.FloatField()
    ratings = serializers.IntegerField()
    average_rating = serializers.FloatField(allow_null=True, help_text="Check-in ratings, 1-5.")
    goals_set = serializers.IntegerField()
    goals_done = serializers.IntegerField()
    goal_completion_rate = _rate("Goals done / goals set.")
    satisfaction_source = serializers.ChoiceField(choices=["surveys", "check_in_ratings"])
    satisfaction_responses = serializers.IntegerField()
    satisfaction_average = serializers.FloatField(allow_null=True, help_text="1-5 scale.")
    nps = serializers.FloatField(allow_null=True, help_text="-100 to 100.")
    pairs_started = serializers.IntegerField()
    cross_cultural_share = _rate("Pairs from different countries.")
    cross_functional_share = _rate("Pairs from different functions.")
    withdrawals = serializers.IntegerField()
    withdrawal_rate = _rate("Withdrawals / people on the roster in the period.")
    mentorships_completed = serializers.IntegerField()
    mentorships_ended_early = serializers.IntegerField()
    drop_off_rate = _rate("Ended early / mentorships running.")


class CohortRow(serializers.Serializer):
    cohort = serializers.IntegerField()
    cohort_name = serializers.CharField()
    program = serializers.IntegerField()
    program_name = serializers.CharField()
    status = serializers.CharField(help_text=_choices(CohortStatus))
    start = serializers.DateField()
    end = serializers.DateField()
    snapshot_days = serializers.IntegerField(help_text="Days of the period with a snapshot.")
    last_snapshot_day = serializers.DateField(allow_null=True)
    participants = serializers.IntegerField(help_text="At the end of the last snapshot day.")
    mentees = serializers.IntegerField()
    matched_mentees = serializers.IntegerField()
    mentorships_open = serializers.IntegerField()
    mentorships_active = serializers.IntegerField()
    joined = serializers.IntegerField(help_text="Summed over the period's days.")
    withdrawals = serializers.IntegerField()
    mentorships_started = serializers.IntegerField()
    mentorships_completed = serializers.IntegerField()
    mentorships_ended_early = serializers.IntegerField()
    check_ins_held = serializers.IntegerField()
    ratings = serializers.IntegerField()
    hours_mentored = serializers.FloatField()
    average_rating = serializers.FloatField(allow_null=True)
    satisfied_share = _rate("Ratings of 4 or 5.")


class TimeSeriesRow(serializers.Serializer):
    day = serializers.DateField()
    cohorts = serializers.IntegerField(help_text="Cohorts with a snapshot that day.")
    participants = serializers.IntegerField(help_text="At the end of the day.")
    mentees = serializers.IntegerField()
    matched_mentees = serializers.IntegerField()
    mentorships_open = serializers.IntegerField()
    mentorships_active = serializers.IntegerField()
    joined = serializers.IntegerField(help_text="During the day.")
    withdrawals = serializers.IntegerField()
    mentorships_started = serializers.IntegerField()
    mentorships_completed = serializers.IntegerField()
    mentorships_ended_early = serializers.IntegerField()
    check_ins_held = serializers.IntegerField()
    ratings = serializers.IntegerField()
    hours_mentored = serializers.FloatField()
    average_rating = serializers.FloatField(allow_null=True)
    satisfied_share = _rate("Ratings of 4 or 5.")


class MentorshipRow(serializers.Serializer):
    mentorship = serializers.IntegerField()
    cohort = serializers.IntegerField()
    program = serializers.IntegerField()
    mentor = serializers.IntegerField(help_text="The mentor's participant id.")
    mentees = serializers.IntegerField()
    status = serializers.CharField(help_text=_choices(MentorshipStatus))
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    close_reason = serializers.ChoiceField(
        choices=[*CloseReason.choices, ("", "")], allow_blank=True
    )
    check_ins_held = serializers.IntegerField(help_text="Held in the period.")
    hours_mentored = serializers.FloatField(help_text="Length of those check-ins.")
    ratings = serializers.IntegerField(help_text="Ratings given on those check-ins.")
    average_rating = serializers.FloatField(allow_null=True)
    goals_set = serializers.IntegerField(help_text="Now, dropped goals left out.")
    goals_done = serializers.IntegerField()
    last_check_in_on = serializers.DateField(allow_null=True, help_text="Latest held, ever.")


class ParticipantRow(serializers.Serializer):
    participant = serializers.IntegerField()
    full_name = serializers.CharField()
    email = serializers.EmailField()
    cohort = serializers.IntegerField()
    program = serializers.IntegerField()
    role = serializers.ChoiceField(choices=ParticipantRole.choices)
    status = serializers.CharField(help_text=_choices(ParticipantStatus))
    country = serializers.CharField()
    function = serializers.CharField()
    seniority = serializers.IntegerField()
    joined_on = serializers.DateField()
    withdrawn_on = serializers.DateField(allow_null=True)
    matched = serializers.BooleanField(
        help_text="Matched by the period's end: got a mentor, or a first mentee, when the match "
        "was made (docs/metrics.md)."
    )
    mentorships = serializers.IntegerField(help_text="Mentorships started by the period's end.")
    check_ins_held = serializers.IntegerField(help_text="Held in the period, as mentor or mentee.")
    last_check_in_on = serializers.DateField(allow_null=True)


class MentorRow(serializers.Serializer):
    mentor = serializers.IntegerField(help_text="The mentor's participant id (one per cohort).")
    full_name = serializers.CharField()
    email = serializers.EmailField()
    cohort = serializers.IntegerField()
    cohort_name = serializers.CharField()
    program = serializers.IntegerField()
    program_name = serializers.CharField()
    hours_mentored = serializers.FloatField(
        help_text="Length of the check-ins held in their mentorships, in hours (2 decimals)."
    )
    check_ins_held = serializers.IntegerField(help_text="Check-ins held (docs/metrics.md).")
    ratings = serializers.IntegerField(
        help_text="Ratings their mentees gave those check-ins (the mentor's own left out)."
    )
    average_rating = serializers.FloatField(allow_null=True, help_text="Mean of those, 1-5.")
    mentees = serializers.IntegerField(help_text="Mentees of their mentorships in scope, ever.")
    thank_yous = serializers.IntegerField(help_text="Thank-yous the program team sent them.")


class SurveyResultRow(serializers.Serializer):
    survey = serializers.IntegerField()
    question = serializers.CharField(help_text="The question's key, stable within the survey.")
    question_type = serializers.CharField(
        help_text="`scale_1_5`, `nps`, `single`, `multiple`, `matrix`, `short_text` or `long_text`."
    )
    question_text = serializers.CharField()
    section = serializers.CharField()
    answered = serializers.IntegerField(help_text="0 when withheld.")
    withheld = serializers.BooleanField(help_text="Fewer than the threshold answered it.")
    mean = serializers.FloatField(allow_null=True)
    nps = serializers.IntegerField(allow_null=True)
    statement = serializers.CharField(allow_blank=True, help_text="A matrix's statement key.")
    value = serializers.CharField(allow_blank=True)
    label = serializers.CharField(allow_blank=True)  # type: ignore[assignment]
    count = serializers.IntegerField(allow_null=True)
    percent = serializers.FloatField(allow_null=True)


class FairnessRow(serializers.Serializer):
    attribute = serializers.CharField()
    attribute_label = serializers.CharField()
    group = serializers.CharField(help_text="The group's key; small groups fold into other.")
    group_label = serializers.CharField()
    is_other = serializers.BooleanField()
    group_size = serializers.IntegerField()
    metric = serializers.CharField(help_text="`matched`, `days_to_match`, `score`, ….")
    metric_label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="The group's rate (0-1) or mean.")
    rest = serializers.FloatField(allow_null=True, help_text="Everyone else's.")
    difference = serializers.FloatField(allow_null=True, help_text="Group minus the rest.")
    ci_low = serializers.FloatField(allow_null=True, help_text="95% interval of the gap.")
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    adjusted_p = serializers.FloatField(allow_null=True, help_text="Holm-adjusted.")
    flagged = serializers.BooleanField()
    withheld = serializers.BooleanField(help_text="Too few people to show a gap.")
    finding = serializers.CharField(allow_blank=True, help_text="The flag in words.")
    match_round = serializers.IntegerField(
        allow_null=True, help_text="The round audited (`round`); empty: the scope's mentees."
    )


class FairnessPage(serializers.Serializer):
    results = FairnessRow(many=True)


class SurveyResultsPage(serializers.Serializer):
    survey = serializers.IntegerField(allow_null=True, help_text="Null: no survey in scope.")
    anonymous = serializers.BooleanField()
    threshold = serializers.IntegerField()
    shown = serializers.BooleanField(help_text="False: the anonymity threshold withholds it.")
    refusal = serializers.CharField(allow_null=True)
    results = SurveyResultRow(many=True)


class TimeSeriesPage(serializers.Serializer):
    results = TimeSeriesRow(many=True)


class SummaryPage(serializers.Serializer):
    results = SummaryRow(many=True, help_text="One row.")


def _page_of(row: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The cursor page the schema promises around a report's rows."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": row(many=True),
        },
    )


class ReportIndexRow(serializers.Serializer):
    report = serializers.CharField(help_text="The report's name, the last part of its URL.")
    url = serializers.URLField()
    title = serializers.CharField()
    description = serializers.CharField()
    filters = serializers.ListField(
        child=serializers.CharField(), help_text="Its query parameters besides `format`."
    )
    formats = serializers.ListField(
        child=serializers.CharField(), help_text="`json`, `csv` (`?format=` or `Accept`)."
    )
    paginated = serializers.BooleanField(
        help_text="Pages with a cursor: `next` in JSON, a `Link` header in CSV; `page_size`."
    )
    conditional = serializers.BooleanField(
        help_text="Answers `ETag` and `Last-Modified`, and 304 to a current copy."
    )
    columns = serializers.ListField(
        child=serializers.CharField(), help_text="Its stable column names, in CSV order."
    )


# One object holding the reports, not a page of rows: the schema would otherwise take the
# index (the viewset's `list`) for a list of them.
@extend_schema_serializer(many=False)
class ReportIndexPage(serializers.Serializer):
    results = ReportIndexRow(many=True)


CohortPage = _page_of(CohortRow, "CohortReportPage")
MentorshipPage = _page_of(MentorshipRow, "MentorshipReportPage")
ParticipantPage = _page_of(ParticipantRow, "ParticipantReportPage")
MentorPage = _page_of(MentorRow, "MentorReportPage")

_SUMMARY_EXAMPLE = {
    "program": 3,
    "cohort": None,
    "start": "2026-10-31",
    "end": "2026-11-29",
    "participants": 412,
    "invited": 60,
    "enrolled": 57,
    "matched": 51,
    "first_check_in": 44,
    "active": 40,
    "completed": 0,
    "mentees_joined": 30,
    "mentees_matched": 27,
    "match_rate": 0.9,
    "median_days_to_match": 3.5,
    "active_mentorships": 118,
    "mentorships_running": 131,
    "check_ins_held": 240,
    "check_ins_per_mentorship": 1.83,
    "hours_mentored": 231.5,
    "ratings": 180,
    "average_rating": 4.4,
    "goals_set": 300,
    "goals_done": 96,
    "goal_completion_rate": 0.32,
    "satisfaction_source": "surveys",
    "satisfaction_responses": 85,
    "satisfaction_average": 4.2,
    "nps": 41.0,
    "pairs_started": 27,
    "cross_cultural_share": 0.63,
    "cross_functional_share": 0.81,
    "withdrawals": 4,
    "withdrawal_rate": 0.0097,
    "mentorships_completed": 0,
    "mentorships_ended_early": 3,
    "drop_off_rate": 0.0229,
}
_SNAPSHOT_FIGURES_EXAMPLE = {
    "participants": 120,
    "mentees": 60,
    "matched_mentees": 55,
    "mentorships_open": 55,
    "mentorships_active": 49,
    "joined": 2,
    "withdrawals": 1,
    "mentorships_started": 1,
    "mentorships_completed": 0,
    "mentorships_ended_early": 0,
    "check_ins_held": 61,
    "ratings": 40,
    "hours_mentored": 58.5,
    "average_rating": 4.35,
    "satisfied_share": 0.875,
}


@dataclass(frozen=True)
class ReportInfo:
    """A report as the index (`GET /api/v1/reports/`) lists it: what `_report_schema`
    documents, so the index and the schema cannot drift apart."""

    action: str  # the viewset's action, whose route the index links
    title: str
    description: str
    query: type[serializers.Serializer]
    paginated: bool
    conditional: bool


# Every report, in the order the viewset declares them (`_report_schema` adds each).
REPORT_INDEX: list[ReportInfo] = []


def _report_schema(
    summary: str,
    description: str,
    query: type[serializers.Serializer],
    page: type[serializers.Serializer],
    example: dict[str, Any],
    *,
    paginated: bool = False,
    conditional: bool = False,
) -> Any:
    """The report's OpenAPI description, and its entry in the index."""
    schema = _report_openapi(
        summary, description, query, page, example, paginated=paginated, conditional=conditional
    )

    def decorate(view: Any) -> Any:
        REPORT_INDEX.append(
            ReportInfo(view.__name__, summary, description, query, paginated, conditional)
        )
        return schema(view)

    return decorate


def _report_openapi(
    summary: str,
    description: str,
    query: type[serializers.Serializer],
    page: type[serializers.Serializer],
    example: dict[str, Any],
    *,
    paginated: bool,
    conditional: bool,
) -> Any:
    parameters: list[Any] = [query, _FORMAT]
    if paginated:
        parameters += [
            OpenApiParameter("cursor", OpenApiTypes.STR, required=False),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                required=False,
            ),
        ]
    if conditional:
        parameters += _CONDITIONAL
    responses: dict[Any, Any] = {
        (200, "application/json"): OpenApiResponse(page, description=description),
        (200, "text/csv"): OpenApiResponse(
            OpenApiTypes.STR, description="The same rows as CSV, one line per row."
        ),
    }
    if conditional:
        responses[(304, "application/json")] = OpenApiResponse(
            description="Your copy (its `ETag` or `Last-Modified`) is current."
        )
    return extend_schema(
        summary=summary,
        description=description,
        parameters=parameters,
        responses=responses,
        filters=False,
        examples=[OpenApiExample(summary, value=example, response_only=True, status_codes=[200])],
    )


# ---------------------------------------------------------------------------------------------
# The viewset
# ---------------------------------------------------------------------------------------------


class ReportCursorPagination(CreatedCursorPagination):
    """A cursor the API did not hand out is a bad request (400, naming the `cursor`
    parameter), not a missing page: DRF answers 404, which reads as "no such report"."""

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {
                    self.cursor_query_param: [
                        _(
                            "Not a cursor of this report: follow the `next` or `previous` "
                            "link of a page, or leave the cursor out for the first page."
                        )
                    ]
                }
            ) from None


class IdCursorPagination(ReportCursorPagination):
    """Newest first by id, the order rows were created in: mentorships have no index on
    (organization, created_at), so paging by it sorted every mentorship of the organization
    (and worked out their goals) before taking a page; the primary key's index hands the page
    over in order."""

    ordering = ("-id",)  # type: ignore[assignment]


class ReportViewSet(OrganizationScopedViewSet[Participant]):
    """The HR reports. Read-only; `reports:read` for API keys, `view_reports` for members."""

    model = Participant
    read_capability = Capability.VIEW_REPORTS
    read_scope = APIKeyScope.REPORTS_READ.value
    renderer_classes = [JSONRenderer, ReportCSVRenderer]
    # Each list report names its pagination; the index and the one-page reports have none.
    pagination_class = None
    filter_backends = []

    # The row serializer of each report: its fields are the CSV's columns.
    ROWS: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "summary": SummaryRow,
        "cohorts": CohortRow,
        "time_series": TimeSeriesRow,
        "mentorships": MentorshipRow,
        "participants": ParticipantRow,
        "survey_results": SurveyResultRow,
        "fairness": FairnessRow,
        "mentors": MentorRow,
    }

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # The reports' aggregates cost enough for PostgreSQL to compile them, and compiling
        # took far longer than running them (13.4 of 14.4 s of the fairness audit's country
        # query at 10,000 participants). After `initial`: inside the request's transaction.
        without_jit()

    def organization_queryset(self, organization: Organization) -> QuerySet[Participant]:
        return Participant.objects.for_org(organization)

    def get_renderers(self) -> list[Any]:
        # The index is a directory of the reports, not a table: JSON only.
        if self.action == "list":
            return [JSONRenderer()]
        return super().get_renderers()

    def report_columns(self) -> list[str]:
        row = self.ROWS.get(self.action or "")
        return list(row().fields) if row is not None else []

    def _filter(self, query: type[serializers.Serializer]) -> reports.ReportFilter:
        parsed = query(data=self.request.query_params)
        parsed.is_valid(raise_exception=True)
        values = parsed.validated_data
        return reports.ReportFilter(
            organization=self.request.organization,
            period=values.get("period") or Period.last_days(reports.DEFAULT_PERIOD_DAYS),
            program_id=values.get("program"),
            cohort_id=values.get("cohort"),
            country=values.get("country") or None,
            function=(values.get("function") or "").strip() or None,
        )

    def _page(self, queryset: QuerySet[Any], build: Any) -> Response:
        page = self.paginate_queryset(queryset)
        response = self.get_paginated_response(build(page or []))
        if self.request.accepted_renderer.format == "csv":
            links = [
                f'<{url}>; rel="{rel}"'
                for rel, url in (
                    ("next", response.data["next"]),
                    ("prev", response.data["previous"]),
                )
                if url
            ]
            if links:
                response["Link"] = ", ".join(links)
        return self._named(response)

    def _named(self, response: Response) -> Response:
        if self.request.accepted_renderer.format == "csv":
            name = (self.action or "report").replace("_", "-")
            response["Content-Disposition"] = f'attachment; filename="report-{name}.csv"'
        return response

    def _conditional(self, report: reports.ReportFilter, build: Any) -> Response:
        """A snapshot-backed report with its validators, or 304 when the client's copy is
        current: one query decides before the report is read."""
        changed = reports.snapshots_changed_at(report)
        etag = reports.snapshot_etag(
            report, changed, f"{self.action}:{self.request.accepted_renderer.format}"
        )
        headers = {"ETag": etag}
        if changed is not None:
            headers["Last-Modified"] = http_date(changed.timestamp())
        if self._client_is_current(etag, changed):
            response = Response(status=304, headers=headers)
        else:
            response = build()
            for name, value in headers.items():
                response[name] = value
        # The validators change with the filter and the format, never with the credentials.
        response["Cache-Control"] = "private, no-cache"
        response["Vary"] = "Accept, Authorization, Cookie"
        return response

    def _client_is_current(self, etag: str, changed: dt.datetime | None) -> bool:
        if_none_match = self.request.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return etag in tags or "*" in tags
        since = parse_http_date_safe(self.request.headers.get("If-Modified-Since") or "")
        return changed is not None and since is not None and int(changed.timestamp()) <= since

    @extend_schema(
        summary="Reports index",
        description="Every report: its URL, what it holds, its filters, its formats, whether "
        "it pages or answers `ETag`/`Last-Modified`, and its stable columns. The same for every "
        "organization.",
        responses={200: ReportIndexPage},
        examples=[
            OpenApiExample(
                "Reports index",
                value={
                    "results": [
                        {
                            "report": "participants",
                            "url": "https://mentoring.example.com/api/v1/reports/participants/",
                            "title": "Participants with status and engagement",
                            "description": "Participations on the roster at some moment of "
                            "the period, newest first: status, profile attributes, whether "
                            "matched, and the check-ins held in the period.",
                            "filters": [
                                "program",
                                "cohort",
                                "start",
                                "end",
                                "country",
                                "function",
                            ],
                            "formats": ["json", "csv"],
                            "paginated": True,
                            "conditional": False,
                            "columns": ["participant", "full_name", "email", "…"],
                        }
                    ]
                },
                response_only=True,
                status_codes=[200],
            )
        ],
    )
    def list(self, request: Request) -> Response:
        """No query: it reads nothing of the organization, only the reports' declarations."""
        results = []
        for info in REPORT_INDEX:
            view = getattr(self, info.action)
            results.append(
                {
                    "report": view.url_path,
                    "url": self.reverse_action(view.url_name),
                    "title": info.title,
                    "description": info.description,
                    "filters": list(info.query().fields),
                    "formats": ["json", "csv"],
                    "paginated": info.paginated,
                    "conditional": info.conditional,
                    "columns": list(self.ROWS[info.action]().fields),
                }
            )
        return Response({"results": results})

    @_report_schema(
        "Program summary",
        "The figures of docs/metrics.md for the organization, a program or a cohort over the "
        "period (one row): funnel, matching, engagement, goals, satisfaction, pair mix, drop-off.",
        PeriodQuery,
        SummaryPage,
        {"results": [_SUMMARY_EXAMPLE]},
    )
    @action(detail=False, methods=["get"])
    def summary(self, request: Request) -> Response:
        report = self._filter(PeriodQuery)
        return self._counted(reports.summary_counted(report), lambda row: [row])

    @_report_schema(
        "Cohort engagement",
        "Each cohort's figures over the period from the nightly snapshots (through yesterday): "
        "counts at the end of the last snapshot day, and the days' events summed.",
        PeriodQuery,
        CohortPage,
        {
            "next": None,
            "previous": None,
            "results": [
                {
                    "cohort": 9,
                    "cohort_name": "Spring 2026",
                    "program": 3,
                    "program_name": "Leadership",
                    "status": "active",
                    "start": "2026-10-31",
                    "end": "2026-11-29",
                    "snapshot_days": 29,
                    "last_snapshot_day": "2026-11-28",
                    **_SNAPSHOT_FIGURES_EXAMPLE,
                }
            ],
        },
        paginated=True,
        conditional=True,
    )
    @action(detail=False, methods=["get"], pagination_class=ReportCursorPagination)
    def cohorts(self, request: Request) -> Response:
        report = self._filter(PeriodQuery)
        return self._conditional(
            report,
            lambda: self._page(
                reports.cohort_queryset(report), lambda page: reports.cohort_rows(report, page)
            ),
        )

    @_report_schema(
        "Daily time series",
        "One row per day the nightly snapshots cover in the period, summed over the scope's "
        "cohorts. Today appears after tonight's snapshot.",
        PeriodQuery,
        TimeSeriesPage,
        {"results": [{"day": "2026-11-28", "cohorts": 4, **_SNAPSHOT_FIGURES_EXAMPLE}]},
        conditional=True,
    )
    @action(detail=False, methods=["get"], url_path="time-series", pagination_class=None)
    def time_series(self, request: Request) -> Response:
        report = self._filter(PeriodQuery)
        return self._conditional(
            report,
            lambda: self._named(Response({"results": reports.time_series_rows(report)})),
        )

    @_report_schema(
        "Mentorships with engagement",
        "Mentorships running in the period, newest first, with the check-ins held in the "
        "period, their hours and ratings, and the goals set and done. `country` and `function` "
        "keep mentorships whose mentor or a mentee matches.",
        PeopleQuery,
        MentorshipPage,
        {
            "next": None,
            "previous": None,
            "results": [
                {
                    "mentorship": 87,
                    "cohort": 9,
                    "program": 3,
                    "mentor": 310,
                    "mentees": 1,
                    "status": "active",
                    "started_on": "2026-09-14",
                    "ended_on": None,
                    "close_reason": "",
                    "check_ins_held": 3,
                    "hours_mentored": 2.5,
                    "ratings": 4,
                    "average_rating": 4.5,
                    "goals_set": 3,
                    "goals_done": 1,
                    "last_check_in_on": "2026-11-24",
                }
            ],
        },
        paginated=True,
    )
    @action(detail=False, methods=["get"], pagination_class=IdCursorPagination)
    def mentorships(self, request: Request) -> Response:
        report = self._filter(PeopleQuery)
        return self._page(reports.mentorship_queryset(report), reports.mentorship_rows)

    @_report_schema(
        "Participants with status and engagement",
        "Participations on the roster at some moment of the period, newest first: status, "
        "profile attributes, whether matched, and the check-ins held in the period.",
        PeopleQuery,
        ParticipantPage,
        {
            "next": None,
            "previous": None,
            "results": [
                {
                    "participant": 311,
                    "full_name": "Ana Souza",
                    "email": "ana@example.com",
                    "cohort": 9,
                    "program": 3,
                    "role": "mentee",
                    "status": "active",
                    "country": "BR",
                    "function": "Sales",
                    "seniority": 2,
                    "joined_on": "2026-09-01",
                    "withdrawn_on": None,
                    "matched": True,
                    "mentorships": 1,
                    "check_ins_held": 3,
                    "last_check_in_on": "2026-11-24",
                }
            ],
        },
        paginated=True,
    )
    @action(detail=False, methods=["get"], pagination_class=ReportCursorPagination)
    def participants(self, request: Request) -> Response:
        report = self._filter(PeopleQuery)
        return self._page(reports.participant_queryset(report), reports.participant_rows)

    @_report_schema(
        "Survey results",
        "A survey's aggregated answers (the scope's latest survey unless `survey` is given): "
        "one row per answer value (a matrix: per statement and value), or per question when it "
        "has none. Anonymous surveys show no group smaller than the organization's threshold, "
        "whatever the filters: a refused group has `shown: false` and no rows.",
        SurveyQuery,
        SurveyResultsPage,
        {
            "survey": 12,
            "anonymous": True,
            "threshold": 5,
            "shown": True,
            "refusal": None,
            "results": [
                {
                    "survey": 12,
                    "question": "recommend",
                    "question_type": "nps",
                    "question_text": "How likely are you to recommend the program?",
                    "section": "Overall",
                    "answered": 20,
                    "withheld": False,
                    "mean": 8.1,
                    "nps": 40,
                    "statement": "",
                    "value": "10",
                    "label": "10",
                    "count": 7,
                    "percent": 35.0,
                }
            ],
        },
    )
    @action(detail=False, methods=["get"], url_path="survey-results", pagination_class=None)
    def survey_results(self, request: Request) -> Response:
        parsed = SurveyQuery(data=request.query_params)
        parsed.is_valid(raise_exception=True)
        report = self._filter(SurveyQuery)
        survey = reports.report_survey(report, parsed.validated_data.get("survey"))
        if survey is None:
            data: dict[str, Any] = {
                "survey": None,
                "anonymous": False,
                "threshold": survey_threshold(organization=self.request.organization),
                "shown": False,
                "refusal": None,
                "results": [],
            }
        else:
            results = reports.survey_result(report, survey)
            data = {
                "survey": survey.pk,
                "anonymous": results.anonymous,
                "threshold": results.threshold,
                "shown": results.shown,
                "refusal": results.refusal.value if results.refusal else None,
                "results": reports.survey_result_rows(results),
            }
        return self._named(Response(data))

    @_report_schema(
        "Fairness audit of matching",
        "Match rate, time to match, match score, check-in rate and satisfaction per group of "
        "each attribute against everyone else: the gap, its 95% interval, the p-value and "
        "whether it is flagged (docs/fairness.md). Groups under the anonymity threshold are "
        "folded into other. With `round`, the audit of that match round's proposals before "
        "publishing: the proposal rate and match score per group.",
        FairnessQuery,
        FairnessPage,
        {
            "results": [
                {
                    "attribute": "function",
                    "attribute_label": "Function",
                    "group": "operations",
                    "group_label": "Operations",
                    "is_other": False,
                    "group_size": 40,
                    "metric": "matched",
                    "metric_label": "Match rate",
                    "value": 0.71,
                    "rest": 0.85,
                    "difference": -0.14,
                    "ci_low": -0.27,
                    "ci_high": -0.03,
                    "p_value": 0.01,
                    "adjusted_p": 0.03,
                    "flagged": True,
                    "withheld": False,
                    "finding": "Mentees in Operations were matched 14 points less often than "
                    "everyone else (p = 0.01).",
                    "match_round": None,
                }
            ]
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def fairness(self, request: Request) -> Response:
        parsed = FairnessQuery(data=request.query_params)
        parsed.is_valid(raise_exception=True)
        report = self._filter(FairnessQuery)
        attribute = parsed.validated_data.get("attribute") or None
        round_id = parsed.validated_data.get("round")
        if attribute is not None:
            self._known_attribute(report, attribute, round_id)
        if round_id is None:
            return self._counted(reports.fairness_counted(report, attribute), lambda rows: rows)
        # A round under review is counted afresh on every request: it has no time to name.
        rows = reports.fairness_rows(report, attribute, round_id=round_id)
        return self._named(Response({"results": rows}))

    def _counted(self, counted: reports.Counted[Any], results: Any) -> Response:
        """Kept figures (analytics.reports, "Kept figures") with the time they were counted as
        `Last-Modified`, and 304 to an `If-Modified-Since` that is not older."""
        headers = {"Cache-Control": "private, no-cache", "Vary": "Accept, Authorization, Cookie"}
        counted_at = counted.counted_at
        if counted_at is not None:
            headers["Last-Modified"] = http_date(counted_at.timestamp())
            since = parse_http_date_safe(self.request.headers.get("If-Modified-Since") or "")
            if since is not None and int(counted_at.timestamp()) <= since:
                return Response(status=304, headers=headers)
        response = self._named(Response({"results": results(counted.value)}))
        for name, value in headers.items():
            response[name] = value
        return response

    def _known_attribute(
        self, report: reports.ReportFilter, attribute: str, round_id: int | None
    ) -> None:
        """An attribute the audit does not know is refused (400, listing those it knows for
        the scope, or the round's cohort), rather than answered with no rows as if nobody
        differed. One query (two with a round)."""
        cohort_id = report.cohort_id
        if round_id is not None:
            match_round = reports.report_match_round(report, round_id)
            if match_round is None:
                return  # a round outside the scope has no rows, whatever the attribute
            cohort_id = match_round.cohort_id
        known = [
            item.key
            for item in fairness_attributes(
                organization=report.organization,
                program_id=report.program_id,
                cohort_id=cohort_id,
            )
        ]
        if attribute not in known:
            raise exceptions.ValidationError(
                {
                    "attribute": [
                        _("Not an attribute of this audit. Ask for one of: %(known)s.")
                        % {"known": ", ".join(known)}
                    ]
                }
            )

    @_report_schema(
        "Mentor recognition",
        "Each mentor (one row per cohort they mentor in), newest first: hours mentored and "
        "check-ins held in their mentorships, the ratings their mentees gave, their mentees "
        "and the thank-yous they received, the figures of the recognition page, for "
        "performance reviews. Without `start` and `end`, everything until now, as that page "
        "counts it.",
        RecognitionQuery,
        MentorPage,
        {
            "next": None,
            "previous": None,
            "results": [
                {
                    "mentor": 310,
                    "full_name": "Kofi Mensah",
                    "email": "kofi@example.com",
                    "cohort": 9,
                    "cohort_name": "Spring 2026",
                    "program": 3,
                    "program_name": "Leadership",
                    "hours_mentored": 12.5,
                    "check_ins_held": 11,
                    "ratings": 9,
                    "average_rating": 4.67,
                    "mentees": 2,
                    "thank_yous": 1,
                }
            ],
        },
        paginated=True,
    )
    @action(detail=False, methods=["get"], pagination_class=IdCursorPagination)
    def mentors(self, request: Request) -> Response:
        parsed = RecognitionQuery(data=request.query_params)
        parsed.is_valid(raise_exception=True)
        values = parsed.validated_data
        organization = self.request.organization
        program_id, cohort_id = values.get("program"), values.get("cohort")
        filters = RecognitionFilters(
            program_id=program_id,
            cohort_id=cohort_id,
            since=values.get("start"),
            until=values.get("end"),
        )
        # Program and cohort together: a cohort of another program matches nothing.
        mentorships = Mentorship.objects.for_org(organization)
        if program_id is not None:
            mentorships = mentorships.filter(cohort__program_id=program_id)
        if cohort_id is not None:
            mentorships = mentorships.filter(cohort_id=cohort_id)
        mentors = Participant.objects.for_org(organization).filter(
            pk__in=mentorships.values("mentor_id")
        )

        def build(page: list[Participant]) -> list[dict[str, Any]]:
            figures = {
                row.mentor_id: row
                for row in recognition_rows(
                    organization=organization, filters=filters, mentor_ids=[m.pk for m in page]
                )
            }
            return [_mentor_row(figures[mentor.pk]) for mentor in page if mentor.pk in figures]

        return self._page(mentors, build)


def _mentor_row(row: RecognitionRow) -> dict[str, Any]:
    return {
        "mentor": row.mentor_id,
        "full_name": row.full_name,
        "email": row.email,
        "cohort": row.cohort_id,
        "cohort_name": row.cohort,
        "program": row.program_id,
        "program_name": row.program,
        "hours_mentored": row.hours_mentored,
        "check_ins_held": row.check_ins_held,
        "ratings": row.ratings,
        "average_rating": row.average_rating,
        "mentees": row.mentees,
        "thank_yous": row.thank_yous,
    }
