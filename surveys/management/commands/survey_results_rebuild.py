"""Count survey results again from the answers: after loading responses some other way than
through the answer page (a seed, a script, a restore), or once after deploying the counts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.tenancy import for_each_organization
from organizations.models import Organization
from surveys.models import Survey
from surveys.result_counts import surveys_result_counts_rebuild


class Command(BaseCommand):
    help = "Rebuild the survey results' counts from the submitted answers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", help="an organization's slug (default: all)")
        parser.add_argument("--survey", type=int, action="append", help="a survey id (repeatable)")

    def handle(self, *args: Any, organization: str | None, survey: list[int] | None, **_: Any):
        if organization is not None:
            found = Organization.objects.filter(slug=organization).values_list("pk", flat=True)
            organization_ids = list(found)
            if not organization_ids:
                raise CommandError(f"No organization with the slug {organization!r}.")
        else:
            organization_ids = list(
                Survey.objects.with_scopes_disabled()
                .order_by()
                .values_list("organization_id", flat=True)
                .distinct()
            )
        totals = {"surveys": 0, "rows": 0}

        def rebuild(org: Organization) -> None:
            written = surveys_result_counts_rebuild(organization=org, survey_ids=survey)
            totals["surveys"] += len(written)
            totals["rows"] += sum(written.values())

        for_each_organization(organization_ids, rebuild)
        self.stdout.write(
            f"Rebuilt the results' counts of {totals['surveys']} surveys "
            f"({totals['rows']} count rows)."
        )
