"""A participant's open surveys in the app, and the way from there to the answer page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from surveys import links
from surveys.views.answer import answer_link_page


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


def _own_link(request: OrganizationRequest, invitation_id: int) -> links.Link | HttpResponse:
    """The person's own invitation, or the list again with why not (an anonymous survey); 404
    for anyone else's."""
    try:
        return links.member_link(
            organization=request.organization, invitation_id=invitation_id, user=request.user
        )
    except DomainError as refused:
        if refused.code == "not_found":
            raise Http404 from refused
        messages.error(request, refused.message)
        return redirect("surveys:mine", org_slug=request.organization.slug)


@require_POST
@requires(Capability.VIEW_CATALOG)
def survey_mine_open(
    request: OrganizationRequest, org_slug: str, survey_invitation_id: int
) -> HttpResponse:
    """The list's button: the person's invitation answered here, through their session (the
    emailed link is left as it is: it keeps working, to the same response). An anonymous survey
    comes back to the list with a message: it is answered through the emailed link only."""
    link = _own_link(request, survey_invitation_id)
    if isinstance(link, HttpResponse):
        return link
    return redirect(
        "surveys:mine_answer", org_slug=org_slug, survey_invitation_id=survey_invitation_id
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.VIEW_CATALOG)
def survey_mine_answer(
    request: OrganizationRequest, org_slug: str, survey_invitation_id: int
) -> HttpResponse:
    """The answer page in the app, for the signed-in person's own invitation to a named survey."""
    link = _own_link(request, survey_invitation_id)
    if isinstance(link, HttpResponse):
        return link
    return answer_link_page(request, link, None, request.path)
