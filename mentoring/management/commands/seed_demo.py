from django.core.management.base import BaseCommand, CommandParser

from mentoring.demo_data import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Create the demo organization (idempotent). --participants N scales it for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, default=240)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--reset", action="store_true", help="Delete and rebuild the demo org.")

    def handle(self, *args, participants: int, seed: int, reset: bool, **options) -> None:
        result = seed_demo(participants=participants, seed=seed, reset=reset)
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
