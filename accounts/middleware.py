import zoneinfo
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

# Set by a tiny script in the base template so that people who have not chosen a zone still see
# times in the zone their browser reports.
BROWSER_TIME_ZONE_COOKIE = "meridian_tz"


def _zone_or_none(name: str | None) -> zoneinfo.ZoneInfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class UserPreferencesMiddleware:
    """Activates the viewer's language and time zone for the rest of the request.

    The zone is the person's one zone (docs/i18n.md): their account's, which their participant
    profiles copy, so pages that format with a profile's zone (a mentorship's home, booking,
    messages, notes) and the emails read the same. Only someone who never named one (no
    setting and no profile) gets the zone their browser reports, else UTC.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen_zone = None
        if user is not None and user.is_authenticated:
            chosen_zone = _zone_or_none(user.time_zone)
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
        # The script URL-encodes the zone ("Europe%2FBerlin"); Django does not decode cookies.
        browser_zone = unquote(request.COOKIES.get(BROWSER_TIME_ZONE_COOKIE, ""))
        zone = chosen_zone or _zone_or_none(browser_zone)
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
