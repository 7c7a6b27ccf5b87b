"""A mentorship's message thread, for its members: newest at the bottom, times in the viewer's
zone, a post by htmx, and a light poll (and a refresh when the window regains focus) that
brings new messages in and marks them read.

Anyone else, program staff included, gets 404: staff never read a pair's messages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.forms import service_errors_on
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from mentorships.models import Mentorship, MentorshipStatus
from mentorships.selectors import mentorship_get_for_member, mentorship_members
from mentorships.selectors import messages as message_selectors
from mentorships.services import messages as message_services
from participants.models import Participant


class MessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your message"),
        max_length=message_services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "thread-compose__text"}),
    )


def _zone(viewer: Participant) -> ZoneInfo:
    try:
        return ZoneInfo(viewer.time_zone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _member(request: OrganizationRequest, mentorship_id: int) -> tuple[Mentorship, Participant]:
    return mentorship_get_for_member(
        organization=request.organization, mentorship_id=mentorship_id, user=request.user
    )


def _thread(request: OrganizationRequest, mentorship: Mentorship, viewer: Participant) -> dict:
    """The thread as the viewer sees it; what they see is then read."""
    organization = request.organization
    zone = _zone(viewer)
    messages = message_selectors.message_list(organization=organization, mentorship=mentorship)
    rows = []
    for message in messages:
        local = message.created_at.astimezone(zone)
        rows.append({"message": message, "at": local, "mine": message.author_id == viewer.pk})
    if messages:
        message_services.thread_mark_read(
            organization=organization,
            mentorship=mentorship,
            actor=request.user,
            until=messages[-1].created_at,
        )
    return {"rows": rows, "viewer": viewer, "mentorship": mentorship, "time_zone": str(zone)}


def _context(
    request: OrganizationRequest,
    mentorship: Mentorship,
    viewer: Participant,
    form: MessageForm | None = None,
) -> dict:
    others = [
        p
        for p in mentorship_members(organization=request.organization, mentorship=mentorship)
        if p.pk != viewer.pk
    ]
    return {
        **_thread(request, mentorship, viewer),
        "others": others,
        "form": form or MessageForm(),
        "can_write": mentorship.status not in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED),
        "tab": "messages",
    }


@requires(Capability.VIEW_CATALOG)
def messages(request: OrganizationRequest, org_slug: str, mentorship_id: int) -> HttpResponse:
    """The thread; htmx asks for the thread alone (the poll)."""
    mentorship, viewer = _member(request, mentorship_id)
    if request.htmx and request.GET.get("thread") == "1":
        return render(
            request, "mentorships/messages_thread.html", _thread(request, mentorship, viewer)
        )
    return render(request, "mentorships/messages.html", _context(request, mentorship, viewer))


@require_POST
@requires(Capability.VIEW_CATALOG)
def message_post(request: OrganizationRequest, org_slug: str, mentorship_id: int) -> HttpResponse:
    mentorship, viewer = _member(request, mentorship_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        with service_errors_on(form):
            message_services.message_post(
                organization=request.organization,
                mentorship=mentorship,
                actor=request.user,
                body=form.cleaned_data["body"],
            )
    failed = bool(form.errors)
    if request.htmx:
        context = _context(request, mentorship, viewer, form if failed else None)
        # htmx swaps only 2xx answers: a refusal comes back as the panel with the error.
        return render(request, "mentorships/messages_panel.html", context)
    if failed:
        context = _context(request, mentorship, viewer, form)
        return render(request, "mentorships/messages.html", context, status=400)
    return redirect("mentorships:messages", org_slug=org_slug, mentorship_id=mentorship.pk)
