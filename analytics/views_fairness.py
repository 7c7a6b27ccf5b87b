"""The matching fairness audit (docs/fairness.md): for admins, program managers and HR analysts
(read-only, like the dashboard), over the organization, a program or a cohort, and over one
match round's proposals before it is published."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from analytics.fairness_forms import FairnessFilterForm
from analytics.fairness_selectors import (
    MATCH_METRICS,
    RATE,
    ROUND_METRICS,
    AttributeAudit,
    FairnessAudit,
    GroupRow,
    Metric,
    display,
    fairness_attributes,
    fairness_audit,
    format_p,
    round_fairness_audit,
)
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from matching.selectors import round_get


def _chosen_metric(form: FairnessFilterForm, metrics: tuple[Metric, ...]) -> Metric:
    key = form.chosen("metric")
    return next((metric for metric in metrics if metric.key == key), metrics[0])


def _figure(metric: Metric, value: float) -> str:
    shown = display(metric, value)
    return f"{shown:+g}"


def _row(metric: Metric, row: GroupRow) -> dict[str, Any]:
    """One table row of the chosen figure, formatted once here rather than in the template."""
    cell = row.cells[metric.key]
    value = "—"
    if cell.value is not None:
        value = f"{display(metric, cell.value):g}" + ("%" if metric.kind == RATE else "")
    return {
        "label": row.label,
        "is_other": row.is_other,
        "n": cell.n,
        "withheld": cell.withheld,
        "value": value,
        "gap": _figure(metric, cell.gap.difference) if cell.gap else None,
        "interval": (
            _("%(low)s to %(high)s")
            % {"low": _figure(metric, cell.gap.low), "high": _figure(metric, cell.gap.high)}
            if cell.gap
            else ""
        ),
        "p": format_p(cell.adjusted_p).removeprefix("= ") if cell.adjusted_p is not None else "",
        "flagged": cell.flagged,
    }


def _attribute(metric: Metric, attribute: AttributeAudit) -> dict[str, Any]:
    overall = attribute.overall_p.get(metric.key)
    return {
        "attribute": attribute,
        "chart": attribute.chart(metric),
        "rows": [_row(metric, row) for row in attribute.rows],
        "overall_p": format_p(overall) if overall is not None and len(attribute.rows) > 2 else "",
    }


def _context(audit: FairnessAudit, form: FairnessFilterForm, metric: Metric) -> dict[str, object]:
    return {
        "audit": audit,
        "form": form,
        "metric": metric,
        "attributes": [_attribute(metric, attribute) for attribute in audit.attributes],
    }


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def fairness(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """`?program=`, `?cohort=`, `?attribute=` narrow the audit; `?metric=` picks the figure
    the tables and charts show (the flagged gaps list every figure)."""
    organization = request.organization
    form = FairnessFilterForm(
        request.GET or None,
        organization=organization,
        attributes=fairness_attributes(organization=organization),
        metrics=MATCH_METRICS,
    )
    program, cohort = form.chosen("program"), form.chosen("cohort")
    audit = fairness_audit(
        organization=organization,
        program_id=program.pk if program and not cohort else None,
        cohort_id=cohort.pk if cohort else None,
        attribute=form.chosen("attribute") or None,
    )
    context = _context(audit, form, _chosen_metric(form, MATCH_METRICS))
    return render(request, "analytics/fairness.html", context)


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def fairness_round(request: OrganizationRequest, org_slug: str, round_id: int) -> HttpResponse:
    """The audit of one round's proposals; another organization's round is a 404."""
    organization = request.organization
    match_round = round_get(organization=organization, round_id=round_id)
    form = FairnessFilterForm(request.GET or None, organization=organization, metrics=ROUND_METRICS)
    audit = round_fairness_audit(organization=organization, match_round=match_round)
    context = _context(audit, form, _chosen_metric(form, ROUND_METRICS))
    context["round"] = match_round
    return render(request, "analytics/fairness_round.html", context)
