from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from organizations import api_schema  # noqa: F401 — registers the OpenAPI extension

        post_migrate.connect(_apply_row_level_security, sender=self)


def _apply_row_level_security(sender, using: str = "default", **kwargs) -> None:
    # After every migrate, so tables added by later migrations are covered too.
    from django.db import connections

    from organizations.rls import apply_policies

    apply_policies(connections[using])
