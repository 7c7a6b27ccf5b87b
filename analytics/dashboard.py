"""The program-health dashboard: the figures of docs/metrics.md for a scope and period, each
headline with its previous period, the charts' data and the same data as export tables.

A fixed number of queries whatever the organization's size (tests/analytics/test_dashboard.py
counts them at two sizes): each metric is a few aggregates, the check-ins' figures read the
snapshots of past days, and a counted panel is kept and served at once, refreshed in the
background after a write (analytics.reports, "Kept figures").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from analytics.forms import DEFAULT_DAYS
from analytics.metrics import (
    CheckIns,
    DropOff,
    Funnel,
    Goals,
    Matching,
    MentorLoad,
    PairMix,
    Period,
    Satisfaction,
    Scope,
    Trend,
    active_mentorship_count,
    at_risk_count,
    drop_off,
    enrollment_funnel,
    goal_figures,
    match_figures,
    mentor_load,
    on_roster,
    pair_mix,
    satisfaction_figures,
)
from analytics.reports import (
    FRESH_SECONDS,
    Counted,
    count_fairness,
    count_summary,
    kept_figures,
    params_period,
    period_params,
    refresh_figures,
)
from analytics.selectors import (
    DayFacts,
    WeekCount,
    check_ins_of,
    facts_by_day,
    running_mentorships,
    weeks_of,
    without_jit,
)
from core.templatetags.ui import stat_tile

if TYPE_CHECKING:
    from organizations.models import Organization

# The exports a viewer may ask for, by the chart (or table) they hold.
EXPORTS = ("headline", "funnel", "engagement", "satisfaction")
# How long a counted panel is served as current at most. Writes that send no signal (bulk
# updates, rows written by SQL) do not change the data version, and the at-risk count moves with
# the clock alone (a pair turns quiet without any write): both show within this.
PANEL_CACHE_SECONDS = FRESH_SECONDS
# The kind of kept figures the panel is (analytics.reports, "Kept figures").
HEALTH = "health"


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    value: float | None
    previous: float | None
    # "percent", "number", "decimal" or "days": how the value reads.
    unit: str
    # Which way is good: "up" for most, "down" for waiting times.
    good: str = "up"
    # Why there is no figure, shown under the dash when `value` is None.
    no_data: str = ""
    # What the figure counts when its name alone could mislead, shown under it.
    hint: str = ""

    @property
    def trend(self) -> Trend:
        return Trend(self.value, self.previous)

    @property
    def display(self) -> str:
        return _display(self.value, self.unit)

    @property
    def tile(self) -> dict[str, Any]:
        """The stat tile's parts, for a tile drawn with its hint (the panel's template)."""
        return stat_tile(
            label=self.label,
            value=self.display,
            trend=self.trend.direction,
            delta=self.delta,
            period=_("vs the previous period"),
            good=self.good,
        )

    @property
    def previous_display(self) -> str:
        return _display(self.previous, self.unit)

    @property
    def delta(self) -> str:
        """The change as the stat tile writes it: "12%"; "" when it cannot be said."""
        change = self.trend.change
        if change is None:
            return ""
        return f"{formats.number_format(abs(change), 0)}%"


def week_label(day: dt.date) -> str:
    """A week's first day as the viewer's language writes a day and short month, without the
    year ("Aug 31", "31 de ago"): the chart's axis has room for nothing longer, and the export
    keeps the full date."""
    month_day = str(formats.get_format("MONTH_DAY_FORMAT"))
    return formats.date_format(day, month_day.replace("F", "M"))


def share_display(value: float | None) -> str:
    """A share as a whole percent, except that a share that is not nothing never reads 0%
    (1 of 164 is "<1%") and one that is not everything never reads 100% (">99%")."""
    if value is None:
        return "\u2013"  # an en dash: no figure
    percent = value * 100
    if 0 < percent < 1:
        return f"<{formats.number_format(1, 0)}%"
    if 99 < percent < 100:
        return f">{formats.number_format(99, 0)}%"
    # number_format cuts the decimals off (12.6 would read 12): round first.
    return f"{formats.number_format(round(percent), 0)}%"


def _display(value: float | None, unit: str) -> str:
    if value is None:
        return "\u2014"  # an em dash: no figure
    if unit == "percent":
        return share_display(value)
    if unit == "decimal":
        return str(formats.number_format(value, 1))
    if unit == "days":
        return _("%(days)s days") % {"days": formats.number_format(value, 1)}
    return str(formats.number_format(value, 0, force_grouping=True))


@dataclass(frozen=True)
class ProgramHealth:
    scope: Scope
    period: Period
    previous_period: Period
    headlines: list[Headline]
    funnel: Funnel
    matching: Matching
    weeks: list[WeekCount]
    check_ins: CheckIns
    satisfaction: Satisfaction
    previous_satisfaction: Satisfaction
    goals: Goals
    pairs: PairMix
    load: MentorLoad
    drop_off: DropOff
    at_risk: int
    # When the figures were counted: a cached panel is as of then.
    computed_at: dt.datetime

    @property
    def is_empty(self) -> bool:
        """Nothing happened in the scope during the period: the page says what to do instead."""
        return (
            self.funnel.invited == 0
            and self.check_ins.held == 0
            and self.check_ins.mentorships == 0
            and not self.headlines[0].value
        )

    @property
    def shares(self) -> dict[str, str]:
        """The "More figures" card's shares as they read."""
        return {
            "goals_completed": share_display(self.goals.completion_rate),
            "cross_cultural": share_display(self.pairs.cross_cultural_share),
            "cross_functional": share_display(self.pairs.cross_functional_share),
            "withdrawals": share_display(self.drop_off.withdrawal_rate),
            "ended_early": share_display(self.drop_off.drop_off_rate),
        }

    # --- Charts, as `{% chart %}` reads them --------------------------------------------------

    def funnel_chart(self) -> dict[str, Any]:
        return {
            "id": "health-funnel",
            "type": "hbar",
            # The card around each chart carries the visible heading; the title stays for
            # screen readers (the canvas and its table are named by it).
            "title": _("Enrollment funnel"),
            "description": _("People who joined in the period and how far each got."),
            "labels": [str(stage.label) for stage in self.funnel.stages],
            "series": [
                {"label": _("People"), "data": [stage.count for stage in self.funnel.stages]}
            ],
            "x_label": pgettext("chart table header", "Stage"),
        }

    def engagement_chart(self) -> dict[str, Any]:
        return {
            "id": "health-engagement",
            "type": "line",
            "title": _("Check-ins held per week"),
            "description": _("Check-ins that took place, by the week they started in."),
            "labels": [week_label(w.starts_on) for w in self.weeks],
            "series": [{"label": _("Check-ins held"), "data": [w.held for w in self.weeks]}],
            "x_label": _("Week of"),
        }

    def satisfaction_chart(self) -> dict[str, Any]:
        counts = self.check_ins.rating_counts
        return {
            "id": "health-satisfaction",
            "type": "bar",
            "title": _("Check-in ratings"),
            "description": _("How members rated the check-ins held in the period, 1 to 5."),
            "labels": [str(value) for value in range(1, 6)],
            "series": [{"label": _("Ratings"), "data": [counts.get(v, 0) for v in range(1, 6)]}],
            "x_label": _("Rating"),
        }

    # --- Exports -------------------------------------------------------------------------------

    def export_table(self, name: str) -> tuple[list[str], list[list[Any]]]:
        """The header and rows of one export: the same figures the chart or tiles show."""
        if name == "headline":
            return (
                [_("Figure"), _("This period"), _("Previous period"), _("Change (%)")],
                [
                    [
                        h.label,
                        _export_value(h.value),
                        _export_value(h.previous),
                        _export_value(h.trend.change),
                    ]
                    for h in self.headlines
                ],
            )
        chart = {
            "funnel": self.funnel_chart,
            "engagement": self.engagement_chart,
            "satisfaction": self.satisfaction_chart,
        }[name]()
        series = chart["series"]
        header = [chart["x_label"], *[s["label"] for s in series]]
        rows = [[label, *[s["data"][i] for s in series]] for i, label in enumerate(chart["labels"])]
        if name == "engagement":
            # Spreadsheets sort and chart real dates; the chart's labels are for reading.
            rows = [[w.starts_on, w.held] for w in self.weeks]
        return header, rows


