"""The program-health dashboard: the admin's and program manager's home draws it (htmx), and
it stands alone as a page; HR analysts see the same figures, read-only. Its tables export as
CSV or XLSX."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _

from analytics.dashboard import EXPORTS, program_health, program_health_counted
from analytics.exports import table_csv, table_xlsx
from analytics.forms import DashboardFilterForm
from analytics.metrics import Scope
from core.http import OrganizationRequest
from core.permissions import Capability, requires

# While the figures are being counted or updated the panel asks again every `POLL_SECONDS`
# (htmx); the answer is empty (204: nothing to redraw, nothing for a screen reader to announce)
# until the figures are current, then the whole panel. Polling stops after `POLL_LIMIT_SECONDS`
# (286): a refresh at scale 1 takes seconds, and a worker that is down should not keep a tab
# polling all day.
POLL_SECONDS = 2
POLL_LIMIT_SECONDS = 60
# htmx stops polling on this status (and draws the answer).
STOP_POLLING = 286


# The filter form's id: htmx names it in `HX-Trigger` when the filter redraws the panel.
FILTER_ID = "health-filter"


def _filter(request: OrganizationRequest) -> tuple[DashboardFilterForm, Scope]:
    organization = request.organization
    form = DashboardFilterForm(request.GET or None, organization=organization)
    if request.htmx and request.htmx.trigger == FILTER_ID:
        # In the filter a cohort of another program is what a change of program leaves
        # behind (the cohort list was the old program's): the new program's cohorts, all of
        # them, is what was asked. A typed or shared address keeps the error instead.
        form = form.without_cohort_outside_program() or form
    program, cohort = form.chosen("program"), form.chosen("cohort")
    scope = Scope(
        organization,
        program_id=program.pk if program else None,
        cohort_id=cohort.pk if cohort else None,
    )
    return form, scope


def _polling_since(request: OrganizationRequest) -> int | None:
    """When this tab started polling (the poller's `?poll=`, seconds since the epoch)."""
    try:
        return int(request.GET["poll"])
    except (KeyError, ValueError):
        return None


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def dashboard(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """The panel alone for htmx (the home loads it, the filter redraws it, and its poller asks
    again while its figures are counted or updated); the page around it otherwise."""
    form, scope = _filter(request)
    counted = program_health_counted(
        organization=request.organization, scope=scope, period=form.chosen_period()
    )
    now = int(time.time())
    since = _polling_since(request)
    polled_for = now - since if since is not None else 0
    if since is not None and counted.updating and polled_for < POLL_LIMIT_SECONDS:
        return HttpResponse(status=204)
    query = _filter_query(request, form)
    poll_query = query.copy()
    poll_query["poll"] = str(since if since is not None else now)
    context = {
        "form": form,
        "health": counted.value,
        "counted": counted,
        "query": query.urlencode(),
        "poll": counted.updating and polled_for < POLL_LIMIT_SECONDS,
        "poll_query": poll_query.urlencode(),
        "poll_seconds": POLL_SECONDS,
    }
    # Going back to a pushed address asks for the whole page again (the panel keeps no history
    # snapshot: dashboard.html), with htmx's header on: it gets the page, not the panel.
    if request.htmx and not request.htmx.history_restore_request:
        status = STOP_POLLING if since is not None and counted.updating else 200
        response = render(request, "analytics/dashboard_panel.html", context, status=status)
        if request.htmx.trigger == FILTER_ID and _on_the_page(request):
            # The address follows the filter, so a filtered view can be bookmarked and shared
            # (the page reads the same query back). The home keeps its own address.
            response["HX-Push-Url"] = f"{request.path}?{context['query']}"
        return response
    return render(request, "analytics/dashboard.html", context)


def _filter_query(request: OrganizationRequest, form: DashboardFilterForm) -> QueryDict:
    """The filter as the address and the exports carry it: what was asked, without the
    poller's mark and without a cohort the filter dropped."""
    query = request.GET.copy()
    query.pop("poll", None)
    if "cohort" not in form.data:
        query.pop("cohort", None)
    return query


def _on_the_page(request: OrganizationRequest) -> bool:
    """The panel is drawn on its own page (not on the home)."""
    current = request.htmx.current_url_abs_path if request.htmx else None
    return bool(current) and urlsplit(current).path == request.path


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def dashboard_export(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """`?table=` one of EXPORTS, `&format=csv` (the default) or `xlsx`, and the filter's
    fields. A filter that is not one (an unknown period, dates that are not dates) is a 400
    naming its errors: a download of other days than asked would pass for the right one."""
    table = request.GET.get("table", "")
    if table not in EXPORTS:
        raise Http404(_("No such table."))
    form, scope = _filter(request)
    if form.is_bound and not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    health = program_health(
        organization=request.organization, scope=scope, period=form.chosen_period()
    )
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
