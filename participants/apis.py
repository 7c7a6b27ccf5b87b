from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core import serializers as strict
from core.api import OrganizationScopedViewSet
from core.permissions import Capability
from organizations.api_auth import request_actor
from organizations.models import APIKeyScope, Organization
from participants import parsing, selectors, services
from participants.models import (
    BOARD_ROLES_LIMIT,
    PROFILE_FIELDS,
    SKILLS_LIMIT,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    Seniority,
)
from programs.selectors import cohort_list


class LanguageSerializer(serializers.Serializer):
    code = strict.CharField(max_length=10)
    proficiency = strict.CharField(max_length=20, default="fluent")


class ParticipantSerializer(strict.ModelSerializer):
    cohort = serializers.IntegerField(source="cohort_id")
    languages = LanguageSerializer(many=True)
    skills_offered = serializers.ListField(
        child=strict.CharField(max_length=SKILLS_LIMIT.max_length),
        max_length=SKILLS_LIMIT.max_items,
        required=False,
    )
    board_roles = serializers.ListField(
        child=strict.CharField(max_length=BOARD_ROLES_LIMIT.max_length),
        max_length=BOARD_ROLES_LIMIT.max_items,
        required=False,
    )
    skills_wanted = serializers.ListField(
        child=strict.CharField(max_length=SKILLS_LIMIT.max_length),
        max_length=SKILLS_LIMIT.max_items,
        required=False,
    )
    country = strict.CharField(max_length=2)
    answers = serializers.DictField(required=False)

    class Meta:
        model = Participant
        fields = [
            "id",
            "cohort",
            "email",
            "status",
            *PROFILE_FIELDS,
            "answers",
            "withdrawn_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "withdrawn_at", "created_at", "updated_at"]
        validators: list = []

    def validate_languages(self, value: list[dict]) -> list[dict]:
        # The same rules as the enrollment form, so every problem is reported in one answer.
        try:
            return parsing.validate_languages([dict(entry) for entry in value])
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class ParticipantFilter(django_filters.FilterSet):
    cohort = django_filters.NumberFilter(field_name="cohort_id")
    role = django_filters.ChoiceFilter(choices=ParticipantRole.choices)
    status = django_filters.ChoiceFilter(choices=ParticipantStatus.choices)
    country = django_filters.CharFilter(field_name="country", lookup_expr="iexact")
    function = django_filters.CharFilter(field_name="function", lookup_expr="iexact")
    seniority = django_filters.ChoiceFilter(choices=Seniority.choices)
    q = django_filters.CharFilter(
        method="search", label=gettext_lazy("Search name, email or function")
    )

    class Meta:
        model = Participant
        fields = ["cohort", "role", "status", "country", "function", "seniority"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(full_name__icontains=value) | Q(email__icontains=value) | Q(function__icontains=value)
        )


def _profile_data(validated: dict) -> dict:
    data = dict(validated)
    data.pop("cohort_id", None)
    data.pop("email", None)
    if "languages" in data:
        data["languages"] = [dict(entry) for entry in data["languages"]]
    if "country" in data:
        data["country"] = data["country"].upper()
    return data


class ParticipantViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationScopedViewSet,
):
    model = Participant
    serializer_class = ParticipantSerializer
    filterset_class = ParticipantFilter
    read_capability = Capability.VIEW_PARTICIPANTS
    write_capability = Capability.MANAGE_PARTICIPANTS
    read_scope = APIKeyScope.READ.value
    write_scope = APIKeyScope.WRITE.value

    def organization_queryset(self, organization: Organization) -> QuerySet[Participant]:
        return selectors.participant_list(organization=organization)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort = (
            cohort_list(organization=request.organization)
            .filter(pk=serializer.validated_data["cohort_id"])
            .first()
        )
        if cohort is None:
            raise serializers.ValidationError({"cohort": [_("No such cohort.")]})
        participant = services.participant_create(
            organization=request.organization,
            cohort=cohort,
            actor=request_actor(request),
            email=serializer.validated_data["email"],
            data=_profile_data(serializer.validated_data),
        )
        return Response(self.get_serializer(participant).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: ParticipantSerializer) -> None:
        validated = serializer.validated_data
        if "cohort_id" in validated and validated["cohort_id"] != serializer.instance.cohort_id:
            raise serializers.ValidationError(
                {"cohort": [_("A participant cannot move to another cohort.")]}
            )
        data = _profile_data(validated)
        if "email" in validated:
            data["email"] = validated["email"]
        serializer.instance = services.participant_update(
            organization=self.request.organization,
            participant=serializer.instance,
            actor=request_actor(self.request),
            data=data,
        )

    @extend_schema(request=None, responses=ParticipantSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        participant = self.get_object()
        participant = services.participant_withdraw(
            organization=request.organization,
            participant=participant,
            actor=request_actor(request),
        )
        return Response(self.get_serializer(participant).data)
