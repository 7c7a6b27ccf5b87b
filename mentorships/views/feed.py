"""The private calendar feed: the address calendars subscribe to (no sign-in; the token is the
key), and the page where a person creates, replaces or revokes it.

The address lives outside any organization because it holds the person's check-ins from all of
them (`mentorships.selectors.feed`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.services import calendar_feed_create, calendar_feed_revoke, calendar_feed_user
from core.http import AuthenticatedRequest
from mentorships import ics
from mentorships.selectors.feed import calendar_feed_events, calendar_feed_live


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A revoked or unknown address answers 404, as a missing one would."""
    user = calendar_feed_user(token=token)
    if user is None:
        raise Http404
    body = ics.feed(calendar_feed_events(user=user), name=_("Meridian check-ins"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    # The address is a secret: shared caches must not keep the person's meetings.
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="meridian.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def calendar_feed_settings(request: AuthenticatedRequest) -> HttpResponse:
    """Create or replace the address (shown once, on this response only) or revoke it."""
    address = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            token = calendar_feed_create(user=request.user)
            address = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
        elif action == "revoke":
            calendar_feed_revoke(user=request.user)
            messages.success(request, _("Your calendar address is revoked: it no longer works."))
            return redirect("calendar_feed_settings")
    response = render(
        request,
        "accounts/calendar_feed.html",
        {"feed": calendar_feed_live(user=request.user), "address": address},
    )
    if address:
        response["Cache-Control"] = "no-store"
    return response
