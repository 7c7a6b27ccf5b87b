from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from core import serializers as strict
from core.api import ID_MAX, BooleanFilter, FilterSet, IdFilter, OrganizationScopedViewSet
from core.permissions import Capability
from organizations.api_auth import request_actor
from organizations.models import APIKeyScope, Organization
from programs import selectors, services
from programs.models import (
    COHORT_FIELDS,
    PROGRAM_FIELDS,
    Cohort,
    CohortStatus,
    Program,
    ProgramGoal,
    ProgramType,
)


class ProgramSerializer(strict.ModelSerializer):
    class Meta:
        model = Program
        fields = [
            "id",
            *PROGRAM_FIELDS,
            "is_archived",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "is_archived", "created_at", "updated_at"]
        # Uniqueness is per organization and checked by the service.
        validators: list = []


class CohortSerializer(strict.ModelSerializer):
    program = serializers.IntegerField(source="program_id", min_value=1, max_value=ID_MAX)
    mentor_count = serializers.IntegerField(read_only=True)
    mentee_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cohort
        fields = [
            "id",
            "program",
            *COHORT_FIELDS,
            "mentor_count",
            "mentee_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []


class ProgramFilter(FilterSet):
    program_type = django_filters.ChoiceFilter(choices=ProgramType.choices)
    goal = django_filters.ChoiceFilter(choices=ProgramGoal.choices)
    is_archived = BooleanFilter()

    class Meta:
        model = Program
        fields = ["program_type", "goal", "is_archived"]


class CohortFilter(FilterSet):
    program = IdFilter(field_name="program_id")
    status = django_filters.ChoiceFilter(choices=CohortStatus.choices)

    class Meta:
        model = Cohort
        fields = ["program", "status"]


class _ProgramsAccess:
    read_capability = Capability.VIEW_PROGRAMS_ADMIN
    write_capability = Capability.MANAGE_PROGRAMS
    read_scope = APIKeyScope.READ.value
    write_scope = APIKeyScope.WRITE.value


class ProgramViewSet(
    _ProgramsAccess,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationScopedViewSet,
):
    model = Program
    serializer_class = ProgramSerializer
    filterset_class = ProgramFilter

    def organization_queryset(self, organization: Organization) -> QuerySet[Program]:
        return selectors.program_list(organization=organization, include_archived=True)

    def perform_create(self, serializer: serializers.BaseSerializer[Program]) -> None:
        serializer.instance = services.program_create(
            organization=self.request.organization,
            actor=request_actor(self.request),
            **serializer.validated_data,
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Program]) -> None:
        program = serializer.instance
        assert program is not None  # an update has its instance
        serializer.instance = services.program_update(
            organization=self.request.organization,
            actor=request_actor(self.request),
            program=program,
            **serializer.validated_data,
        )


class CohortViewSet(
    _ProgramsAccess,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationScopedViewSet,
):
    model = Cohort
    serializer_class = CohortSerializer
    filterset_class = CohortFilter

    def organization_queryset(self, organization: Organization) -> QuerySet[Cohort]:
        return selectors.cohort_list(organization=organization)

    def create(self, request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        program = _program_or_field_error(request.organization, data.pop("program_id"))
        cohort = services.cohort_create(
            organization=request.organization, actor=request_actor(request), program=program, **data
        )
        cohort = selectors.cohort_get(organization=request.organization, cohort_id=cohort.pk)
        return Response(self.get_serializer(cohort).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: serializers.BaseSerializer[Cohort]) -> None:
        cohort = serializer.instance
        assert cohort is not None  # an update has its instance
        data = dict(serializer.validated_data)
        if "program_id" in data and data.pop("program_id") != cohort.program_id:
            raise serializers.ValidationError(
                {"program": [_("A cohort cannot move to another program.")]}
            )
        services.cohort_update(
            organization=self.request.organization,
            actor=request_actor(self.request),
            cohort=cohort,
            **data,
        )
        serializer.instance = selectors.cohort_get(
            organization=self.request.organization, cohort_id=cohort.pk
        )


def _program_or_field_error(organization: Organization, program_id: int) -> Program:
    program = (
        selectors.program_list(organization=organization, include_archived=True)
        .filter(pk=program_id)
        .first()
    )
    if program is None:
        # The same answer for a missing program and another organization's.
        raise serializers.ValidationError({"program": [_("No such program.")]})
    return program
