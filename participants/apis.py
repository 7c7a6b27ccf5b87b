from __future__ import annotations

import functools
import re
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import known_time_zones
from core import serializers as strict
from core.api import ID_MAX, FilterSet, IdFilter, OrganizationScopedViewSet
from core.http import OrganizationAPIRequest
from core.permissions import Capability
from organizations.api_auth import request_actor
from organizations.models import APIKeyScope, Organization
from participants import parsing, selectors, services
from participants.models import (
    BOARD_ROLES_LIMIT,
    PROFILE_FIELDS,
    SKILLS_LIMIT,
    LanguageProficiency,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    Seniority,
)
from participants.parsing import LANGUAGE_NAMES
from participants.services import country_codes
from programs.selectors import cohort_list

# A wall-clock time without an offset, as the API sends it ("09:00:00"); OpenAPI's
# `format: time` would demand an offset.
WALL_CLOCK_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
_WALL_CLOCK_TIME = re.compile(WALL_CLOCK_TIME_PATTERN)


@extend_schema_field({"type": "string", "pattern": WALL_CLOCK_TIME_PATTERN, "example": "09:00:00"})
class WallClockTimeField(serializers.TimeField):
    """`HH:MM` or `HH:MM:SS[.ffffff]`, no offset: a time of day in the participant's zone."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not _WALL_CLOCK_TIME.match(value):
            self.fail("invalid", format="hh:mm[:ss[.uuuuuu]]")
        return super().to_internal_value(value)


# Named formats instead of enums of hundreds of values: the schema stays readable, and a
# client (or a test generator) learns the rule from the format's name and example.
class KnownValueField(strict.CharField):
    """A member of a known set, given as a cached function returning a frozenset: DRF's
    ChoiceField deep-copies its hundreds of choices each time a serializer is built, on every
    request; a function is copied by reference."""

    default_error_messages = {"invalid_choice": gettext_lazy("“{input}” is not a valid choice.")}

    def __init__(self, *, known, **kwargs) -> None:
        self.known = known
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in self.known():
            self.fail("invalid_choice", input=value)
        return value


@extend_schema_field(
    {
        "type": "string",
        "format": "iana-time-zone",
        "maxLength": 64,
        "example": "Europe/Paris",
        "description": "An IANA time zone name.",
    }
)
class TimeZoneField(KnownValueField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "format": "iso-3166-1-alpha-2",
        "minLength": 2,
        "maxLength": 2,
        "example": "GB",
        "description": "An ISO 3166-1 alpha-2 country code, upper case.",
    }
)
class CountryCodeField(KnownValueField):
    def to_internal_value(self, data):
        # Upper case is the code's own form; lower case has always been accepted.
        return super().to_internal_value(data.upper() if isinstance(data, str) else data)


@extend_schema_field(
    {
        "type": "string",
        "format": "iso-639-1",
        "minLength": 2,
        "maxLength": 2,
        "example": "en",
        "description": "An ISO 639-1 language code, lower case.",
    }
)
class LanguageCodeField(KnownValueField):
    pass


@functools.cache
def _language_codes() -> frozenset[str]:
    return frozenset(LANGUAGE_NAMES)


@functools.cache
def _country_codes() -> frozenset[str]:
    return country_codes()


class LanguageSerializer(serializers.Serializer):
    code = LanguageCodeField(known=_language_codes)
    proficiency = serializers.ChoiceField(
        choices=LanguageProficiency.choices, default=LanguageProficiency.FLUENT.value
    )


class ParticipantSerializer(strict.ModelSerializer):
    cohort = serializers.IntegerField(source="cohort_id", min_value=1, max_value=ID_MAX)
    # A ListField, not `many=True`: the schema then says `minItems: 1`.
    languages = serializers.ListField(child=LanguageSerializer(), min_length=1)
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
    time_zone = TimeZoneField(known=known_time_zones, max_length=64)
    working_hours_start = WallClockTimeField()
    working_hours_end = WallClockTimeField()
    country = CountryCodeField(known=_country_codes)
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

    def to_representation(self, instance: Participant) -> dict[str, Any]:
        """The same JSON as DRF's field-by-field walk, from plain values: a page of 50 took
        about 30 ms through the nested and list fields, most of it in the framework."""
        # Built once per serializer: a list response shares its child's.
        fields = self.fields
        row: dict[str, Any] = {
            "id": instance.id,
            "cohort": instance.cohort_id,
            "email": instance.email,
        }
        row["status"] = instance.status
        for name in PROFILE_FIELDS:
            row[name] = getattr(instance, name)
        row["languages"] = [
            {"code": entry["code"], "proficiency": entry.get("proficiency", "fluent")}
            for entry in instance.languages
        ]
        row["country"] = str(instance.country)
        for name in ("working_hours_start", "working_hours_end"):
            value = row[name]
            row[name] = value.isoformat() if value is not None else None
        row["answers"] = instance.answers
        for name in ("withdrawn_at", "created_at", "updated_at"):
            value = getattr(instance, name)
            row[name] = fields[name].to_representation(value) if value is not None else None
        return row


class ParticipantFilter(FilterSet):
    cohort = IdFilter(field_name="cohort_id")
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
        participants = selectors.participant_list(organization=organization)
        if self.action == "list":
            # The representation reads `cohort_id` only: no joins for a page of rows.
            participants = participants.select_related(None)
        return participants

    def create(self, request: Request, *args, **kwargs) -> Response:
        organization = self.request.organization  # `request`, admitted by the permission check
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort = (
            cohort_list(organization=organization)
            .filter(pk=serializer.validated_data["cohort_id"])
            .first()
        )
        if cohort is None:
            raise serializers.ValidationError({"cohort": [_("No such cohort.")]})
        participant = services.participant_create(
            organization=organization,
            cohort=cohort,
            actor=request_actor(request),
            email=serializer.validated_data["email"],
            data=_profile_data(serializer.validated_data),
        )
        return Response(self.get_serializer(participant).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: serializers.BaseSerializer[Participant]) -> None:
        participant = serializer.instance
        assert participant is not None  # an update has its instance
        validated = serializer.validated_data
        if "cohort_id" in validated and validated["cohort_id"] != participant.cohort_id:
            raise serializers.ValidationError(
                {"cohort": [_("A participant cannot move to another cohort.")]}
            )
        data = _profile_data(validated)
        if "email" in validated:
            data["email"] = validated["email"]
        serializer.instance = services.participant_update(
            organization=self.request.organization,
            participant=participant,
            actor=request_actor(self.request),
            data=data,
        )

    @extend_schema(request=None, responses=ParticipantSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: OrganizationAPIRequest, pk: str | None = None) -> Response:
        participant = self.get_object()
        participant = services.participant_withdraw(
            organization=request.organization,
            participant=participant,
            actor=request_actor(request),
        )
        return Response(self.get_serializer(participant).data)
