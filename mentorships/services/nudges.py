"""Nudges that keep pairs going: a new pair with no check-in booked, a mentorship gone quiet, a
goal past its date. A scan finds what is due; each nudge goes once per mentorship, kind, step
and person (claimed by its key), so the scan may run as often as it likes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.texts import join_names
from mentorships import selectors
from mentorships.models import (
    CheckIn,
    CheckInStatus,
    Goal,
    GoalStatus,
    Mentorship,
    MentorshipStatus,
)
from mentorships.selectors.engagement import engagement_settings_for
from notifications.models import EmailKind
from notifications.services import Outgoing, notices_send
from organizations.models import Organization


def nudges_send(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """Send every nudge that is due. Returns the emails sent (in-app notices come too, and to
    people who turned nudge emails off)."""
    now = now or timezone.now()
    mentorships = list(
        Mentorship.objects.for_org(organization)
        .filter(status=MentorshipStatus.ACTIVE)
        .annotate(
            any_check_in=Exists(
                CheckIn.objects.for_org(organization).filter(mentorship=OuterRef("pk"))
            ),
            last_held=Max(
                "check_ins__ends_at",
                filter=Q(check_ins__status=CheckInStatus.SCHEDULED, check_ins__ends_at__lte=now),
            ),
            next_booked=Exists(
                CheckIn.objects.for_org(organization).filter(
                    mentorship=OuterRef("pk"), status=CheckInStatus.SCHEDULED, starts_at__gt=now
                )
            ),
        )
        .select_related("cohort")
    )
    if not mentorships:
        return 0
    rules = engagement_settings_for(organization, {m.cohort.program_id for m in mentorships})
    due: list[tuple[Mentorship, str, str, dict]] = []  # mentorship, kind, step, extra context
    for mentorship in mentorships:
        rule = rules[mentorship.cohort.program_id]
        age = (now.date() - mentorship.started_on).days
        if not mentorship.any_check_in:
            reached = [d for d in sorted(rule.first_check_in_nudge_days) if age >= d]
            if reached:
                due.append((mentorship, "first", str(reached[-1]), {"days": age}))
        elif (
            mentorship.last_held is not None
            and not mentorship.next_booked
            and (now - mentorship.last_held).days >= rule.quiet_after_days
        ):
            due.append(
                (
                    mentorship,
                    "quiet",
                    mentorship.last_held.date().isoformat(),
                    {"days": (now - mentorship.last_held).days},
                )
            )
    overdue = (
        Goal.objects.for_org(organization)
        .filter(
            mentorship__in=[
                m for m in mentorships if rules[m.cohort.program_id].overdue_goal_nudges
            ],
            status__in=[GoalStatus.PROPOSED, GoalStatus.IN_PROGRESS],
            target_date__lt=now.date(),
        )
        .select_related("mentorship__cohort")
    )
    for goal in overdue:
        due.append((goal.mentorship, "goal", f"{goal.pk}:{goal.target_date}", {"goal": goal.title}))
    return notices_send(
        organization=organization,
        template="nudge",
        outgoing=_messages(organization, due),
        kind=EmailKind.NUDGES,
    )


def _messages(
    organization: Organization, due: list[tuple[Mentorship, str, str, dict]]
) -> Iterator[Outgoing]:
    members = selectors.members_by_mentorship(
        organization=organization, mentorship_ids={m.pk for m, *_ in due}
    )
    for mentorship, kind, step, extra in due:
        url = reverse("dashboard", args=[organization.slug])
        people = members[mentorship.pk]
        for person in people:
            language = person["user__language"] or ""
            with translation.override(language or translation.get_language()):
                others = join_names(p["full_name"] for p in people if p["id"] != person["id"])
                text = _nudge_text(kind, others, extra)
            yield Outgoing(
                idempotency_key=f"nudge:{kind}:{mentorship.pk}:{step}:{person['id']}",
                email=person["email"],
                user_id=person["user_id"],
                language=language,
                context={
                    "kind": kind,
                    "others": others,
                    "text": text,
                    "url": url,
                    "site_url": settings.SITE_URL,
                    **extra,
                },
                text=text,
                url=url,
            )


def _nudge_text(kind: str, others: str, extra: dict) -> str:
    if kind == "first":
        return _(
            "You and %(names)s have not booked a check-in yet. Pick a time that suits you both."
        ) % {"names": others}
    if kind == "manual":
        return _(
            "The program team would love to hear how things are going with %(names)s. "
            "Book your next check-in, or tell us if something is in the way."
        ) % {"names": others}
    if kind == "quiet":
        return _(
            "It has been %(days)d days since you last met %(names)s. Book your next check-in."
        ) % {"days": extra["days"], "names": others}
    return _("Your goal “%(goal)s” is past its date. Mark it done or choose a new date.") % {
        "goal": extra["goal"]
    }


def mentorship_nudge_now(
    *, organization: Organization, mentorship: Mentorship, now: dt.datetime | None = None
) -> int:
    """The program team's one-click nudge from the at-risk list: the members hear from the
    team at most once a day, however often the button is pressed. Returns the emails sent."""
    now = now or timezone.now()
    locked = (
        Mentorship.objects.for_org(organization)
        .filter(pk=mentorship.pk, status=MentorshipStatus.ACTIVE)
        .first()
    )
    if locked is None:
        raise DomainError(_("Only an active mentorship can be nudged."), code="conflict")
    mentorship = locked
    return notices_send(
        organization=organization,
        template="nudge",
        outgoing=_messages(organization, [(mentorship, "manual", now.date().isoformat(), {})]),
        kind=EmailKind.NUDGES,
    )
