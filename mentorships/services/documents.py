"""The pair's living document and each person's private reflections."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from mentorships import selectors
from mentorships.models import (
    DocumentRevision,
    Mentorship,
    MentorshipStatus,
    Reflection,
    SharedDocument,
)
from organizations.models import Organization

DOCUMENT_MAX = 50_000
REFLECTION_MAX = 20_000


class StaleDocument(DomainError):
    """Someone saved the document after the editor opened it; `current` is their version."""

    def __init__(self, current: SharedDocument):
        super().__init__(
            _(
                "%(name)s saved the document while you were editing. Your text is kept below: "
                "copy what you need into the newer version."
            )
            % {"name": current.updated_by.full_name if current.updated_by else _("Someone")},
            field="body",
            code="conflict",
        )
        self.current = current


@transaction.atomic
def document_save(
    *,
    organization: Organization,
    mentorship: Mentorship,
    actor: User,
    body: str,
    base_version: int,
) -> SharedDocument:
    """Save the document over the version the editor started from. A save over an older
    version is refused (`StaleDocument`), so nobody's words are lost silently."""
    mentorship_row = Mentorship.objects.for_org(organization).filter(pk=mentorship.pk).first()
    if mentorship_row is None:
        raise DomainError(_("No such mentorship."), code="not_found")
    author = selectors.mentorship_member(
        organization=organization, mentorship=mentorship_row, user=actor
    )
    if mentorship_row.status in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED):
        raise DomainError(_("This mentorship is closed."), code="conflict")
    if len(body) > DOCUMENT_MAX:
        raise DomainError(_("The document is too long."), field="body")
    document, _created = SharedDocument.objects.for_org(organization).get_or_create(
        organization=organization, mentorship=mentorship_row
    )
    document = (
        SharedDocument.objects.for_org(organization)
        .select_for_update(of=("self",))
        .select_related("updated_by")
        .get(pk=document.pk)
    )
    if document.version != base_version:
        raise StaleDocument(document)
    if body == document.body:
        return document
    document.body = body
    document.version += 1
    document.updated_by = author
    document.save(update_fields=["body", "version", "updated_by", "updated_at"])
    DocumentRevision.objects.create(
        organization=organization,
        document=document,
        version=document.version,
        body=body,
        author=author,
    )
    return document


@transaction.atomic
def reflection_write(
    *, organization: Organization, mentorship: Mentorship, actor: User, body: str
) -> Reflection:
    author = selectors.mentorship_member(
        organization=organization, mentorship=mentorship, user=actor
    )
    body = body.strip()
    if not body:
        raise DomainError(_("Write something first."), field="body")
    if len(body) > REFLECTION_MAX:
        raise DomainError(_("Keep a reflection shorter."), field="body")
    return Reflection.objects.create(
        organization=organization, mentorship=mentorship, author=author, body=body
    )


@transaction.atomic
def reflection_delete(*, organization: Organization, reflection: Reflection, actor: User) -> None:
    """Only its author deletes it; to anyone else it does not exist."""
    deleted, _by_model = (
        Reflection.objects.for_org(organization)
        .filter(pk=reflection.pk, author__user=actor)
        .delete()
    )
    if not deleted:
        raise DomainError(_("No such reflection."), code="not_found")
