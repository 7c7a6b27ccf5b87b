"""Surveys under `/api/v1/surveys/`: definitions, results (anonymity respected; JSON or CSV) and
a named survey's per-person responses. Every operation is a report: an API key needs the
`reports:read` scope, a member a role that reads the program admin pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import BooleanFilter, FilterSet, IdFilter, OrganizationScopedViewSet
from core.permissions import Capability
from organizations.models import APIKeyScope, Organization
from surveys import exports
from surveys.anonymity import DIMENSIONS
from surveys.models import (
    QuestionType,
    Survey,
    SurveyKind,
    SurveyQuestion,
    SurveySection,
    SurveyStatus,
)
from surveys.results import (
    QuestionResult,
    SurveyResults,
    chosen_filters,
    named_answers,
    named_response_list,
    survey_questions,
    survey_results,
)

# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


class ResultsCSVRenderer(BaseRenderer):
    """`?format=csv` or `Accept: text/csv`: rows (a list of lists) as CSV with every formula
    neutralised. Errors stay JSON (`OrganizationScopedViewSet.handle_exception`), as documented."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return exports.csv_text(data if isinstance(data, list) else []).encode(self.charset)


# ---------------------------------------------------------------------------------------------
# Definitions
# ---------------------------------------------------------------------------------------------


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField(help_text="Stable within the survey, e.g. `good_match`.")
    type = serializers.ChoiceField(choices=QuestionType.choices)
    position = serializers.IntegerField()
    text = serializers.DictField(child=serializers.CharField())
    help_text = serializers.DictField(child=serializers.CharField())  # type: ignore[assignment]
    low_label = serializers.DictField(child=serializers.CharField())
    high_label = serializers.DictField(child=serializers.CharField())
    choices = serializers.ListField(
        child=serializers.DictField(), help_text='`[{"value": "yes", "label": {"en": "Yes"}}]`'
    )
    statements = serializers.ListField(
        child=serializers.DictField(), help_text='`[{"key": "listens", "text": {"en": "…"}}]`'
    )
    required = serializers.BooleanField()  # type: ignore[assignment]
    show_if = serializers.DictField(
        allow_null=True, help_text='`{"question": "good_match", "values": ["no"]}` or null.'
    )


class SectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.DictField(child=serializers.CharField())
    description = serializers.DictField(child=serializers.CharField())
    questions = QuestionSerializer(many=True)


class SurveySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    program = serializers.IntegerField(source="program_id")
    name = serializers.DictField(child=serializers.CharField())
    intro = serializers.DictField(child=serializers.CharField())
    kind = serializers.ChoiceField(choices=SurveyKind.choices)
    anonymous = serializers.BooleanField()
    per_mentorship = serializers.BooleanField()
    status = serializers.ChoiceField(choices=SurveyStatus.choices)
    opens_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    sections = serializers.SerializerMethodField()

    @extend_schema_field(SectionSerializer(many=True))
    def get_sections(self, survey: Survey) -> list[dict[str, Any]]:
        questions_by_section: dict[int, list[SurveyQuestion]] = {}
        for question in survey.questions.all():
            questions_by_section.setdefault(question.section_id, []).append(question)
        return [
            {
                "id": section.pk,
                "position": section.position,
                "title": section.title,
                "description": section.description,
                "questions": QuestionSerializer(
                    questions_by_section.get(section.pk, []), many=True
                ).data,
            }
            for section in survey.sections.all()
        ]


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


class ValueCountSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    percent = serializers.FloatField(help_text="Of the people who answered the question.")


class StatementResultSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    answered = serializers.IntegerField(
        help_text="People who rated the statement (0 when withheld: the count is not shown)."
    )
    withheld = serializers.BooleanField(
        help_text=(
            "Fewer people than the threshold rated this statement in the group (anonymous "
            "surveys): no counts and no mean."
        )
    )
    mean = serializers.FloatField(allow_null=True)
    counts = ValueCountSerializer(many=True)


class NPSSerializer(serializers.Serializer):
    promoters = serializers.IntegerField(help_text="Answers of 9 or 10.")
    passives = serializers.IntegerField(help_text="Answers of 7 or 8.")
    detractors = serializers.IntegerField(help_text="Answers from 0 to 6.")
    score = serializers.IntegerField(help_text="% promoters minus % detractors, -100 to 100.")


class TextAnswerSerializer(serializers.Serializer):
    text = serializers.CharField()
    respondent = serializers.CharField(help_text="Named surveys only; empty when anonymous.")
    submitted_on = serializers.DateField(allow_null=True, help_text="Named surveys only.")


class QuestionResultSerializer(serializers.Serializer):
    key = serializers.CharField()
    type = serializers.ChoiceField(choices=QuestionType.choices)
    text = serializers.CharField()
    section = serializers.CharField()
    answered = serializers.IntegerField(
        help_text="People who answered (0 when withheld: the count itself is not shown)."
    )
    withheld = serializers.BooleanField(
        help_text="Anonymous surveys: fewer people than the threshold answered it in the group."
    )
    mean = serializers.FloatField(allow_null=True)
    nps = NPSSerializer(allow_null=True)
    counts = ValueCountSerializer(many=True)
    statements = StatementResultSerializer(many=True)
    texts = TextAnswerSerializer(many=True)


class FilterChoiceSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The value to send, e.g. `?country=GB`.")
    label = serializers.CharField()  # type: ignore[assignment]


class RatePointSerializer(serializers.Serializer):
    day = serializers.DateField()
    invited = serializers.IntegerField(help_text="People invited up to and including the day.")
    answered = serializers.IntegerField(help_text="People who answered by the end of the day.")


class ResultsSerializer(serializers.Serializer):
    survey = serializers.IntegerField()
    anonymous = serializers.BooleanField()
    threshold = serializers.IntegerField(
        help_text="Anonymous surveys show no group smaller than this."
    )
    total = serializers.IntegerField(help_text="Submitted responses in the whole survey.")
    group_size = serializers.IntegerField(help_text="Submitted responses in the chosen group.")
    shown = serializers.BooleanField(
        help_text="False when the anonymity threshold withholds the chosen group."
    )
    refusal = serializers.ChoiceField(
        choices=["too_few_responses", "group_too_small", "combination_too_narrow"],
        allow_null=True,
    )
    chosen = serializers.DictField(child=serializers.CharField())
    filters = serializers.DictField(
        child=FilterChoiceSerializer(many=True),
        help_text="The choices each filter offers; small values are pooled as `_other`.",
    )
    invited = serializers.IntegerField()
    answered = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    rate = RatePointSerializer(many=True, help_text="Running totals per day.")
    questions = QuestionResultSerializer(many=True)


def _question_json(question: QuestionResult) -> dict[str, Any]:
    return {
        "key": question.key,
        "type": question.type,
        "text": question.text,
        "section": question.section,
        "answered": 0 if question.withheld else question.answered,
        "withheld": question.withheld,
        "mean": question.mean,
        "nps": None
        if question.nps is None
        else {
            "promoters": question.nps.promoters,
            "passives": question.nps.passives,
            "detractors": question.nps.detractors,
            "score": question.nps.score,
        },
        "counts": [c.__dict__ for c in question.counts],
        "statements": [
            {
                "key": s.key,
                "label": s.label,
                "answered": 0 if s.withheld else s.answered,
                "withheld": s.withheld,
                "mean": s.mean,
                "counts": [c.__dict__ for c in s.counts],
            }
            for s in question.statements
        ],
        "texts": [
            {
                "text": t.text,
                "respondent": t.respondent,
                "submitted_on": t.submitted_on.isoformat() if t.submitted_on else None,
            }
            for t in question.texts
        ],
    }


def results_json(results: SurveyResults) -> dict[str, Any]:
    return {
        "survey": results.survey.pk,
        "anonymous": results.anonymous,
        "threshold": results.threshold,
        "total": results.total,
        "group_size": results.group_size,
        "shown": results.shown,
        "refusal": results.refusal.value if results.refusal else None,
        "chosen": {dimension.value: key for dimension, key in results.chosen.items()},
        "filters": {
            dimension.value: [{"key": c.key, "label": c.label} for c in choices]
            for dimension, choices in results.filters.items()
        },
        "invited": results.invited,
        "answered": results.answered,
        "response_rate": results.response_rate,
        "rate": [
            {"day": point.day.isoformat(), "invited": point.invited, "answered": point.answered}
            for point in results.rate
        ],
        "questions": [_question_json(q) for q in results.questions],
    }


class ResponseSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    participant = serializers.IntegerField(allow_null=True, source="participant_id")
    full_name = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    mentorship = serializers.IntegerField(allow_null=True, source="mentorship_id")
    cohort = serializers.IntegerField(allow_null=True, source="cohort_id")
    role = serializers.CharField()
    country = serializers.CharField()
    function = serializers.CharField()
    seniority = serializers.IntegerField(allow_null=True)
    submitted_at = serializers.DateTimeField()
    answers = serializers.DictField(
        help_text=(
            "By question key: a number (scale, NPS), a value (single choice), a list of values "
            "(multiple choice), text, or {statement: number} (matrix)."
        )
    )


_FILTER_PARAMETERS = [
    OpenApiParameter(
        dimension.value,
        OpenApiTypes.STR,
        description=(
            f"Only respondents with this {dimension.value} (at the time they answered). "
            "Anonymous surveys take a choice from `filters` (`_other` for pooled small values)."
        ),
        required=False,
    )
    for dimension in DIMENSIONS
]

_RESULTS_EXAMPLE = {
    "survey": 12,
    "anonymous": True,
    "threshold": 5,
    "total": 48,
    "group_size": 20,
    "shown": True,
    "refusal": None,
    "chosen": {"country": "GB"},
    "filters": {
        "country": [{"key": "GB", "label": "United Kingdom"}, {"key": "_other", "label": "Other"}],
        "role": [{"key": "mentee", "label": "Mentee"}, {"key": "mentor", "label": "Mentor"}],
    },
    "invited": 60,
    "answered": 48,
    "response_rate": 80.0,
    "rate": [{"day": "2026-11-02", "invited": 60, "answered": 31}],
    "questions": [
        {
            "key": "recommend",
            "type": "nps",
            "text": "How likely are you to recommend the program?",
            "section": "Overall",
            "answered": 20,
            "withheld": False,
            "mean": 8.1,
            "nps": {"promoters": 11, "passives": 6, "detractors": 3, "score": 40},
            "counts": [{"value": "10", "label": "10", "count": 7, "percent": 35.0}],
            "statements": [],
            "texts": [],
        }
    ],
}


