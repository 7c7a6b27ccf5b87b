from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.forms import service_errors_on
from core.permissions import Capability, requires
from matching import selectors, services
from matching.config import MAX_STATED_PREFERENCES, config_from_json
from matching.forms import MatchingSettingsForm, StartRoundForm, SwapForm
from matching.models import PairRuleKind, PreferenceSide, ProposalStatus, RoundStatus
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


def _matching_page(request: HttpRequest, cohort, form: MatchingSettingsForm, status: int = 200):
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
    }
    return render(request, "matching/cohort_matching.html", context, status=status)


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def cohort_matching(request: HttpRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    cohort = cohort_get(organization=request.organization, cohort_id=cohort_id)
    config = config_from_json(cohort.matching_settings)
    form = MatchingSettingsForm(initial=MatchingSettingsForm.initial_for(config))
    return _matching_page(request, cohort, form)


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def matching_settings_save(request: HttpRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    cohort = cohort_get(organization=request.organization, cohort_id=cohort_id)
    form = MatchingSettingsForm(request.POST)
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
def matching_preview(request: HttpRequest, org_slug: str, cohort_id: int) -> HttpResponse:
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
def round_start(request: HttpRequest, org_slug: str, cohort_id: int) -> HttpResponse:
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
def round_detail(request: HttpRequest, org_slug: str, round_id: int) -> HttpResponse:
    match_round = selectors.round_get(organization=request.organization, round_id=round_id)
    return _round_page(request, match_round)


def _round_page(request: HttpRequest, match_round, *, swap_form=None, status: int = 200):
    organization = request.organization
    context = {
        "round": match_round,
        "cohort": match_round.cohort,
        "proposals": selectors.proposal_list(organization=organization, match_round=match_round),
        "counts": selectors.proposal_counts(organization=organization, match_round=match_round),
        "unmatched": selectors.unmatched_list(organization=organization, match_round=match_round),
        "editable": match_round.status in (RoundStatus.PROPOSED, RoundStatus.REVIEWED),
        "running": match_round.status in (RoundStatus.DRAFT, RoundStatus.RUNNING),
        "swap_form": swap_form,
        "people_to_notify": _people_to_notify(organization, match_round),
    }
    return render(request, "matching/round_detail.html", context, status=status)


def _people_to_notify(organization, match_round) -> int:
    """Publishing emails each mentor and mentee of an approved pair."""
    approved = selectors.proposal_list(organization=organization, match_round=match_round).filter(
        status=ProposalStatus.APPROVED
    )
    people: set[int] = set()
    for mentee_id, mentor_id in approved.values_list("mentee_id", "mentor_id"):
        people.update((mentee_id, mentor_id))
    return len(people)


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def round_progress(request: HttpRequest, org_slug: str, round_id: int) -> HttpResponse:
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
def round_rerun(request: HttpRequest, org_slug: str, round_id: int) -> HttpResponse:
    return _round_action(request, org_slug, round_id, services.round_rerun, _("Running again."))


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def round_approve_all(request: HttpRequest, org_slug: str, round_id: int) -> HttpResponse:
    return _round_action(
        request,
        org_slug,
        round_id,
        services.proposal_approve_all,
        _("Remaining proposals approved."),
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def round_review(request: HttpRequest, org_slug: str, round_id: int) -> HttpResponse:
    return _round_action(
        request, org_slug, round_id, services.round_mark_reviewed, _("Round marked as reviewed.")
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def round_publish(request: HttpRequest, org_slug: str, round_id: int) -> HttpResponse:
    return _round_action(
        request,
        org_slug,
        round_id,
        services.round_publish,
        _("Published: mentorships created and everyone notified."),
    )


def _proposal_response(request, proposal, org_slug):
    if request.htmx:
        proposal = selectors.proposal_get(
            organization=request.organization, proposal_id=proposal.pk
        )
        counts = selectors.proposal_counts(
            organization=request.organization, match_round=proposal.match_round
        )
        return render(
            request,
            "matching/_proposal_decided.html",
            {"p": proposal, "editable": True, "round": proposal.match_round, "counts": counts},
        )
    return redirect("matching:round_detail", org_slug=org_slug, round_id=proposal.match_round_id)


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def proposal_decide(request: HttpRequest, org_slug: str, proposal_id: int) -> HttpResponse:
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
def proposal_rule(request: HttpRequest, org_slug: str, proposal_id: int) -> HttpResponse:
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
    return redirect("matching:round_detail", org_slug=org_slug, round_id=proposal.match_round_id)


def _swap_form(request: HttpRequest, proposal) -> SwapForm:
    candidates = (
        selectors.proposal_list(organization=request.organization, match_round=proposal.match_round)
        .exclude(mentor_id=proposal.mentor_id)
        .exclude(mentee_id=proposal.mentee_id)
        .order_by("mentor__full_name", "mentee__full_name", "id")
    )
    return SwapForm(
        request.POST if request.method == "POST" else None,
        proposal=proposal,
        candidates=candidates,
    )


@requires(Capability.MANAGE_PROGRAMS)
def proposal_swap(request: HttpRequest, org_slug: str, proposal_id: int) -> HttpResponse:
    """GET (htmx): the swap form of one row, loaded when it is opened. POST: the swap; a bad
    choice or a refusal shows beside the row's form on the round page."""
    organization = request.organization
    proposal = selectors.proposal_get(organization=organization, proposal_id=proposal_id)
    form = _swap_form(request, proposal)
    if request.method != "POST":
        if not request.htmx:
            return redirect(
                "matching:round_detail", org_slug=org_slug, round_id=proposal.match_round_id
            )
        return render(request, "matching/_swap_form.html", {"p": proposal, "swap_form": form})
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
    return redirect("matching:round_detail", org_slug=org_slug, round_id=proposal.match_round_id)


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def pair_rule_delete(
    request: HttpRequest, org_slug: str, cohort_id: int, rule_id: int
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
def find_mentor(request: HttpRequest, org_slug: str, cohort_id: int) -> HttpResponse:
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
def preferences(request: HttpRequest, org_slug: str, cohort_id: int) -> HttpResponse:
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
def mentor_request_inbox(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    mentors = selectors.participant_list_mentor_for_user(
        organization=organization, user=request.user
    )
    pending = selectors.mentor_request_list_for_mentor(organization=organization, mentors=mentors)
    return render(request, "matching/mentor_request_inbox.html", {"pending": pending})


@require_POST
@requires(Capability.ENROLL)
def mentor_request_respond(request: HttpRequest, org_slug: str, request_id: int) -> HttpResponse:
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
def mentor_request_approvals(request: HttpRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    cohort = cohort_get(organization=request.organization, cohort_id=cohort_id)
    awaiting = selectors.mentor_request_list_awaiting_approval(
        organization=request.organization, cohort=cohort
    )
    return render(
        request, "matching/mentor_request_approvals.html", {"cohort": cohort, "awaiting": awaiting}
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def mentor_request_approve(request: HttpRequest, org_slug: str, request_id: int) -> HttpResponse:
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
