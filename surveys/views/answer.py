"""The answer page: `/s/<token>/`, outside any organization, no sign-in needed. The token is the
key (looked up by its hash); the page speaks the respondent's language, saves partial answers
(htmx autosave, or "save and continue later"), and the same link edits the response until the
survey closes. Wrong tokens are counted per address and refused once they pile up, so links
cannot be guessed by trying."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods

from core.tenancy import in_organization
from surveys import links
from surveys.forms import answers_from_post

# Wrong tokens one address may try per window before the page refuses for the rest of it. A
# person mistyping a link needs a handful; guessing a 256-bit token needs ~2^255.
MISSES_ALLOWED = 20
MISS_WINDOW_SECONDS = 10 * 60


def _client_address(request: HttpRequest) -> str:
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except Exception:
        return "unknown"


def _miss_key(request: HttpRequest) -> str:
    return f"survey-link-misses:{_client_address(request)}"


def _too_many_misses(request: HttpRequest) -> bool:
    return int(cache.get(_miss_key(request)) or 0) >= MISSES_ALLOWED


def _count_miss(request: HttpRequest) -> None:
    key = _miss_key(request)
    if not cache.add(key, 1, MISS_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, MISS_WINDOW_SECONDS)


@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    if _too_many_misses(request):
        return render(request, "surveys/answer_invalid.html", {"limited": True}, status=429)
    link = links.link_open(token=token)
    if link is None:
        _count_miss(request)
        return render(request, "surveys/answer_invalid.html", status=404)
    return answer_link_page(request, link, token, reverse("survey_answer", kwargs={"token": token}))


def answer_link_page(
    request: HttpRequest, link: links.Link, token: str | None, here: str
) -> HttpResponse:
    """The answer page of `link` at `here`, by the emailed token or, with `token` None, by the
    signed-in person in the app (surveys.views.mine): the same page and the same response."""
    invitation = link.invitation
    language = invitation.language or translation.get_language() or settings.LANGUAGE_CODE
    # The respondent's language and zone, signed in or not: the invitation knows them.
    with (
        translation.override(language),
        timezone.override(_zone(invitation.participant.time_zone)),
        in_organization(link.organization.pk),
    ):
        if link.state != links.LinkState.LIVE:
            context = {"link": link, "survey_name": links.survey_name(link)}
            return render(request, "surveys/answer_closed.html", context, status=410)
        page = links.answer_page(link=link, token=token)
        if request.method == "POST":
            submit = request.POST.get("action") == "submit"
            outcome = links.link_answer(
                link=link,
                token=token,
                answers=answers_from_post(page.questions, request.POST),
                submit=submit,
                language=language,
            )
            if getattr(request, "htmx", False) and not submit:
                # The autosave: only the status line changes; errors show on the next submit.
                return render(request, "surveys/answer_saved.html", {"outcome": outcome})
            if outcome.errors is None:
                return redirect(f"{here}?{'done' if submit else 'saved'}=1")
            page = links.answer_page(
                link=link, token=token, answers=outcome.answers, errors=outcome.errors
            )
        response = render(
            request,
            "surveys/answer.html",
            {
                "page": page,
                "sections": page.sections,
                "errors": page.errors,
                "done": request.method == "GET" and "done" in request.GET,
                "saved": request.method == "GET" and "saved" in request.GET,
            },
            status=400 if page.errors else 200,
        )
    # The address is a secret: no shared cache keeps the page, and no link carries it to
    # another site as a referrer ("same-origin", not "no-referrer": with that, browsers send
    # the form's own POST with Origin: null, which CSRF protection refuses).
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