def _export_value(value: float | None) -> float | str:
    return "" if value is None else round(value, 4)


def health_params(scope: Scope, period: Period, today: dt.date) -> dict[str, Any]:
    """What a kept panel is counted for: scope, period (as days before today) and language."""
    return {
        "program": scope.program_id,
        "cohort": scope.cohort_id,
        **period_params(period, today),
        "language": translation.get_language(),
    }


def program_health_counted(
    *,
    organization: Organization,
    scope: Scope,
    period: Period,
    today: dt.date | None = None,
    wait: bool = False,
) -> Counted[ProgramHealth]:
    """The dashboard's figures for `scope` over `period`, each headline next to the previous
    period's, kept and refreshed as analytics.reports "Kept figures" says: a current panel
    costs a few cache reads and no query; one older than the latest write is served at once,
    marked as being updated, while one refresh task counts it again. With no panel kept yet
    the result is `counting` (the page shows a progress state and polls) unless `wait`."""
    today = today or timezone.localdate(timezone=timezone.get_default_timezone())
    return kept_figures(
        kind=HEALTH,
        organization_id=organization.pk,
        params=health_params(scope, period, today),
        count=lambda: compute_program_health(
            organization=organization, scope=scope, period=period, today=today
        ),
        wait=wait,
        today=today,
    )


