"""A mentorship's goals: the development plan with progress, proposing and editing goals,
moving them along, milestones added and ticked in place (htmx), and the plan's history in words.

Members only: anyone else, program staff included, gets 404 — goal texts are the pair's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.forms import service_errors_on
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from mentorships.models import Goal, GoalChange, GoalStatus, Mentorship, MentorshipStatus
from mentorships.selectors import goals as goal_selectors
from mentorships.selectors import mentorship_get_for_member
from mentorships.services import goals as goal_services
from participants.models import Participant

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GoalForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Goal"), max_length=goal_services.TITLE_MAX)
    description = forms.CharField(
        label=gettext_lazy("What it means and how you will know"),
        required=False,
        max_length=goal_services.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    target_date = forms.DateField(
        label=gettext_lazy("Target date"), required=False, widget=DATE_INPUT
    )


class MilestoneForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Milestone"), max_length=goal_services.TITLE_MAX)
    due_on = forms.DateField(label=gettext_lazy("Due on"), required=False, widget=DATE_INPUT)


@dataclass
class GoalRow:
    goal: Goal
    edit_form: GoalForm
    milestone_form: MilestoneForm
    moves: list[tuple[str, str]]
    is_overdue: bool
    editing: bool = False
    status_error: str = ""

    @property
    def is_closed(self) -> bool:
        return self.goal.status in (GoalStatus.DONE, GoalStatus.DROPPED)


# The button that moves a goal to each status.
MOVE_LABELS = {
    GoalStatus.IN_PROGRESS: gettext_lazy("Start"),
    GoalStatus.DONE: gettext_lazy("Mark done"),
    GoalStatus.DROPPED: gettext_lazy("Drop"),
}


@dataclass(frozen=True)
class HistoryLine:
    text: str
    at: dt.datetime  # in the viewer's zone
    when: str  # the full date and time in the viewer's zone


def _status_words(change: GoalChange) -> str:
    actor, goal = change.actor.full_name, change.goal.title
    new = change.detail.get("new")
    if new == GoalStatus.DONE:
        return _("%(actor)s marked '%(goal)s' done") % {"actor": actor, "goal": goal}
    if new == GoalStatus.DROPPED:
        return _("%(actor)s dropped '%(goal)s'") % {"actor": actor, "goal": goal}
    if change.detail.get("old") in (GoalStatus.DONE, GoalStatus.DROPPED):
        return _("%(actor)s reopened '%(goal)s'") % {"actor": actor, "goal": goal}
    return _("%(actor)s started '%(goal)s'") % {"actor": actor, "goal": goal}


def history_words(change: GoalChange) -> str:
    """One change as a sentence: "Ana marked 'Run a workshop' done"."""
    values = {
        "actor": change.actor.full_name,
        "goal": change.detail.get("title") if change.action == "created" else change.goal.title,
        "milestone": change.detail.get("title", ""),
    }
    if change.action == "created":
        return _("%(actor)s proposed '%(goal)s'") % values
    if change.action == "edited":
        return _("%(actor)s edited '%(goal)s'") % values
    if change.action == "status":
        return _status_words(change)
    if change.action == "milestone_added":
        return _("%(actor)s added the milestone '%(milestone)s' to '%(goal)s'") % values
    if change.action == "milestone_done":
        return _("%(actor)s ticked '%(milestone)s' of '%(goal)s'") % values
    if change.action == "milestone_reopened":
        return _("%(actor)s unticked '%(milestone)s' of '%(goal)s'") % values
    return _("%(actor)s changed '%(goal)s'") % values


def _zone(viewer: Participant) -> ZoneInfo:
    try:
        return ZoneInfo(viewer.time_zone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _context(
    request: OrganizationRequest,
    mentorship: Mentorship,
    viewer: Participant,
    *,
    propose_form: GoalForm | None = None,
    forms_for: dict[int, tuple[GoalForm | None, MilestoneForm | None]] | None = None,
    status_error: tuple[int, str] | None = None,
) -> dict:
    organization = request.organization
    forms_for = forms_for or {}
    today = timezone.localdate(timezone=_zone(viewer))
    rows = []
    for goal in goal_selectors.goal_list(organization=organization, mentorship=mentorship):
        edit_form, milestone_form = forms_for.get(goal.pk, (None, None))
        closed = goal.status in (GoalStatus.DONE, GoalStatus.DROPPED)
        rows.append(
            GoalRow(
                goal=goal,
                edit_form=edit_form
                or GoalForm(
                    prefix=f"goal-{goal.pk}",
                    initial={
                        "title": goal.title,
                        "description": goal.description,
                        "target_date": goal.target_date,
                    },
                ),
                milestone_form=milestone_form or MilestoneForm(prefix=f"milestone-{goal.pk}"),
                moves=[
                    (status, str(_("Reopen") if closed else MOVE_LABELS[status]))
                    for status in (GoalStatus.IN_PROGRESS, GoalStatus.DONE, GoalStatus.DROPPED)
                    if status in goal_services.GOAL_MOVES.get(goal.status, frozenset())
                ],
                is_overdue=bool(
                    goal.target_date
                    and goal.target_date < today
                    and goal.status in (GoalStatus.PROPOSED, GoalStatus.IN_PROGRESS)
                ),
                editing=edit_form is not None and bool(edit_form.errors),
                status_error=status_error[1] if status_error and status_error[0] == goal.pk else "",
            )
        )
    zone = _zone(viewer)
    history = []
    for change in goal_selectors.goal_history(organization=organization, mentorship=mentorship):
        at = change.created_at.astimezone(zone)
        history.append(
            HistoryLine(text=history_words(change), at=at, when=date_format(at, "DATETIME_FORMAT"))
        )
    summary = goal_selectors.goal_summary(organization=organization, mentorship=mentorship)
    return {
        "mentorship": mentorship,
        "viewer": viewer,
        "rows": rows,
        "history": history,
        "summary": summary,
        "propose_form": propose_form or GoalForm(prefix="new"),
        "can_change": mentorship.status not in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED),
        "tab": "goals",
    }


def _member(request: OrganizationRequest, mentorship_id: int) -> tuple[Mentorship, Participant]:
    return mentorship_get_for_member(
        organization=request.organization, mentorship_id=mentorship_id, user=request.user
    )


def _goal_for_member(
    request: OrganizationRequest, goal_id: int
) -> tuple[Goal, Mentorship, Participant]:
    goal = goal_selectors.goal_get(organization=request.organization, goal_id=goal_id)
    mentorship, viewer = _member(request, goal.mentorship_id)
    return goal, mentorship, viewer


def _answer(
    request: OrganizationRequest, mentorship: Mentorship, context: dict, *, failed: bool
) -> HttpResponse:
    """htmx: the plan region again; a plain post: back to the page, or the page with the
    refusal."""
    if request.htmx:
        return render(request, "mentorships/goals_plan.html", context)
    if failed:
        return render(request, "mentorships/goals.html", context, status=400)
    return redirect(
        "mentorships:goals", org_slug=request.organization.slug, mentorship_id=mentorship.pk
    )


@requires(Capability.VIEW_CATALOG)
def goals(request: OrganizationRequest, org_slug: str, mentorship_id: int) -> HttpResponse:
    """The plan; a post proposes a goal."""
    mentorship, viewer = _member(request, mentorship_id)
    if request.method != "POST":
        return render(request, "mentorships/goals.html", _context(request, mentorship, viewer))
    form = GoalForm(request.POST, prefix="new")
    if form.is_valid():
        with service_errors_on(form):
            goal_services.goal_propose(
                organization=request.organization,
                mentorship=mentorship,
                actor=request.user,
                **form.cleaned_data,
            )
    failed = bool(form.errors)
    context = _context(request, mentorship, viewer, propose_form=form if failed else None)
    return _answer(request, mentorship, context, failed=failed)


@require_POST
@requires(Capability.VIEW_CATALOG)
def goal_edit(request: OrganizationRequest, org_slug: str, goal_id: int) -> HttpResponse:
    goal, mentorship, viewer = _goal_for_member(request, goal_id)
    form = GoalForm(request.POST, prefix=f"goal-{goal.pk}")
    if form.is_valid():
        with service_errors_on(form):
            goal_services.goal_update(
                organization=request.organization,
                goal=goal,
                actor=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                target_date=form.cleaned_data["target_date"],
            )
    failed = bool(form.errors)
    context = _context(
        request, mentorship, viewer, forms_for={goal.pk: (form, None)} if failed else None
    )
    return _answer(request, mentorship, context, failed=failed)


@require_POST
@requires(Capability.VIEW_CATALOG)
def goal_status(request: OrganizationRequest, org_slug: str, goal_id: int) -> HttpResponse:
    goal, mentorship, viewer = _goal_for_member(request, goal_id)
    refusal: tuple[int, str] | None = None
    try:
        goal_services.goal_set_status(
            organization=request.organization,
            goal=goal,
            actor=request.user,
            status=request.POST.get("status", ""),
        )
    except DomainError as error:
        if error.code == "not_found":
            raise
        refusal = (goal.pk, str(error.message))
    context = _context(request, mentorship, viewer, status_error=refusal)
    return _answer(request, mentorship, context, failed=refusal is not None)


@require_POST
@requires(Capability.VIEW_CATALOG)
def milestone_add(request: OrganizationRequest, org_slug: str, goal_id: int) -> HttpResponse:
    goal, mentorship, viewer = _goal_for_member(request, goal_id)
    form = MilestoneForm(request.POST, prefix=f"milestone-{goal.pk}")
    if form.is_valid():
        with service_errors_on(form):
            goal_services.milestone_add(
                organization=request.organization,
                goal=goal,
                actor=request.user,
                **form.cleaned_data,
            )
    failed = bool(form.errors)
    context = _context(
        request, mentorship, viewer, forms_for={goal.pk: (None, form)} if failed else None
    )
    return _answer(request, mentorship, context, failed=failed)


@require_POST
@requires(Capability.VIEW_CATALOG)
def milestone_done(request: OrganizationRequest, org_slug: str, milestone_id: int) -> HttpResponse:
    milestone = goal_selectors.milestone_get(
        organization=request.organization, milestone_id=milestone_id
    )
    mentorship, viewer = _member(request, milestone.goal.mentorship_id)
    goal_services.milestone_set_done(
        organization=request.organization,
        milestone=milestone,
        actor=request.user,
        done=request.POST.get("done") == "1",
    )
    return _answer(request, mentorship, _context(request, mentorship, viewer), failed=False)


@require_POST
@requires(Capability.VIEW_CATALOG)
def goal_move(request: OrganizationRequest, org_slug: str, goal_id: int) -> HttpResponse:
    """Up or down one place in the plan."""
    goal, mentorship, viewer = _goal_for_member(request, goal_id)
    goal_services.goal_move(
        organization=request.organization,
        goal=goal,
        actor=request.user,
        up=request.POST.get("direction") != "down",
    )
    return _answer(request, mentorship, _context(request, mentorship, viewer), failed=False)
