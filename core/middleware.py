"""A service's refusal of a button press (approve, withdraw, revoke…) shown to the person.

Form views put refusals on their form (`core.forms.service_errors_on`); every other view lets
`DomainError` propagate, and this middleware answers it once for all of them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        # A missing row and another organization's row answer alike.
        if exception.code == "not_found":
            raise Http404(exception.message) from exception
        if exception.code == "permission_denied":
            raise PermissionDenied(exception.message) from exception
        messages.error(request, exception.message)
        back = _page_to_return_to(request)
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = back
            return response
        return HttpResponseRedirect(back)


def _page_to_return_to(request: HttpRequest) -> str:
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return request.path if request.method == "GET" else "/"