def program_health(
    *, organization: Organization, scope: Scope, period: Period, today: dt.date | None = None
) -> ProgramHealth:
    """The panel now: the kept one (perhaps being updated), or counted during the call when
    none is kept (exports and callers that cannot poll)."""
    health = program_health_counted(
        organization=organization, scope=scope, period=period, today=today, wait=True
    ).value
    assert health is not None  # counted during the call when nothing was kept
    return health


def count_health(organization: Organization, params: Mapping[str, Any], today: dt.date) -> Any:
    """The refresh's count of a kept panel (`health_params` back into a scope and period)."""
    scope = Scope(organization, program_id=params["program"], cohort_id=params["cohort"])
    return compute_program_health(
        organization=organization,
        scope=scope,
        period=params_period(params, today),
        today=today,
    )


# What each kind of kept figures is counted by, for the refresh task.
COUNTERS: dict[str, Callable[[Organization, Mapping[str, Any], dt.date], Any]] = {
    HEALTH: count_health,
    "summary": count_summary,
    "fairness": count_fairness,
}


def figures_refresh(*, organization: Organization, kind: str, params: Mapping[str, Any]) -> bool:
    """Count one kept key's figures again if they are missing or older than the data, in the
    language they are shown in; True when it counted (a second run counts nothing)."""
    counter = COUNTERS[kind]
    # In a transaction of its own, as a request's count runs: PostgreSQL's JIT is switched off
    # only for a transaction, and compiling the counts' queries took longer than running them
    # (at scale 1 under load a refresh took 24 s with it, against 13 s counted in a request).
    with translation.override(params.get("language")), transaction.atomic():
        without_jit()
        return refresh_figures(
            kind=kind,
            organization_id=organization.pk,
            params=params,
            count=lambda today: counter(organization, params, today),
        )


def default_health_params(today: dt.date) -> dict[str, Any]:
    """The panel the admin's home shows first: the whole organization, the filter's default
    period, in the site's language (the nightly prewarm counts it)."""
    return {
        "program": None,
        "cohort": None,
        **period_params(Period.last_days(DEFAULT_DAYS, today=today), today),
        "language": settings.LANGUAGE_CODE,
    }


