"""Reading the living document, its history, and one's own reflections (never anyone else's)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from mentorships.models import DocumentRevision, Mentorship, Reflection, SharedDocument
from organizations.models import Organization


def document_for(*, organization: Organization, mentorship: Mentorship) -> SharedDocument | None:
    return (
        SharedDocument.objects.for_org(organization)
        .filter(mentorship=mentorship)
        .select_related("updated_by")
        .first()
    )


def document_revisions(
    *, organization: Organization, mentorship: Mentorship, limit: int = 50
) -> QuerySet[DocumentRevision]:
    return (
        DocumentRevision.objects.for_org(organization)
        .filter(document__mentorship=mentorship)
        .select_related("author")
        .order_by("-version")[:limit]
    )


def document_revision_get(
    *, organization: Organization, document_revision_id: int
) -> DocumentRevision:
    revision = (
        DocumentRevision.objects.for_org(organization)
        .filter(pk=document_revision_id)
        .select_related("document__mentorship", "author")
        .first()
    )
    if revision is None:
        raise DomainError(_("No such version."), code="not_found")
    return revision


def my_reflections(
    *, organization: Organization, mentorship: Mentorship, user: User
) -> QuerySet[Reflection]:
    """The viewer's own reflections in this mentorship: the only way reflections are read."""
    return (
        Reflection.objects.for_org(organization)
        .filter(mentorship=mentorship, author__user=user)
        .order_by("-created_at", "-id")
    )
