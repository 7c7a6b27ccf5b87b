"""The zone the browser reports arrives URL-encoded, as static/js/meridian.js writes it."""

from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from accounts.middleware import BROWSER_TIME_ZONE_COOKIE, UserPreferencesMiddleware


def _zone_seen_by_view(cookie_value: str) -> str:
    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.COOKIES[BROWSER_TIME_ZONE_COOKIE] = cookie_value
    UserPreferencesMiddleware(view)(request)
    return seen["zone"]


@pytest.mark.parametrize("cookie_value", [quote("Europe/Berlin", safe=""), "Europe/Berlin"])
def test_browser_zone_cookie_is_honoured_encoded_or_not(cookie_value):
    assert _zone_seen_by_view(cookie_value) == "Europe/Berlin"


def test_garbled_browser_zone_cookie_falls_back_to_utc():
    assert _zone_seen_by_view("Europe%2") == "UTC"
