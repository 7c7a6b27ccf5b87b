"""A mentorship's home, for its members: who they work with, the next check-in, the plan's
progress, unread messages, the learning path and the one thing to do next.

Anyone else, program staff included, gets 404: the program team sees mentorships' metadata on
their own list (`mentorships:admin_list`), never a pair's home."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.http import OrganizationRequest
from core.permissions import Capability, requires
from core.texts import in_language
from mentorships.models import CloseReason
from mentorships.selectors import mentorship_get_for_member
from mentorships.selectors.home import Other, mentorship_home


def mentorship_title(others: list[Other]) -> str:
    """The page's title names the people the viewer works with."""
    names = [o.person.full_name for o in others]
    if not names:
        return _("Your mentorship")
    if len(names) == 1:
        return _("With %(name)s") % {"name": names[0]}
    return _("With %(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


@requires(Capability.VIEW_CATALOG)
def mentorship_detail(
    request: OrganizationRequest, org_slug: str, mentorship_id: int
) -> HttpResponse:
    organization = request.organization
    mentorship, viewer = mentorship_get_for_member(
        organization=organization, mentorship_id=mentorship_id, user=request.user
    )
    home = mentorship_home(
        organization=organization, mentorship=mentorship, viewer=viewer, user=request.user
    )
    stage = home.stage.stage if home.stage else None
    context = {
        "mentorship": mentorship,
        "home": home,
        "title": mentorship_title(home.others),
        "stage_title": in_language(stage.title) if stage else "",
        "stage_description": in_language(stage.description) if stage else "",
        "tab": "overview",
        "close_reasons": CloseReason.choices,
    }
    return render(request, "mentorships/detail.html", context)
