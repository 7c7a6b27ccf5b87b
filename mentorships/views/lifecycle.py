"""Button presses on a mentorship's home: pause, resume, close and ask for a new match. Each
goes through `mentorships.services.lifecycle`; a refusal comes back as a message on the page
(core.middleware.DomainErrorMiddleware)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import OrganizationRequest
from core.permissions import Capability, requires
from mentorships.selectors import mentorship_get_for_member
from mentorships.services import lifecycle


def _home(org_slug: str, mentorship_id: int) -> HttpResponse:
    return redirect("mentorships:detail", org_slug=org_slug, mentorship_id=mentorship_id)


def _mentorship(request: OrganizationRequest, mentorship_id: int):
    mentorship, _viewer = mentorship_get_for_member(
        organization=request.organization, mentorship_id=mentorship_id, user=request.user
    )
    return mentorship


@require_POST
@requires(Capability.VIEW_CATALOG)
def pause(request: OrganizationRequest, org_slug: str, mentorship_id: int) -> HttpResponse:
    lifecycle.mentorship_pause(
        organization=request.organization,
        mentorship=_mentorship(request, mentorship_id),
        actor=request.user,
    )
    messages.success(request, _("Paused. Reminders stop until one of you resumes."))
    return _home(org_slug, mentorship_id)


@require_POST
@requires(Capability.VIEW_CATALOG)
def resume(request: OrganizationRequest, org_slug: str, mentorship_id: int) -> HttpResponse:
    lifecycle.mentorship_resume(
        organization=request.organization,
        mentorship=_mentorship(request, mentorship_id),
        actor=request.user,
    )
    messages.success(request, _("Welcome back. Book your next check-in."))
    return _home(org_slug, mentorship_id)


@require_POST
@requires(Capability.VIEW_CATALOG)
def close(request: OrganizationRequest, org_slug: str, mentorship_id: int) -> HttpResponse:
    lifecycle.mentorship_close(
        organization=request.organization,
        mentorship=_mentorship(request, mentorship_id),
        actor=request.user,
        reason=request.POST.get("reason", ""),
        comment=request.POST.get("comment", "")[:2000],
    )
    messages.success(request, _("The mentorship is closed. Thank you for taking part."))
    return _home(org_slug, mentorship_id)


@require_POST
@requires(Capability.VIEW_CATALOG)
def rematch(request: OrganizationRequest, org_slug: str, mentorship_id: int) -> HttpResponse:
    lifecycle.mentorship_request_rematch(
        organization=request.organization,
        mentorship=_mentorship(request, mentorship_id),
        actor=request.user,
        reason=request.POST.get("reason", "")[:2000],
    )
    messages.success(request, _("The program team has your request and will be in touch."))
    return _home(org_slug, mentorship_id)
