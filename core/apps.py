from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The floor every app stands on. It imports no app of the project."""

    name = "core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_apply_row_level_security, sender=self)


def _apply_row_level_security(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    # After every migrate, so tables added by later migrations are covered too.
    from django.db import connections

    from core.rls import apply_policies

    apply_policies(connections[using])
