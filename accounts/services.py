from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from organizations.errors import DomainError
from organizations.services import invitation_accept, organization_create


@transaction.atomic
def user_complete_signup(
    *, user: User, organization_name: str, invitation_token: str | None
) -> None:
    """A new user either joins through their invitation or founds an organization."""
    if invitation_token:
        try:
            invitation_accept(token=invitation_token, user=user)
            return
        except DomainError:
            # The link died between the visit and the sign-up; fall through to founding one
            # if a name was given, otherwise the user lands on the organization list.
            pass
    if organization_name.strip():
        organization_create(name=organization_name, owner=user)


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
