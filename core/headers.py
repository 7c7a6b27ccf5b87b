"""The `Permissions-Policy` header on every response, from `settings.PERMISSIONS_POLICY`.

`{"camera": [], "fullscreen": ["self"]}` becomes `camera=(), fullscreen=(self)`: an empty list
switches the feature off for this site and every frame in it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Permissions-Policy"


def permissions_policy(features: dict[str, list[str]]) -> str:
    return ", ".join(
        f"{feature}=({' '.join(allowlist)})" for feature, allowlist in features.items()
    )


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.value = permissions_policy(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.value and HEADER not in response:
            response[HEADER] = self.value
        return response
