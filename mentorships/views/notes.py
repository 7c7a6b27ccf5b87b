"""The pair's living document (Markdown, shown through an allow-list) with an edit mode, a
preview, its versions, and the viewer's private reflections; times in the viewer's zone.

A save over an older version is refused: the page then shows the newer version and keeps the
person's own text in the editor, so nothing typed is lost. Reflections are read only by their
author. Anyone outside the pair, program staff included, gets 404."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.forms import add_domain_error, service_errors_on
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from mentorships import markdown
from mentorships.models import Mentorship, MentorshipStatus, SharedDocument
from mentorships.selectors import documents as document_selectors
from mentorships.selectors import mentorship_get_for_member
from mentorships.selectors.home import NamedZone
from mentorships.services import documents as document_services
from mentorships.services.documents import StaleDocument
from participants.models import Participant


class DocumentForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your shared notes (Markdown)"),
        required=False,
        max_length=document_services.DOCUMENT_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "class": "notes-editor__text"}),
        help_text=gettext_lazy(
            "**bold**, *italic*, lists with -, links as [text](https://…), headings with #."
        ),
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class ReflectionForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("A new reflection"),
        max_length=document_services.REFLECTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _zone(viewer: Participant) -> NamedZone:
    """The viewer's zone; printed, its city ("Times are in Mexico City")."""
    try:
        return NamedZone(viewer.time_zone or "UTC")
    except (KeyError, ValueError):
        return NamedZone("UTC")


def _local(instant: dt.datetime | None, viewer: Participant) -> dt.datetime | None:
    return instant.astimezone(_zone(viewer)) if instant else None


def _member(request: OrganizationRequest, mentorship_id: int) -> tuple[Mentorship, Participant]:
    return mentorship_get_for_member(
        organization=request.organization, mentorship_id=mentorship_id, user=request.user
    )


def _context(
    request: OrganizationRequest,
    mentorship: Mentorship,
    viewer: Participant,
    *,
    document_form: DocumentForm | None = None,
    newer: SharedDocument | None = None,
    reflection_form: ReflectionForm | None = None,
    editing: bool = False,
) -> dict:
    organization = request.organization
    document = document_selectors.document_for(organization=organization, mentorship=mentorship)
    version = document.version if document else 0
    revisions = [
        (revision, _local(revision.created_at, viewer))
        for revision in document_selectors.document_revisions(
            organization=organization, mentorship=mentorship
        )
    ]
    reflections = [
        (reflection, _local(reflection.created_at, viewer))
        for reflection in document_selectors.my_reflections(
            organization=organization, mentorship=mentorship, user=request.user
        )
    ]
    return {
        "mentorship": mentorship,
        "viewer": viewer,
        "document": document,
        "rendered": markdown.render(document.body) if document else "",
        "updated_at": _local(document.updated_at, viewer)
        if document and document.version
        else None,
        "editing": editing or document_form is not None,
        "document_form": document_form
        or DocumentForm(
            initial={"body": document.body if document else "", "base_version": version}
        ),
        "newer": newer,
        "newer_rendered": markdown.render(newer.body) if newer else "",
        "revisions": revisions,
        "reflections": reflections,
        "reflection_form": reflection_form or ReflectionForm(),
        "can_edit": mentorship.status not in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED),
        "tab": "notes",
        "time_zone": _zone(viewer),
    }


@requires(Capability.VIEW_CATALOG)
def notes(request: OrganizationRequest, org_slug: str, mentorship_id: int) -> HttpResponse:
    """The document and my reflections; `?edit=1` opens the editor; a post saves."""
    mentorship, viewer = _member(request, mentorship_id)
    if request.method != "POST":
        context = _context(request, mentorship, viewer, editing=request.GET.get("edit") == "1")
        return render(request, "mentorships/notes.html", context)
    form = DocumentForm(request.POST)
    newer: SharedDocument | None = None
    if form.is_valid():
        try:
            document_services.document_save(
                organization=request.organization,
                mentorship=mentorship,
                actor=request.user,
                body=form.cleaned_data["body"],
                base_version=form.cleaned_data["base_version"],
            )
        except StaleDocument as stale:
            newer = stale.current
            # The next save builds on the newer version; the person's text stays in the editor.
            data = request.POST.copy()
            data["base_version"] = str(newer.version)
            form = DocumentForm(data)
            form.is_valid()
            add_domain_error(form, stale)
        except DomainError as error:
            if error.code == "not_found":
                raise
            add_domain_error(form, error)
    if not form.errors:
        return redirect("mentorships:notes", org_slug=org_slug, mentorship_id=mentorship.pk)
    context = _context(request, mentorship, viewer, document_form=form, newer=newer)
    return render(request, "mentorships/notes.html", context, status=409 if newer else 400)


@require_POST
@requires(Capability.VIEW_CATALOG)
def notes_preview(request: OrganizationRequest, org_slug: str, mentorship_id: int) -> HttpResponse:
    """htmx: the editor's text rendered as the page would show it."""
    _member(request, mentorship_id)
    body = request.POST.get("body", "")[: document_services.DOCUMENT_MAX]
    return render(request, "mentorships/notes_preview.html", {"rendered": markdown.render(body)})


@requires(Capability.VIEW_CATALOG)
def notes_version(
    request: OrganizationRequest, org_slug: str, document_revision_id: int
) -> HttpResponse:
    revision = document_selectors.document_revision_get(
        organization=request.organization, document_revision_id=document_revision_id
    )
    mentorship, viewer = _member(request, revision.document.mentorship_id)
    return render(
        request,
        "mentorships/notes_version.html",
        {
            "mentorship": mentorship,
            "viewer": viewer,
            "revision": revision,
            "at": _local(revision.created_at, viewer),
            "rendered": markdown.render(revision.body),
            "tab": "notes",
            "time_zone": _zone(viewer),
        },
    )


@require_POST
@requires(Capability.VIEW_CATALOG)
def reflection_write(
    request: OrganizationRequest, org_slug: str, mentorship_id: int
) -> HttpResponse:
    mentorship, viewer = _member(request, mentorship_id)
    form = ReflectionForm(request.POST)
    if form.is_valid():
        with service_errors_on(form):
            document_services.reflection_write(
                organization=request.organization,
                mentorship=mentorship,
                actor=request.user,
                body=form.cleaned_data["body"],
            )
    if form.errors:
        context = _context(request, mentorship, viewer, reflection_form=form)
        return render(request, "mentorships/notes.html", context, status=400)
    return redirect(f"{_notes_url(org_slug, mentorship)}#reflections")


def _notes_url(org_slug: str, mentorship: Mentorship) -> str:
    return reverse("mentorships:notes", args=[org_slug, mentorship.pk])


@require_POST
@requires(Capability.VIEW_CATALOG)
def reflection_delete(
    request: OrganizationRequest, org_slug: str, mentorship_id: int, reflection_id: int
) -> HttpResponse:
    mentorship, _viewer = _member(request, mentorship_id)
    reflection = (
        document_selectors.my_reflections(
            organization=request.organization, mentorship=mentorship, user=request.user
        )
        .filter(pk=reflection_id)
        .first()
    )
    if reflection is None:
        raise Http404(_("No such reflection."))
    document_services.reflection_delete(
        organization=request.organization, reflection=reflection, actor=request.user
    )
    return redirect(f"{_notes_url(org_slug, mentorship)}#reflections")
