from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from organizations.models import Organization
from participants.models import Participant, ParticipantRole, ParticipantStatus
from programs.models import Cohort


@dataclass(frozen=True)
class ParticipantFilters:
    search: str = ""
    role: str = ""
    status: str = ""
    country: str = ""
    function: str = ""
    seniority: int | None = None


def participant_list(
    *,
    organization: Organization,
    cohort: Cohort | None = None,
    filters: ParticipantFilters | None = None,
) -> QuerySet[Participant]:
    participants = Participant.objects.for_org(organization).select_related(
        "cohort", "cohort__program"
    )
    if cohort is not None:
        participants = participants.filter(cohort=cohort)
    filters = filters or ParticipantFilters()
    if filters.search:
        participants = participants.filter(
            Q(full_name__icontains=filters.search)
            | Q(email__icontains=filters.search)
            | Q(function__icontains=filters.search)
        )
    if filters.role:
        roles = [filters.role, ParticipantRole.BOTH] if filters.role != "both" else ["both"]
        participants = participants.filter(role__in=roles)
    if filters.status:
        participants = participants.filter(status=filters.status)
    if filters.country:
        participants = participants.filter(country=filters.country)
    if filters.function:
        participants = participants.filter(function__iexact=filters.function)
    if filters.seniority:
        participants = participants.filter(seniority=filters.seniority)
    return participants.order_by("full_name", "id")


def participant_counts(*, participants: QuerySet[Participant]) -> dict[str, int]:
    """One aggregate query over an already-filtered list."""
    active = Q(status=ParticipantStatus.ACTIVE)
    return participants.aggregate(
        total=Count("id"),
        active=Count("id", filter=active),
        withdrawn=Count("id", filter=Q(status=ParticipantStatus.WITHDRAWN)),
        mentors=Count("id", filter=active & Q(role__in=["mentor", "both"])),
        mentees=Count("id", filter=active & Q(role__in=["mentee", "both"])),
    )


def participant_facets(*, organization: Organization, cohort: Cohort) -> dict[str, list]:
    """Distinct values for the filter menus."""
    base = Participant.objects.for_org(organization).filter(cohort=cohort)
    return {
        "functions": list(base.order_by("function").values_list("function", flat=True).distinct()),
        "countries": list(base.order_by("country").values_list("country", flat=True).distinct()),
    }


def participant_get(*, organization: Organization, participant_id: int) -> Participant:
    participant = (
        Participant.objects.for_org(organization)
        .select_related("cohort", "cohort__program")
        .filter(pk=participant_id)
        .first()
    )
    if participant is None:
        raise Http404(_("No such participant."))
    return participant


def participant_list_for_user(*, organization: Organization, user: User) -> QuerySet[Participant]:
    return (
        Participant.objects.for_org(organization)
        .filter(user=user)
        .select_related("cohort", "cohort__program")
        .order_by("-created_at")
    )


def participant_get_for_user(
    *, organization: Organization, cohort: Cohort, user: User
) -> Participant | None:
    return (
        Participant.objects.for_org(organization)
        .filter(cohort=cohort, user=user, status=ParticipantStatus.ACTIVE)
        .first()
    )
