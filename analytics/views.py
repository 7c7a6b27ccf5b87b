"""The program-health dashboard: the admin's and program manager's home draws it (htmx), and
it stands alone as a page; HR analysts see the same figures, read-only. Its tables export as
CSV or XLSX."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _

from analytics.dashboard import EXPORTS, ProgramHealth, program_health
from analytics.exports import table_csv, table_xlsx
from analytics.forms import DashboardFilterForm
from analytics.metrics import Scope
from core.http import OrganizationRequest
from core.permissions import Capability, requires


def _health(request: OrganizationRequest) -> tuple[DashboardFilterForm, ProgramHealth]:
    organization = request.organization
    form = DashboardFilterForm(request.GET or None, organization=organization)
    program, cohort = form.chosen("program"), form.chosen("cohort")
    scope = Scope(
        organization,
        program_id=program.pk if program else None,
        cohort_id=cohort.pk if cohort else None,
    )
    health = program_health(organization=organization, scope=scope, period=form.chosen_period())
    return form, health


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def dashboard(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """The panel alone for htmx (the home loads it, the filter redraws it); the page around it
    otherwise."""
    form, health = _health(request)
    context = {"form": form, "health": health, "query": request.GET.urlencode()}
    if request.htmx:
        return render(request, "analytics/dashboard_panel.html", context)
    return render(request, "analytics/dashboard.html", context)


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def dashboard_export(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """`?table=` one of EXPORTS, `&format=csv` (the default) or `xlsx`, and the filter's
    fields."""
    table = request.GET.get("table", "")
    if table not in EXPORTS:
        raise Http404(_("No such table."))
    _form, health = _health(request)
    header, rows = health.export_table(table)
    filename = "-".join(
        [
            slugify(request.organization.name),
            table,
            f"{health.period.start:%Y%m%d}",
            f"{health.period.end:%Y%m%d}",
        ]
    )
    if request.GET.get("format") == "xlsx":
        return table_xlsx(header, rows, filename=filename, title=table)
    return table_csv(header, rows, filename=filename)
