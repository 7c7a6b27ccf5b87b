import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CalendarFeed, User, validate_time_zone
from accounts.signals import time_zone_changed
from core.errors import DomainError


@transaction.atomic
def user_update_settings(*, user: User, full_name: str, language: str, time_zone: str) -> User:
    user.full_name = full_name.strip()
    user.language = language
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "language", "time_zone"])
    # Sent whether or not the zone changed: the settings form has already put the new value
    # on `user`, and a profile left behind by an earlier change is brought along too.
    if time_zone:
        time_zone_changed.send(sender=User, user=user)
    return user


@transaction.atomic
def user_set_time_zone(*, user: User, time_zone: str) -> User:
    """The person's one time zone (docs/i18n.md): every page, email and reminder they get is
    in it, and their participant profiles follow it."""
    if not time_zone or time_zone == user.time_zone:
        return user
    validate_time_zone(time_zone)
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    time_zone_changed.send(sender=User, user=user)
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """The footer switcher. A signed-in user's saved language outranks the cookie, so it is
    saved too; otherwise the switch would be undone on the next page."""
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("Choose one of the offered languages."), field="language")
    user.language = language
    user.save(update_fields=["language"])
    return user


# --- The private calendar feed ---------------------------------------------------------------


def _feed_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, user: User) -> str:
    """A new private feed address for the person; any earlier one stops working. Returns the
    token, which is shown once: only its hash is kept."""
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.create(user=user, token_hash=_feed_hash(token))
    return token


def calendar_feed_revoke(*, user: User) -> int:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def calendar_feed_user(*, token: str) -> User | None:
    """The owner of a live feed address, or None; notes when calendars last fetched it (at
    most once a minute, so polling calendars cost no write each time)."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.filter(token_hash=_feed_hash(token), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if feed is None or not feed.user.is_active:
        return None
    now = timezone.now()
    if feed.last_fetched_at is None or now - feed.last_fetched_at > dt.timedelta(minutes=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    return feed.user