class SurveyFilter(FilterSet):
    program = IdFilter(field_name="program_id")
    kind = django_filters.ChoiceFilter(choices=SurveyKind.choices)
    status = django_filters.ChoiceFilter(choices=SurveyStatus.choices)
    anonymous = BooleanFilter()

    class Meta:
        model = Survey
        fields = ["program", "kind", "status", "anonymous"]


class SurveyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet):
    """Survey definitions: sections and questions with their text in every language."""

    model = Survey
    serializer_class = SurveySerializer
    filterset_class = SurveyFilter
    read_capability = Capability.VIEW_PROGRAMS_ADMIN
    read_scope = APIKeyScope.REPORTS_READ.value

    def organization_queryset(self, organization: Organization) -> QuerySet[Survey]:
        return Survey.objects.for_org(organization).prefetch_related(
            Prefetch(
                "sections",
                queryset=SurveySection.objects.for_org(organization).order_by("position", "id"),
            ),
            Prefetch(
                "questions",
                queryset=SurveyQuestion.objects.for_org(organization).order_by("position", "id"),
            ),
        )

    @extend_schema(
        summary="A survey's results",
        description=(
            "Each question's distribution (NPS with promoters, passives and detractors), text "
            "answers (without any attribute for anonymous surveys) and the response rate. An "
            "anonymous survey shows no group smaller than the organization's threshold: a "
            "filtered group that could single people out comes back with `shown: false` and "
            "no questions. JSON, or CSV with `?format=csv` or `Accept: text/csv` (one row per "
            "figure; cells that a spreadsheet would run as formulas start with an apostrophe)."
        ),
        parameters=[
            *_FILTER_PARAMETERS,
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], required=False),
        ],
        responses={
            (200, "application/json"): ResultsSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
        },
        examples=[
            OpenApiExample(
                "Results filtered by country", value=_RESULTS_EXAMPLE, response_only=True
            )
        ],
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer, ResultsCSVRenderer],
        filterset_class=None,
        pagination_class=None,
    )
    def results(self, request: Request, pk: str | None = None) -> Response:
        survey = self.get_object()
        results = survey_results(
            organization=self.request.organization,
            survey=survey,
            chosen=chosen_filters(request.query_params),
            text_limit=None if request.accepted_renderer.format == "csv" else 50,
        )
        if request.accepted_renderer.format == "csv":
            response = Response(list(exports.result_rows(results)))
            response["Content-Disposition"] = (
                f'attachment; filename="survey-{survey.pk}-results.csv"'
            )
            return response
        return Response(results_json(results))

    @extend_schema(
        summary="A named survey's responses, person by person",
        description=(
            "Submitted responses, newest first, with who gave them and their answers by "
            "question key. An anonymous survey has no per-person responses: 404."
        ),
        parameters=_FILTER_PARAMETERS,
        responses=ResponseSerializer(many=True),
        examples=[
            OpenApiExample(
                "A response",
                value={
                    "id": "6f1c2b0e-8e0f-4c1a-9d64-3f5a2f1e7b10",
                    "participant": 311,
                    "full_name": "Ana Souza",
                    "email": "ana@example.com",
                    "mentorship": 87,
                    "cohort": 9,
                    "role": "mentee",
                    "country": "BR",
                    "function": "Sales",
                    "seniority": 2,
                    "submitted_at": "2026-11-20T14:03:00Z",
                    "answers": {"good_match": "yes", "confidence": 4, "skills": ["sql"]},
                },
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def responses(self, request: Request, pk: str | None = None) -> Response:
        survey = self.get_object()
        if survey.anonymous:
            raise NotFound(_("An anonymous survey has no per-person responses; read its results."))
        organization = self.request.organization
        responses = named_response_list(
            organization=organization, survey=survey, chosen=chosen_filters(request.query_params)
        )
        page = self.paginate_queryset(responses)
        rows = list(page) if page is not None else list(responses)
        answers = named_answers(
            organization=organization,
            survey=survey,
            responses=rows,
            questions=survey_questions(organization=organization, survey=survey),
        )
        data = [
            {
                "id": str(response.pk),
                "participant": response.participant_id,
                "full_name": response.participant.full_name if response.participant else "",
                "email": response.participant.email if response.participant else "",
                "mentorship": response.mentorship_id,
                "cohort": response.cohort_id,
                "role": response.role,
                "country": response.country,
                "function": response.function,
                "seniority": response.seniority,
                "submitted_at": response.submitted_at.isoformat()
                if response.submitted_at
                else None,
                "answers": {a.key: a.value for a in answers.get(response.pk, [])},
            }
            for response in rows
        ]
        return self.get_paginated_response(data) if page is not None else Response(data)