def compute_program_health(
    *, organization: Organization, scope: Scope, period: Period, today: dt.date | None = None
) -> ProgramHealth:
    """The panel counted now (what `program_health` caches). The check-ins, their hours and
    ratings, of both periods and of the weekly chart, come from one pass over the days
    (`facts_by_day`: the nightly snapshots where they cover a day, live counts for the rest);
    the other figures are counted live."""
    without_jit()
    previous = period.previous()
    facts = facts_by_day(scope=scope, start=previous.start, end=period.end, today=today)
    this_facts = sum((f for day, f in facts.items() if day >= period.start), DayFacts())
    previous_facts = sum((f for day, f in facts.items() if day < period.start), DayFacts())
    running, previous_running = running_mentorships(scope, period, previous)
    check_ins = check_ins_of(this_facts, running)
    previous_check_ins = check_ins_of(previous_facts, previous_running)
    matching = match_figures(scope=scope, period=period)
    previous_matching = match_figures(scope=scope, period=previous)
    satisfaction = satisfaction_figures(scope=scope, period=period)
    previous_satisfaction = satisfaction_figures(scope=scope, period=previous)
    participants = on_roster(scope, period.ends_at).count()
    active = active_mentorship_count(scope=scope, day=period.end)
    # The previous period's last day is usually covered: its snapshots hold both figures.
    previous_end = facts[previous.end]
    previous_participants = previous_end.participants
    if previous_participants is None:
        previous_participants = on_roster(scope, previous.ends_at).count()
    previous_active = previous_end.active
    if previous_active is None:
        previous_active = active_mentorship_count(scope=scope, day=previous.end)
    headlines = [
        Headline("participants", _("Participants"), participants, previous_participants, "number"),
        Headline(
            "match_rate",
            _("Match rate"),
            matching.match_rate,
            previous_matching.match_rate,
            "percent",
        ),
        Headline(
            "days_to_match",
            _("Median time to match"),
            # Without anyone first matched in the period there is no wait to report (not 0).
            matching.median_days_to_match if matching.first_matched_in_period else None,
            previous_matching.median_days_to_match
            if previous_matching.first_matched_in_period
            else None,
            "days",
            good="down",
            no_data=_("Nobody was matched in this period."),
        ),
        Headline(
            "active_mentorships",
            _("Active mentorships"),
            active,
            previous_active,
            "number",
            # "Active" is narrower than running (docs/metrics.md): a running pair that has not
            # met for a month is not active, and the tile would read as a mistake without this.
            hint=_("With a check-in in the period's last 30 days; %(running)s running.")
            % {"running": formats.number_format(check_ins.mentorships, 0, force_grouping=True)},
        ),
        Headline(
            "check_ins_held",
            _("Check-ins held"),
            check_ins.held,
            previous_check_ins.held,
            "number",
        ),
        Headline(
            "satisfaction",
            _("Satisfaction"),
            satisfaction.average,
            # Survey answers and check-in ratings are different questions: no trend across them.
            previous_satisfaction.average
            if previous_satisfaction.source == satisfaction.source
            else None,
            "decimal",
        ),
    ]
    return ProgramHealth(
        scope=scope,
        period=period,
        previous_period=previous,
        headlines=headlines,
        funnel=enrollment_funnel(scope=scope, period=period),
        matching=matching,
        weeks=weeks_of(period, {day: f.held for day, f in facts.items()}),
        check_ins=check_ins,
        satisfaction=satisfaction,
        previous_satisfaction=previous_satisfaction,
        goals=goal_figures(scope=scope, period=period),
        pairs=pair_mix(scope=scope, period=period),
        load=mentor_load(scope=scope, period=period, hours=check_ins.hours),
        drop_off=drop_off(scope=scope, period=period),
        at_risk=at_risk_count(scope=scope),
        computed_at=timezone.now(),
    )
