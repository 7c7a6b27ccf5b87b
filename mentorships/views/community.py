"""A program's community: topics with replies, for the program's participants and its program
team; the team pins, locks and hides. Anyone else gets 404."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.forms import service_errors_on
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from mentorships.selectors import community as community_selectors
from mentorships.services import community as community_services


class TopicForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=community_services.TITLE_MAX)
    body = forms.CharField(
        label=gettext_lazy("What do you want to discuss?"),
        max_length=community_services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your reply"),
        max_length=community_services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@requires(Capability.VIEW_CATALOG)
def community(request: OrganizationRequest, org_slug: str, program_id: int) -> HttpResponse:
    organization = request.organization
    access = community_selectors.community_access(
        organization=organization, program_id=program_id, user=request.user
    )
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            topic = community_services.topic_create(
                organization=organization,
                program_id=program_id,
                actor=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        if not form.errors:
            return redirect("mentorships:topic", org_slug=org_slug, topic_id=topic.pk)
    topics = community_selectors.topic_list(organization=organization, access=access)
    return render(
        request,
        "mentorships/community.html",
        {"access": access, "program": access.program, "topics": topics, "form": form},
        status=400 if form.errors else 200,
    )


@requires(Capability.VIEW_CATALOG)
def topic(request: OrganizationRequest, org_slug: str, topic_id: int) -> HttpResponse:
    organization = request.organization
    found, access = community_selectors.topic_visible(
        organization=organization, topic_id=topic_id, user=request.user
    )
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            community_services.reply_create(
                organization=organization,
                topic_id=found.pk,
                actor=request.user,
                body=form.cleaned_data["body"],
            )
        if not form.errors:
            return redirect(f"{request.path}#replies")
    replies = community_selectors.reply_list(organization=organization, topic=found, access=access)
    return render(
        request,
        "mentorships/topic.html",
        {
            "access": access,
            "program": access.program,
            "topic": found,
            "replies": replies,
            "form": form,
            "can_reply": not found.locked or access.moderator,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@requires(Capability.VIEW_CATALOG)
def topic_moderate(request: OrganizationRequest, org_slug: str, topic_id: int) -> HttpResponse:
    community_services.topic_moderate(
        organization=request.organization,
        topic_id=topic_id,
        actor=request.user,
        action=request.POST.get("action", ""),
    )
    return redirect("mentorships:topic", org_slug=org_slug, topic_id=topic_id)


@require_POST
@requires(Capability.VIEW_CATALOG)
def reply_moderate(request: OrganizationRequest, org_slug: str, reply_id: int) -> HttpResponse:
    reply = community_services.reply_moderate(
        organization=request.organization,
        reply_id=reply_id,
        actor=request.user,
        hidden=request.POST.get("action") == "hide",
    )
    return redirect("mentorships:topic", org_slug=org_slug, topic_id=reply.topic_id)
