"""A mentorship's message thread, for its members: the latest messages, newest at the bottom,
older ones a click away, times in the viewer's zone, a post by htmx, an inline edit of one's own
message for a short while, and a light poll (and a refresh when the window regains focus) that
brings new messages in and marks them read.

Anyone else, program staff included, gets 404: staff never read a pair's messages."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.forms import service_errors_on
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from mentorships.models import Mentorship, MentorshipStatus, Message
from mentorships.selectors import mentorship_get_for_member, mentorship_members
from mentorships.selectors import messages as message_selectors
from mentorships.selectors.home import NamedZone
from mentorships.services import messages as message_services
from participants.models import Participant


class MessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your message"),
        max_length=message_services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "thread-compose__text"}),
    )


class MessageEditForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Edit your message"),
        max_length=message_services.BODY_MAX,
        widget=forms.Textarea(
            attrs={"rows": 3, "class": "thread-compose__text", "autofocus": True}
        ),
    )


# The thread shows the latest messages; each "Show older messages" adds a page, up to a bound that
# keeps one page render cheap (a pair writing daily for years stays under it).
PAGE_SIZE = 50
MAX_SHOWN = 1_000


def _shown(request: OrganizationRequest) -> int:
    try:
        asked = int(request.GET.get("shown", PAGE_SIZE))
    except ValueError:
        asked = PAGE_SIZE
    return max(PAGE_SIZE, min(asked, MAX_SHOWN))


def _zone(viewer: Participant) -> NamedZone:
    """The viewer's zone; printed, its city ("Times are in Mexico City")."""
    try:
        return NamedZone(viewer.time_zone or "UTC")
    except (KeyError, ValueError):
        return NamedZone("UTC")


def _member(request: OrganizationRequest, mentorship_id: int) -> tuple[Mentorship, Participant]:
    return mentorship_get_for_member(
        organization=request.organization, mentorship_id=mentorship_id, user=request.user
    )


def _row(message: Message, viewer: Participant, can_write: bool) -> dict:
    zone = _zone(viewer)
    mine = message.author_id == viewer.pk
    return {
        "message": message,
        "at": message.created_at.astimezone(zone),
        "edited_at": message.edited_at.astimezone(zone) if message.edited_at else None,
        "mine": mine,
        "editable": can_write
        and message_services.message_editable(message=message, author=viewer, now=timezone.now()),
    }


def _can_write(mentorship: Mentorship) -> bool:
    return mentorship.status not in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED)


def _thread(request: OrganizationRequest, mentorship: Mentorship, viewer: Participant) -> dict:
    """The thread as the viewer sees it (the latest `shown` messages); what they see is then
    read."""
    organization = request.organization
    shown = _shown(request)
    # One more than shown tells whether older messages exist, without a count.
    messages = message_selectors.message_list(
        organization=organization, mentorship=mentorship, limit=shown + 1
    )
    has_older = len(messages) > shown
    messages = messages[-shown:]
    can_write = _can_write(mentorship)
    rows = [_row(message, viewer, can_write) for message in messages]
    if messages:
        message_services.thread_mark_read(
            organization=organization,
            mentorship=mentorship,
            actor=request.user,
            until=messages[-1].created_at,
        )
    return {
        "rows": rows,
        "viewer": viewer,
        "mentorship": mentorship,
        "time_zone": _zone(viewer),
        "shown": shown,
        "has_older": has_older and shown < MAX_SHOWN,
        "older_shown": min(shown + PAGE_SIZE, MAX_SHOWN),
    }


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
        "can_write": _can_write(mentorship),
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


def _own_message(
    request: OrganizationRequest, message_id: int
) -> tuple[Message, Mentorship, Participant]:
    """The message, for a member of its thread (anyone else: not found); editable by the
    viewer, or refused (another member's message: forbidden; too late: a conflict)."""
    message = message_selectors.message_get(
        organization=request.organization, message_id=message_id
    )
    mentorship, viewer = _member(request, message.mentorship_id)
    message_services.message_ensure_editable(message=message, actor=request.user)
    return message, mentorship, viewer


def _edit_ids(message: Message) -> str:
    # Apart from the compose box's ids: both forms are on the page at once.
    return f"id_message_{message.pk}_%s"


def _message_item(
    request: OrganizationRequest, message: Message, viewer: Participant, mentorship: Mentorship
) -> HttpResponse:
    """One message as the thread shows it, focus back on its Edit button."""
    context = {
        "row": _row(message, viewer, _can_write(mentorship)),
        "mentorship": mentorship,
        "time_zone": _zone(viewer),
        "focus_edit": True,
    }
    return render(request, "mentorships/messages_item.html", context)


@requires(Capability.VIEW_CATALOG)
def message_edit(request: OrganizationRequest, org_slug: str, message_id: int) -> HttpResponse:
    """The author's inline edit: htmx gets the form in place of the message's text (or the
    message back, `?cancel=1`); without htmx, a page of its own. A save answers with the
    message as the thread shows it."""
    message, mentorship, viewer = _own_message(request, message_id)
    if request.method == "POST":
        form = MessageEditForm(request.POST, auto_id=_edit_ids(message))
        if form.is_valid():
            with service_errors_on(form):
                message = message_services.message_edit(
                    organization=request.organization,
                    message=message,
                    actor=request.user,
                    body=form.cleaned_data["body"],
                )
        if not form.errors:
            if request.htmx:
                return _message_item(request, message, viewer, mentorship)
            return redirect("mentorships:messages", org_slug=org_slug, mentorship_id=mentorship.pk)
    elif request.htmx and request.GET.get("cancel") == "1":
        return _message_item(request, message, viewer, mentorship)
    else:
        form = MessageEditForm(initial={"body": message.body}, auto_id=_edit_ids(message))
    context = {"form": form, "message": message, "mentorship": mentorship, "tab": "messages"}
    if request.htmx:
        response = render(request, "mentorships/messages_edit_form.html", context)
        if form.errors:
            # htmx swaps only 2xx answers: a refused edit comes back as the form with its
            # error, into the message's edit slot rather than over the message.
            response["HX-Retarget"] = f"#message-{message.pk}-edit"
            response["HX-Reswap"] = "innerHTML"
        return response
    status = 400 if form.errors else 200
    return render(request, "mentorships/messages_edit.html", context, status=status)
