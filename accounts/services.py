from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError


@transaction.atomic
def user_update_settings(*, user: User, full_name: str, language: str, time_zone: str) -> User:
    user.full_name = full_name.strip()
    user.language = language
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "language", "time_zone"])
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
