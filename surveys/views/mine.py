"""A participant's open surveys in the app, and the way from there to the answer page."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.http import OrganizationRequest
from core.permissions import Capability, requires
from surveys import links


@requires(Capability.VIEW_CATALOG)
def survey_mine(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    surveys = links.open_survey_list(organization=request.organization, user=request.user)
    return render(request, "surveys/mine.html", {"surveys": surveys})


@requires(Capability.VIEW_CATALOG)
def survey_mine_card(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """The home's card of surveys waiting for an answer, fetched after the home has shown (it
    costs the home no query); empty when nothing waits."""
    waiting = [
        entry
        for entry in links.open_survey_list(organization=request.organization, user=request.user)
        if entry.progress != "answered"
    ]
    return render(request, "surveys/mine_card.html", {"waiting": waiting})


@require_POST
@requires(Capability.VIEW_CATALOG)
def survey_mine_open(
    request: OrganizationRequest, org_slug: str, survey_invitation_id: int
) -> HttpResponse:
    """A fresh link for the person's own invitation, then the answer page: the app never holds
    the emailed token, only its hash. A refusal (closed, anonymous and already saved through the
    emailed link) comes back to the list as a message."""
    token = links.link_reissue(
        organization=request.organization, invitation_id=survey_invitation_id, user=request.user
    )
    return redirect("survey_answer", token=token)
