from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from mentoring.demo_data import DEMO_PASSWORD, DEMO_USERS, SCALE_VOLUMES, seed_demo, seed_scale
from mentoring.demo_history import PILOT_MATCHED_DAYS_AGO, demo_history_add


class Command(BaseCommand):
    help = "Create the demo organization (idempotent). --participants N scales it for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, default=240)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--reset", action="store_true", help="Delete and rebuild the demo org.")
        parser.add_argument(
            "--scale",
            type=float,
            default=None,
            help="Instead of the demo: (re)build the 'Scale Co' organization for bench/reports.py "
            "with this fraction of "
            + ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in SCALE_VOLUMES.items())
            + " (1 = all; 0.1 for a smoke run).",
        )

    def handle(
        self, *args, participants: int, seed: int, reset: bool, scale: float | None, **options
    ) -> None:
        if scale is not None:
            self._scale(scale, seed)
            return
        result = seed_demo(participants=participants, seed=seed, reset=reset)
        if result.created:
            # The one-command start's demo: a program with a past, not a blank first day.
            history = demo_history_add(organization=result.organization, seed=seed)
            self.stdout.write(
                f"Demo history: a pilot cohort matched {PILOT_MATCHED_DAYS_AGO} days ago, "
                f"{history.check_ins} check-ins held, {history.snapshot_days} nightly snapshots."
            )
        if result.created and connection.vendor == "postgresql":
            # Fresh statistics after a bulk load: until autovacuum gets to the new rows, the
            # planner guesses a handful of rows and sorts whole tables instead of walking the
            # (organization, created_at, id) index (35 ms instead of 0.1 ms for a page of 50).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        verb = "Created" if result.created else "Kept existing"
        self.stdout.write(
            f"{verb} demo organization '{result.organization.name}' "
            f"(/o/{result.organization.slug}/) with {result.participants} participants."
        )
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for email, _name, role, _zone in DEMO_USERS:
            self.stdout.write(f"  {email:32} {role}")
        if result.api_key:
            self.stdout.write(f"Demo API key (read, reports:read; shown once): {result.api_key}")

    def _scale(self, scale: float, seed: int) -> None:
        result = seed_scale(scale=scale, seed=seed)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            f"Built '{result.organization.name}' (/o/{result.organization.slug}/) with "
            f"{result.participants} participants at scale {scale}."
        )
        self.stdout.write(f"Reports API key (reports:read; shown once): {result.api_key}")
