"""The program team's at-risk list: mentorships that need a word, with why and what to try."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from mentorships.models import Mentorship
from mentorships.selectors.at_risk import at_risk_list
from mentorships.services import nudges

# Worst first, so the first pages are what a program team gets to today.
AT_RISK_PAGE_SIZE = 50


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def at_risk(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    entries = at_risk_list(organization=request.organization)
    page = Paginator(entries, AT_RISK_PAGE_SIZE).get_page(request.GET.get("page"))
    # Only the shown rows' mentees: thousands of pairs at risk must not cost a page thousands.
    prefetch_related_objects([entry.mentorship for entry in page.object_list], "mentees")
    return render(
        request,
        "mentorships/at_risk.html",
        {"entries": page.object_list, "page_obj": page, "total": len(entries)},
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def nudge(request: OrganizationRequest, org_slug: str, mentorship_id: int) -> HttpResponse:
    mentorship = Mentorship.objects.for_org(request.organization).filter(pk=mentorship_id).first()
    if mentorship is None:
        raise DomainError(_("No such mentorship."), code="not_found")
    sent = nudges.mentorship_nudge_now(organization=request.organization, mentorship=mentorship)
    if sent:
        messages.success(request, _("Nudge sent to the members."))
    else:
        messages.info(request, _("They were already nudged today."))
    return redirect("mentorships:at_risk", org_slug=org_slug)
