"""Goals of a mentorship and their milestones: either side proposes and changes them, and every
change is recorded with who made it, so both see the plan's history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from mentorships import selectors
from mentorships.models import (
    Goal,
    GoalChange,
    GoalStatus,
    Mentorship,
    MentorshipStatus,
    Milestone,
)
from notifications.services import notify
from organizations.models import Organization
from participants.models import Participant

TITLE_MAX = 200
DESCRIPTION_MAX = 4000
GOALS_MAX = 50
MILESTONES_MAX = 30


def _open(mentorship: Mentorship) -> None:
    if mentorship.status in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED):
        raise DomainError(_("This mentorship is closed."), code="conflict")


def _title(value: str, field: str = "title") -> str:
    title = " ".join(value.split())
    if not title:
        raise DomainError(_("Give it a short title."), field=field)
    if len(title) > TITLE_MAX:
        raise DomainError(_("Keep it under %(n)d characters.") % {"n": TITLE_MAX + 1}, field=field)
    return title


def _record(goal: Goal, actor: Participant, action: str, **detail: Any) -> None:
    GoalChange.objects.create(
        organization_id=goal.organization_id, goal=goal, actor=actor, action=action, detail=detail
    )


def _locked_goal(organization: Organization, goal: Goal) -> Goal:
    locked = (
        Goal.objects.for_org(organization)
        .select_for_update()
        .select_related("mentorship")
        .filter(pk=goal.pk)
        .first()
    )
    if locked is None:
        raise DomainError(_("No such goal."), code="not_found")
    return locked


@transaction.atomic
def goal_propose(
    *,
    organization: Organization,
    mentorship: Mentorship,
    actor: User,
    title: str,
    description: str = "",
    target_date: dt.date | None = None,
) -> Goal:
    """Either side proposes a goal; the others hear about it in the app."""
    locked = (
        Mentorship.objects.for_org(organization)
        .select_for_update()
        .filter(pk=mentorship.pk)
        .first()
    )
    if locked is None:
        raise DomainError(_("No such mentorship."), code="not_found")
    mentorship = locked
    proposer = selectors.mentorship_member(
        organization=organization, mentorship=mentorship, user=actor
    )
    _open(mentorship)
    title = _title(title)
    # Measured as stored (stripped), as an edit measures it.
    description = description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(_("Keep the details shorter."), field="description")
    if target_date is not None and target_date < timezone.localdate():
        raise DomainError(_("Choose a date from today on."), field="target_date")
    existing = Goal.objects.for_org(organization).filter(mentorship=mentorship)
    if existing.count() >= GOALS_MAX:
        raise DomainError(_("A mentorship keeps at most %(n)d goals.") % {"n": GOALS_MAX})
    position = (existing.aggregate(last=Max("position"))["last"] or 0) + 1
    goal = Goal.objects.create(
        organization=organization,
        mentorship=mentorship,
        title=title,
        description=description,
        target_date=target_date,
        proposed_by=proposer,
        position=position,
    )
    _record(goal, proposer, "created", title=title)
    _tell_the_others(organization, mentorship, proposer, goal)
    return goal


def _tell_the_others(
    organization: Organization, mentorship: Mentorship, proposer: Participant, goal: Goal
) -> None:
    members = selectors.mentorship_members(organization=organization, mentorship=mentorship)
    url = reverse("dashboard", args=[organization.slug])

    def send() -> None:
        for person in members:
            if person.pk == proposer.pk or person.user is None:
                continue
            with translation.override(person.user.language or translation.get_language()):
                text = _("%(name)s proposed a goal: %(title)s") % {
                    "name": proposer.full_name,
                    "title": goal.title,
                }
            notify(
                organization=organization,
                email=person.email,
                user=person.user,
                template="notice",
                context={"person": person, "text": text, "url": url, "site_url": settings.SITE_URL},
                text=text,
                url=url,
                idempotency_key=f"goal-proposed:{goal.pk}:{person.pk}",
            )

    transaction.on_commit(send)


@transaction.atomic
def goal_update(
    *,
    organization: Organization,
    goal: Goal,
    actor: User,
    title: str,
    description: str,
    target_date: dt.date | None,
) -> Goal:
    """The edit form's fields, all at once; what changed is recorded."""
    goal = _locked_goal(organization, goal)
    member = selectors.mentorship_member(
        organization=organization, mentorship=goal.mentorship, user=actor
    )
    _open(goal.mentorship)
    title = _title(title)
    description = description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(_("Keep the details shorter."), field="description")
    changed: dict[str, Any] = {}
    if title != goal.title:
        changed["title"] = title
    if description != goal.description:
        changed["description"] = True
    if target_date != goal.target_date:
        changed["target_date"] = target_date.isoformat() if target_date else None
    if not changed:
        return goal
    goal.title, goal.description, goal.target_date = title, description, target_date
    goal.save(update_fields=["title", "description", "target_date", "updated_at"])
    _record(goal, member, "edited", **changed)
    return goal


