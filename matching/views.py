from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.forms import service_errors_on
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from matching import selectors, services
from matching.config import MAX_STATED_PREFERENCES, config_from_json
from matching.forms import (
    REVIEW_PAGE_SIZE,
    BulkDecisionForm,
    MatchingSettingsForm,
    ProposalFilterForm,
    StartRoundForm,
    SwapForm,
)
from matching.learned import learned_status
from matching.models import (
    MatchProposal,
    PairRuleKind,
    PreferenceSide,
    RoundStatus,
    UnmatchedMentee,
)
from matching.selectors import ProposalFilter
from matching.services import review
from programs.selectors import cohort_get

# The preferences page explains this many best fits and offers this many in each choice list.
PREFERENCE_CARDS = 10
PREFERENCE_OPTIONS = 200

# Lazy: this table is built at import, before any viewer's language is known.
RULE_NAMES_FOR_PEOPLE = {
    "shared_language": gettext_lazy("Shared language"),
    "reporting_line": gettext_lazy("Reporting line"),
    "same_manager": gettext_lazy("Same manager"),
    "rotate_mentors": gettext_lazy("Mentor rotation"),
    "forbidden_pairs": gettext_lazy("Forbidden pairs"),
    "min_score": gettext_lazy("Minimum score"),
}


def _matching_page(
    request: OrganizationRequest, cohort, form: MatchingSettingsForm, status: int = 200
):
    organization = request.organization
    config = config_from_json(cohort.matching_settings)
    context = {
        "cohort": cohort,
        "form": form,
        "start_form": StartRoundForm(),
        "rounds": selectors.round_list(organization=organization, cohort=cohort)[:20],
        "rules": selectors.pair_rule_list(organization=organization, cohort=cohort),
        "impact": _impact(organization, cohort, config),
        "self_match_enabled": config.self_match.enabled,
        "collects_preferences": config.collects_preferences,
        "ranked": selectors.stated_preference_counts(organization=organization, cohort=cohort),
        "learned": learned_status(organization=organization, cohort=cohort),
    }
    return render(request, "matching/cohort_matching.html", context, status=status)


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def cohort_matching(request: OrganizationRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    cohort = cohort_get(organization=request.organization, cohort_id=cohort_id)
    config = config_from_json(cohort.matching_settings)
    form = MatchingSettingsForm(
        initial=MatchingSettingsForm.initial_for(config),
        learned_offered=learned_status(organization=request.organization, cohort=cohort).offered,
    )
    return _matching_page(request, cohort, form)


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def matching_settings_save(
    request: OrganizationRequest, org_slug: str, cohort_id: int
) -> HttpResponse:
    cohort = cohort_get(organization=request.organization, cohort_id=cohort_id)
    form = MatchingSettingsForm(
        request.POST,
        learned_offered=learned_status(organization=request.organization, cohort=cohort).offered,
    )
    if not form.is_valid():
        return _matching_page(request, cohort, form, status=400)
    services.cohort_matching_config_update(
        organization=request.organization,
        cohort=cohort,
        actor=request.user,
        config=form.to_config(),
    )
    messages.success(request, _("Matching settings saved."))
    return redirect("matching:cohort_matching", org_slug=org_slug, cohort_id=cohort.pk)


def _impact(organization, cohort, config) -> dict:
    impact = selectors.rule_impact_for_cohort(
        organization=organization, cohort=cohort, config=config
    )
    return {
        "mentees": impact.mentees,
        "mentors": impact.mentors,
        "without_candidate": impact.without_candidate,
        "by_rule": [
            (RULE_NAMES_FOR_PEOPLE.get(name, name), count) for name, count in impact.by_rule
        ],
    }


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def matching_preview(request: OrganizationRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    """htmx: the settings form posts here on every change; answers the preview panel only."""
    cohort = cohort_get(organization=request.organization, cohort_id=cohort_id)
    form = MatchingSettingsForm(request.POST)
    if not form.is_valid():
        return render(
            request, "matching/_preview.html", {"form_errors": form.errors, "impact": None}
        )
    impact = _impact(request.organization, cohort, form.to_config())
    return render(request, "matching/_preview.html", {"impact": impact})


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def round_start(request: OrganizationRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    cohort = cohort_get(organization=request.organization, cohort_id=cohort_id)
    form = StartRoundForm(request.POST)
    form.is_valid()
    match_round = services.round_start(
        organization=request.organization,
        cohort=cohort,
        actor=request.user,
        newcomers_only=form.cleaned_data.get("newcomers_only", False),
    )
    return redirect("matching:round_detail", org_slug=org_slug, round_id=match_round.pk)


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def round_detail(request: OrganizationRequest, org_slug: str, round_id: int) -> HttpResponse:
    """The round review: a summary band, then the pairs (or the unmatched mentees) filtered and
    paginated. htmx requests aimed at the results region get that region only."""
    match_round = selectors.round_get(organization=request.organization, round_id=round_id)
    return _round_page(request, match_round)


RESULTS_ID = "round-results"


def _wants_results_only(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return htmx.target == RESULTS_ID and not htmx.history_restore_request


def _round_page(request: OrganizationRequest, match_round, *, swap_form=None, status: int = 200):
    organization = request.organization
    filter_form = ProposalFilterForm(request.GET)
    context = {
        "round": match_round,
        "cohort": match_round.cohort,
        "editable": match_round.status in (RoundStatus.PROPOSED, RoundStatus.REVIEWED),
        "running": match_round.status in (RoundStatus.DRAFT, RoundStatus.RUNNING),
        "swap_form": swap_form,
        **_results_context(request, match_round, filter_form),
    }
    if swap_form is not None:
        # A refused swap shows its form again above the list, with the first choices.
        context.update(_swap_choices(request, swap_form.proposal, search=""), p=swap_form.proposal)
    if _wants_results_only(request):
        return _varies(render(request, "matching/_round_results.html", context, status=status))
    summary = selectors.proposal_summary(organization=organization, match_round=match_round)
    context.update(
        {
            "summary": summary,
            "comparison": round_comparison(match_round),
            "certificate": round_certificate(match_round),
            "histogram": _histogram_spec(summary["histogram"]),
            "people_to_notify": (
                selectors.people_to_notify(organization=organization, match_round=match_round)
                if match_round.status == RoundStatus.REVIEWED
                else 0
            ),
        }
    )
    return _varies(render(request, "matching/round_detail.html", context, status=status))


def _varies(response: HttpResponse) -> HttpResponse:
    """One address answers the whole page or its results region: caches must tell them apart
    (else the back button can show a bare list)."""
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _results_context(
    request: OrganizationRequest, match_round, filter_form: ProposalFilterForm
) -> dict:
    """The list under the filters: a page of pairs, or of unmatched mentees."""
    organization = request.organization
    filters = filter_form.to_filter()
    showing_unmatched = request.GET.get("show") == "unmatched"
    query = filter_form.query()
    unmatched_total = selectors.unmatched_count(organization=organization, match_round=match_round)
    rows: QuerySet[UnmatchedMentee] | QuerySet[MatchProposal]
    if showing_unmatched:
        rows = selectors.unmatched_page_list(
            organization=organization, match_round=match_round, search=filters.search
        )
    else:
        rows = selectors.proposal_filtered(
            organization=organization, match_round=match_round, filters=filters
        )
    page = Paginator(rows, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    list_query = "&".join(
        part for part in (query, "show=unmatched" if showing_unmatched else "") if part
    )
    return {
        "filter_form": filter_form,
        "filters": filters,
        "query": query,
        "list_query": list_query,
        "page_query": "&".join(
            part for part in (list_query, f"page={page.number}" if page.number > 1 else "") if part
        ),
        "page": page,
        "showing_unmatched": showing_unmatched,
        "unmatched_total": unmatched_total,
        "results_id": RESULTS_ID,
    }


def round_comparison(match_round) -> dict | None:
    """The engine against the greedy baseline, figure by figure, on what the engine optimised:
    rows of (label, engine, baseline, which is better) with bar lengths for a small chart."""
    if match_round.matched_slots is None:
        return None
    stored = (match_round.solver_report or {}).get("comparison") or {}
    engine, baseline = stored.get("engine"), stored.get("baseline")
    if not engine or not baseline:
        # Rounds run before the figures were stored: pairs and total score only.
        engine = {
            "kind": "",
            "matched": match_round.matched_slots,
            "pair_score": match_round.total_score,
        }
        baseline = {
            "kind": "",
            "matched": match_round.greedy_matched_slots,
            "pair_score": match_round.greedy_total_score,
        }
    kind = engine.get("kind", "")
    rows = [
        _figure(
            _("Seats filled") if kind == "advisory_board" else _("Pairs matched"),
            "matched",
            engine,
            baseline,
            digits=0,
        ),
        _figure(_("Total pair score"), "pair_score", engine, baseline),
    ]
    if kind == "group":
        rows.append(
            _figure(_("Group cohesion (shared goals, 0 to 1)"), "cohesion_mean", engine, baseline)
        )
        rows.append(
            _figure(
                _("Optimised: pair score plus cohesion weighted %(w)s")
                % {"w": formats.number_format(engine.get("cohesion_weight", 0), 1)},
                "objective",
                engine,
                baseline,
                headline=True,
            )
        )
    elif kind == "advisory_board":
        rows.append(
            _figure(
                _("Repeated countries or functions"),
                "repeats",
                engine,
                baseline,
                digits=0,
                lower_is_better=True,
            )
        )
        rows.append(
            _figure(
                _("Optimised: pair score less %(p)s per repeat")
                % {"p": formats.number_format(engine.get("repeat_penalty", 0), 2)},
                "objective",
                engine,
                baseline,
                headline=True,
            )
        )
    elif (match_round.settings_snapshot or {}).get("objective") == "fairness":
        rows.append(_figure(_("Weakest pair"), "worst_pair", engine, baseline, headline=True))
    else:
        rows[1]["headline"] = True
    return {"rows": [row for row in rows if row is not None], "kind": kind}


def _figure(label, key, engine, baseline, *, digits=2, headline=False, lower_is_better=False):
    mine, theirs = engine.get(key), baseline.get(key)
    if mine is None or theirs is None:
        return None
    top = max(abs(mine), abs(theirs)) or 1
    better = "tie"
    if abs(mine - theirs) > 1e-9:
        better = "engine" if (mine < theirs) == lower_is_better else "baseline"
    return {
        "label": label,
        "engine": formats.number_format(mine, digits),
        "baseline": formats.number_format(theirs, digits),
        "engine_width": round(max(abs(mine) / top * 100, 1), 1),
        "baseline_width": round(max(abs(theirs) / top * 100, 1), 1),
        "better": better,
        "headline": headline,
    }


def round_certificate(match_round) -> str:
    """What the solver could prove, in plain words."""
    report = match_round.solver_report or {}
    kind = ((report.get("comparison") or {}).get("engine") or {}).get("kind", "")
    if not report:
        return ""
    if report.get("objective") == "advisory_board" or kind == "advisory_board":
        return _(
            "Proven: no way to fill more board seats under your rules. The best total score "
            "for those seats was then traded a little for more varied boards; that last step "
            "is not proven best."
        )
    if kind == "group" and not report.get("certified_optimal"):
        return _(
            "Proven best possible pair scores under your rules; then mentees moved between "
            "groups to bring shared goals together, which raises score plus cohesion but is "
            "not proven best."
        )
    if report.get("certified_optimal"):
        if report.get("objective") == "stable":
            return _(
                "Proven stable: no mentee and mentor would both rather be paired with each other."
            )
        return _("Proven best possible under your rules.")
    gap = report.get("relative_gap")
    if isinstance(gap, int | float):
        return _("Not proven best: at most %(gap)s%% below the best possible under your rules.") % {
            "gap": formats.number_format(gap * 100, 2)
        }
    return _("Not proven best possible.")


def _histogram_spec(counts: list[int]) -> dict:
    bins = len(counts)
    labels = [
        f"{formats.number_format(k / bins, 1)}\u2013{formats.number_format((k + 1) / bins, 1)}"
        for k in range(bins)
    ]
    return {
        "id": "score-histogram",
        "type": "histogram",
        "title": _("Pairs by score band"),
        "description": _("How many proposed pairs fall in each score band."),
        "x_label": _("Score"),
        "y_label": _("Pairs"),
        "labels": labels,
        "series": [{"label": _("Pairs"), "data": counts}],
    }


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def round_progress(request: OrganizationRequest, org_slug: str, round_id: int) -> HttpResponse:
    """htmx poll target. When the run ends, tells the page to reload to show the result."""
    match_round = selectors.round_get(organization=request.organization, round_id=round_id)
    running = match_round.status in (RoundStatus.DRAFT, RoundStatus.RUNNING)
    response = render(
        request, "matching/_progress.html", {"round": match_round, "running": running}
    )
    if not running and request.htmx:
        response["HX-Refresh"] = "true"
    return response


def _round_action(request, org_slug, round_id, action, success):
    match_round = selectors.round_get(organization=request.organization, round_id=round_id)
    action(organization=request.organization, match_round=match_round, actor=request.user)
    messages.success(request, success)
    return redirect("matching:round_detail", org_slug=org_slug, round_id=match_round.pk)


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def round_rerun(request: OrganizationRequest, org_slug: str, round_id: int) -> HttpResponse:
    return _round_action(request, org_slug, round_id, services.round_rerun, _("Running again."))


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def round_approve_all(request: OrganizationRequest, org_slug: str, round_id: int) -> HttpResponse:
    return _round_action(
        request,
        org_slug,
        round_id,
        services.proposal_approve_all,
        _("Remaining proposals approved."),
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def round_review(request: OrganizationRequest, org_slug: str, round_id: int) -> HttpResponse:
    return _round_action(
        request, org_slug, round_id, services.round_mark_reviewed, _("Round marked as reviewed.")
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def round_publish(request: OrganizationRequest, org_slug: str, round_id: int) -> HttpResponse:
    return _round_action(
        request,
        org_slug,
        round_id,
        services.round_publish,
        _("Published: mentorships created and everyone notified."),
    )


def _back_to_round(request: HttpRequest, org_slug: str, round_id: int) -> HttpResponse:
    """Back to the round page with the list as it was (filters, tab, page) when the form said
    so in `back`; only the review's own parameters are kept."""
    url = reverse("matching:round_detail", args=[org_slug, round_id])
    back = QueryDict(request.POST.get("back", ""))
    kept = QueryDict(mutable=True)
    for key in (*ProposalFilterForm.KEYS, "show", "page"):
        if back.get(key):
            kept[key] = back[key][:100]
    return redirect(f"{url}?{kept.urlencode()}" if kept else url)


def _review_state(request: OrganizationRequest, match_round) -> dict:
    """What the counters and the round's actions show after a decision (swapped in place)."""
    match_round = selectors.round_get(organization=request.organization, round_id=match_round.pk)
    return {
        "round": match_round,
        "cohort": match_round.cohort,
        "editable": match_round.status in (RoundStatus.PROPOSED, RoundStatus.REVIEWED),
        "summary": selectors.proposal_summary(
            organization=request.organization, match_round=match_round
        ),
        "people_to_notify": (
            selectors.people_to_notify(organization=request.organization, match_round=match_round)
            if match_round.status == RoundStatus.REVIEWED
            else 0
        ),
        "oob": True,
    }


def _proposal_response(request, proposal, org_slug):
    if request.htmx:
        proposal = (
            selectors.proposal_filtered(
                organization=request.organization,
                match_round=proposal.match_round,
                filters=ProposalFilter(),
            )
            .filter(pk=proposal.pk)
            .get()
        )
        context = _review_state(request, proposal.match_round)
        context.update({"p": proposal, "page_query": request.POST.get("back", "")})
        return render(request, "matching/_proposal_decided.html", context)
    return _back_to_round(request, org_slug, proposal.match_round_id)


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def proposal_more(request: OrganizationRequest, org_slug: str, proposal_id: int) -> HttpResponse:
    """htmx: what a review row shows on demand, its row menu (`part=menu`) or every factor of
    its explanation (`part=factors`), so a page of fifty rows stays light."""
    proposal = selectors.proposal_get(organization=request.organization, proposal_id=proposal_id)
    back = QueryDict(request.GET.get("back", ""))
    kept = {k: back[k][:100] for k in (*ProposalFilterForm.KEYS, "show", "page") if back.get(k)}
    context = {
        "p": proposal,
        "part": "factors" if request.GET.get("part") == "factors" else "menu",
        "editable": proposal.match_round.status in (RoundStatus.PROPOSED, RoundStatus.REVIEWED),
        "page_query": urlencode(kept),
    }
    return render(request, "matching/_proposal_more.html", context)


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def proposal_decide(request: OrganizationRequest, org_slug: str, proposal_id: int) -> HttpResponse:
    proposal = selectors.proposal_get(organization=request.organization, proposal_id=proposal_id)
    services.proposal_decide(
        organization=request.organization,
        proposal=proposal,
        actor=request.user,
        approve=request.POST.get("decision") == "approve",
    )
    return _proposal_response(request, proposal, org_slug)


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def round_bulk(request: OrganizationRequest, org_slug: str, round_id: int) -> HttpResponse:
    """Approve or reject the selected pairs, or every pair the filters list (the filters
    travel with the form). htmx gets the list again with the counters swapped in place."""
    organization = request.organization
    match_round = selectors.round_get(organization=organization, round_id=round_id)
    form = BulkDecisionForm(request.POST)
    back = QueryDict(request.POST.get("back", ""))
    if not form.is_valid():
        for error in form.non_field_errors() or [_("Choose what to do.")]:
            messages.error(request, str(error))
    else:
        approve = form.cleaned_data["decision"] == "approve"
        selected = form.cleaned_data["scope"] == "selected"
        changed = review.proposals_decide_bulk(
            organization=organization,
            match_round=match_round,
            actor=request.user,
            approve=approve,
            proposal_ids=form.cleaned_data["ids"] if selected else None,
            filters=None if selected else ProposalFilterForm(back).to_filter(),
        )
        if approve:
            text = ngettext("%(n)s pair approved.", "%(n)s pairs approved.", changed)
        else:
            text = ngettext("%(n)s pair rejected.", "%(n)s pairs rejected.", changed)
        messages.success(request, text % {"n": formats.number_format(changed)})
    if not request.htmx:
        return _back_to_round(request, org_slug, match_round.pk)
    # The list as it was, from the parameters the form carried.
    request.GET = back
    context = _review_state(request, match_round)
    context.update(_results_context(request, context["round"], ProposalFilterForm(back)))
    return render(request, "matching/_bulk_done.html", context)


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def proposal_rule(request: OrganizationRequest, org_slug: str, proposal_id: int) -> HttpResponse:
    proposal = selectors.proposal_get(organization=request.organization, proposal_id=proposal_id)
    kind = request.POST.get("kind")
    if kind not in PairRuleKind.values:
        return HttpResponse(status=400)
    services.pair_rule_set(
        organization=request.organization,
        cohort=proposal.match_round.cohort,
        mentee=proposal.mentee,
        mentor=proposal.mentor,
        kind=kind,
        actor=request.user,
    )
    messages.success(
        request,
        _("Pinned: every later run keeps this pair.")
        if kind == PairRuleKind.PIN
        else _("Forbidden: no run will propose this pair again."),
    )
    return _back_to_round(request, org_slug, proposal.match_round_id)


SWAP_CHOICES_SHOWN = 20


def _swap_form(request: OrganizationRequest, proposal) -> SwapForm:
    candidates = selectors.swap_candidates(organization=request.organization, proposal=proposal)
    return SwapForm(
        request.POST if request.method == "POST" else None,
        proposal=proposal,
        candidates=candidates,
    )


def _swap_choices(request: OrganizationRequest, proposal, *, search: str) -> dict:
    found = selectors.swap_candidates(
        organization=request.organization, proposal=proposal, search=search
    )
    return {
        "candidates": list(found[: SWAP_CHOICES_SHOWN + 1]),
        "shown": SWAP_CHOICES_SHOWN,
        "search": search,
    }


@requires(Capability.MANAGE_PROGRAMS)
def proposal_swap(request: OrganizationRequest, org_slug: str, proposal_id: int) -> HttpResponse:
    """GET (htmx): the swap form of one row, loaded when it is opened; with `q`, only the
    mentors whose name (or whose mentee's) matches. POST: the swap; a bad choice or a refusal
    shows on the round page."""
    organization = request.organization
    proposal = selectors.proposal_get(organization=organization, proposal_id=proposal_id)
    if request.method != "POST":
        if not request.htmx:
            return redirect(
                "matching:round_detail", org_slug=org_slug, round_id=proposal.match_round_id
            )
        search = request.GET.get("q", "").strip()[:100]
        context = {"p": proposal, **_swap_choices(request, proposal, search=search)}
        template = (
            "matching/_swap_choices.html" if "q" in request.GET else "matching/_swap_form.html"
        )
        return render(request, template, context)
    form = _swap_form(request, proposal)
    if form.is_valid():
        with service_errors_on(form):
            services.proposal_swap(
                organization=organization,
                first=proposal,
                second=form.cleaned_data["other"],
                actor=request.user,
            )
    if not form.is_valid():
        return _round_page(request, proposal.match_round, swap_form=form, status=400)
    messages.success(request, _("Mentors swapped; the new pairs are approved."))
    return _back_to_round(request, org_slug, proposal.match_round_id)


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def overview(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """Matching across the organization: rounds awaiting a decision, the latest published
    rounds, and self-matches awaiting approval."""
    found = selectors.matching_overview(organization=request.organization)
    return render(
        request,
        "matching/overview.html",
        {
            "deciding": found.deciding,
            "published": found.published,
            "awaiting_requests": found.awaiting_requests,
        },
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def pair_rule_delete(
    request: OrganizationRequest, org_slug: str, cohort_id: int, rule_id: int
) -> HttpResponse:
    cohort = cohort_get(organization=request.organization, cohort_id=cohort_id)
    rule = (
        selectors.pair_rule_list(organization=request.organization, cohort=cohort)
        .filter(pk=rule_id)
        .first()
    )
    if rule is not None:
        services.pair_rule_delete(organization=request.organization, rule=rule, actor=request.user)
    return redirect("matching:cohort_matching", org_slug=org_slug, cohort_id=cohort.pk)


# --- Self-match -------------------------------------------------------------------------------


@requires(Capability.ENROLL)
def find_mentor(request: OrganizationRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    organization = request.organization
    cohort = cohort_get(organization=organization, cohort_id=cohort_id)
    config = config_from_json(cohort.matching_settings)
    mentee = selectors.participant_get_mentee_for_user(
        organization=organization, cohort=cohort, user=request.user
    )
    context = {"cohort": cohort, "config": config, "mentee": mentee, "errors": []}
    if mentee is None or not config.self_match.enabled:
        return render(request, "matching/find_mentor.html", context)
    recommendations = selectors.recommendation_list(
        organization=organization, participant=mentee, side="mentee"
    )
    if request.method == "POST":
        ranked = _ranked_choices(request.POST, config.self_match.max_choices)
        try:
            services.mentor_requests_create(
                organization=organization,
                mentee=mentee,
                mentor_ids=ranked,
                message=request.POST.get("message", ""),
            )
        except DomainError as error:
            context["errors"] = [error.message]
        else:
            messages.success(
                request, _("Your first choice has your request. We will tell you when they answer.")
            )
            return redirect("matching:find_mentor", org_slug=org_slug, cohort_id=cohort.pk)
    context.update(
        {
            "recommendations": recommendations,
            "requests": selectors.mentor_request_list_for_mentee(
                organization=organization, mentee=mentee
            ),
            "ranks": range(1, config.self_match.max_choices + 1),
        }
    )
    return render(
        request, "matching/find_mentor.html", context, status=400 if context["errors"] else 200
    )


@requires(Capability.ENROLL)
def preferences(request: OrganizationRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    """Rank the people on the other side, for a round the program team runs."""
    organization = request.organization
    cohort = cohort_get(organization=organization, cohort_id=cohort_id)
    config = config_from_json(cohort.matching_settings)
    participant = selectors.participant_get_for_user(
        organization=organization, cohort=cohort, user=request.user
    )
    errors: dict[str, str] = {}
    if request.method == "POST" and participant is not None:
        side = request.POST.get("side", "")
        ranked = _ranked_choices(request.POST, MAX_STATED_PREFERENCES)
        try:
            services.stated_preferences_save(
                organization=organization, participant=participant, side=side, preferred_ids=ranked
            )
        except DomainError as error:
            errors[side] = error.message
        else:
            if ranked:
                messages.success(request, _("Your ranking is saved."))
            else:
                messages.success(request, _("Your ranking is cleared."))
            return redirect("matching:preferences", org_slug=org_slug, cohort_id=cohort.pk)
    sides = []
    if participant is not None and config.collects_preferences:
        for side, enrolled in (
            (PreferenceSide.AS_MENTEE, participant.is_mentee),
            (PreferenceSide.AS_MENTOR, participant.is_mentor),
        ):
            if enrolled:
                sides.append(_preference_side(organization, participant, side, errors, request))
    context = {
        "cohort": cohort,
        "config": config,
        "participant": participant,
        "sides": sides,
        "max_choices": MAX_STATED_PREFERENCES,
        "options_limit": PREFERENCE_OPTIONS,
    }
    return render(request, "matching/preferences.html", context, status=400 if errors else 200)


def _preference_side(organization, participant, side, errors, request) -> dict:
    """One side's candidates, the saved ranking and, after a refused save, what was chosen."""
    candidates = selectors.recommendation_list(
        organization=organization, participant=participant, side=side, limit=10_000
    )
    saved = selectors.stated_preference_list(
        organization=organization, participant=participant, side=side
    )
    chosen = (
        _ranked_choices(request.POST, MAX_STATED_PREFERENCES)
        if side in errors
        else [p.preferred_id for p in saved]
    )
    # Cards explain the best fits; the choice lists reach further (typing a name jumps to it),
    # and always include anyone already ranked.
    options = candidates[:PREFERENCE_OPTIONS] + [
        c for c in candidates[PREFERENCE_OPTIONS:] if c.person.pk in chosen
    ]
    return {
        "side": side,
        "label": PreferenceSide(side).label,
        "candidates": candidates[:PREFERENCE_CARDS],
        "options": options,
        "allowed_count": len(candidates),
        "choices": [
            (rank, chosen[rank - 1] if rank <= len(chosen) else None)
            for rank in range(1, MAX_STATED_PREFERENCES + 1)
        ],
        "saved": saved,
        "error": errors.get(side),
    }


def _ranked_choices(data, max_choices: int) -> list[int]:
    """Form fields choice_1..choice_N hold mentor ids; blanks are skipped, order kept."""
    ranked = []
    for rank in range(1, max_choices + 1):
        value = (data.get(f"choice_{rank}") or "").strip()
        if value.isdigit():
            ranked.append(int(value))
    return ranked


@requires(Capability.ENROLL)
def mentor_request_inbox(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    mentors = selectors.participant_list_mentor_for_user(
        organization=organization, user=request.user
    )
    pending = selectors.mentor_request_list_for_mentor(organization=organization, mentors=mentors)
    return render(request, "matching/mentor_request_inbox.html", {"pending": pending})


@require_POST
@requires(Capability.ENROLL)
def mentor_request_respond(
    request: OrganizationRequest, org_slug: str, request_id: int
) -> HttpResponse:
    mentor_request = selectors.mentor_request_get(
        organization=request.organization, request_id=request_id
    )
    if mentor_request.mentor.user_id != request.user.pk:
        # Someone else's request looks like a missing one.
        raise Http404(_("No such request."))
    services.mentor_request_respond(
        organization=request.organization,
        request=mentor_request,
        user=request.user,
        accept=request.POST.get("decision") == "accept",
    )
    messages.success(request, _("Thank you, your answer was sent."))
    return redirect("matching:mentor_request_inbox", org_slug=org_slug)


@requires(Capability.MANAGE_PROGRAMS)
def mentor_request_approvals(
    request: OrganizationRequest, org_slug: str, cohort_id: int
) -> HttpResponse:
    cohort = cohort_get(organization=request.organization, cohort_id=cohort_id)
    awaiting = selectors.mentor_request_list_awaiting_approval(
        organization=request.organization, cohort=cohort
    )
    return render(
        request, "matching/mentor_request_approvals.html", {"cohort": cohort, "awaiting": awaiting}
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def mentor_request_approve(
    request: OrganizationRequest, org_slug: str, request_id: int
) -> HttpResponse:
    mentor_request = selectors.mentor_request_get(
        organization=request.organization, request_id=request_id
    )
    services.mentor_request_approve(
        organization=request.organization,
        request=mentor_request,
        actor=request.user,
        approve=request.POST.get("decision") == "approve",
    )
    return redirect(
        "matching:mentor_request_approvals", org_slug=org_slug, cohort_id=mentor_request.cohort_id
    )
