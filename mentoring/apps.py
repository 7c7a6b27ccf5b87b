from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"

    def ready(self) -> None:
        # Connects receivers of signals from layers below that cannot import what they need.
        from mentoring import receivers  # noqa: F401