# From each status, where a goal may go next.
GOAL_MOVES: dict[str, frozenset[str]] = {
    GoalStatus.PROPOSED: frozenset({GoalStatus.IN_PROGRESS, GoalStatus.DONE, GoalStatus.DROPPED}),
    GoalStatus.IN_PROGRESS: frozenset({GoalStatus.DONE, GoalStatus.DROPPED}),
    GoalStatus.DONE: frozenset({GoalStatus.IN_PROGRESS}),
    GoalStatus.DROPPED: frozenset({GoalStatus.IN_PROGRESS}),
}


@transaction.atomic
def goal_set_status(*, organization: Organization, goal: Goal, actor: User, status: str) -> Goal:
    goal = _locked_goal(organization, goal)
    member = selectors.mentorship_member(
        organization=organization, mentorship=goal.mentorship, user=actor
    )
    _open(goal.mentorship)
    if status not in GOAL_MOVES.get(goal.status, frozenset()):
        raise DomainError(
            _("A goal cannot go from %(old)s to %(new)s.")
            % {
                "old": GoalStatus(goal.status).label,
                "new": GoalStatus(status).label if status in GoalStatus.values else status,
            },
            field="status",
        )
    previous = goal.status
    goal.status = status
    goal.save(update_fields=["status", "updated_at"])
    _record(goal, member, "status", old=previous, new=status)
    return goal


@transaction.atomic
def milestone_add(
    *,
    organization: Organization,
    goal: Goal,
    actor: User,
    title: str,
    due_on: dt.date | None = None,
) -> Milestone:
    goal = _locked_goal(organization, goal)
    member = selectors.mentorship_member(
        organization=organization, mentorship=goal.mentorship, user=actor
    )
    _open(goal.mentorship)
    title = _title(title)
    milestones = Milestone.objects.for_org(organization).filter(goal=goal)
    if milestones.count() >= MILESTONES_MAX:
        raise DomainError(_("A goal keeps at most %(n)d milestones.") % {"n": MILESTONES_MAX})
    milestone = Milestone.objects.create(
        organization=organization,
        goal=goal,
        title=title,
        due_on=due_on,
        position=(milestones.aggregate(last=Max("position"))["last"] or 0) + 1,
    )
    _record(goal, member, "milestone_added", title=title)
    return milestone


@transaction.atomic
def milestone_set_done(
    *, organization: Organization, milestone: Milestone, actor: User, done: bool
) -> Milestone:
    """Tick or untick; ticking the last open milestone of a goal in progress does not finish
    the goal by itself: the pair says when it is done."""
    locked = (
        Milestone.objects.for_org(organization)
        .select_for_update()
        .select_related("goal__mentorship")
        .filter(pk=milestone.pk)
        .first()
    )
    if locked is None:
        raise DomainError(_("No such milestone."), code="not_found")
    milestone = locked
    member = selectors.mentorship_member(
        organization=organization, mentorship=milestone.goal.mentorship, user=actor
    )
    _open(milestone.goal.mentorship)
    if done == (milestone.done_at is not None):
        return milestone  # already so: a repeated click changes nothing
    milestone.done_at = timezone.now() if done else None
    milestone.done_by = member if done else None
    milestone.save(update_fields=["done_at", "done_by"])
    _record(
        milestone.goal,
        member,
        "milestone_done" if done else "milestone_reopened",
        title=milestone.title,
    )
    return milestone


@transaction.atomic
def goal_move(*, organization: Organization, goal: Goal, actor: User, up: bool) -> Goal:
    """Swap a goal with its neighbour above (or below) in the plan's order; at the edge the
    order stays as it is."""
    goal = _locked_goal(organization, goal)
    selectors.mentorship_member(organization=organization, mentorship=goal.mentorship, user=actor)
    _open(goal.mentorship)
    siblings = list(
        Goal.objects.for_org(organization)
        .select_for_update()
        .filter(mentorship_id=goal.mentorship_id)
        .order_by("position", "id")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == goal.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return goal
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])
    return next(sibling for sibling in siblings if sibling.pk == goal.pk)
