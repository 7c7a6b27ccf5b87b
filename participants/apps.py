from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = _("Participants")

    def ready(self) -> None:
        # A person's profiles follow their account's time zone (docs/i18n.md).
        from participants import receivers  # noqa: F401
