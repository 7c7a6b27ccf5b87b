"""Concerns about a match raised by something other than a member's own request: the two-week
match check survey saying "not a good match". They reach the program team the way a member's
request for a new match does: the mentorship enters the at-risk list with "re-match"
suggested (`mentorships.selectors.at_risk`), and the people who run programs hear of it once."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.permissions import Capability
from core.texts import join_names
from mentorships.models import Mentorship, MentorshipStatus
from notifications.services import notify
from organizations.models import Membership, Organization
from organizations.permissions import ROLE_CAPABILITIES


@transaction.atomic
def mentorship_flag_match_concern(
    *, organization: Organization, mentorship: Mentorship, source: str, note: str
) -> bool:
    """Mark the mentorship as needing a new match. `source` names what raised it (the survey's
    name: the team sees it in place of a member's name, since an anonymous survey must not say
    who answered), `note` what it said. Returns False when nothing changed: the mentorship is
    closed, or a new match was already requested (the team knows; one flag is enough)."""
    locked = (
        Mentorship.objects.for_org(organization)
        .select_for_update()
        .select_related("cohort__program")
        .filter(pk=mentorship.pk)
        .first()
    )
    if locked is None or locked.status in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED):
        return False
    if locked.rematch_requested_at is not None:
        return False
    locked.rematch_requested_at = timezone.now()
    locked.rematch_reason = f"{source}: {note}".strip()[:2000]
    locked.save(update_fields=["rematch_requested_at", "rematch_reason"])
    _tell_program_team(organization, locked, source)
    return True


def _tell_program_team(organization: Organization, mentorship: Mentorship, source: str) -> None:
    program = mentorship.cohort.program
    url = reverse("matching:cohort_matching", args=[organization.slug, mentorship.cohort_id])
    runs_programs = [
        role for role, caps in ROLE_CAPABILITIES.items() if Capability.MANAGE_PROGRAMS in caps
    ]
    managers = list(
        Membership.objects.for_org(organization)
        .filter(role__in=runs_programs)
        .select_related("user")
    )

    # The survey does not say who answered, but the team must know which pair it is about.
    people = [mentorship.mentor.full_name, *(m.full_name for m in mentorship.mentees.all())]

    def send() -> None:
        for membership in managers:
            with translation.override(membership.user.language or translation.get_language()):
                pair = join_names(people)
                text = _(
                    "%(source)s: the mentorship of %(pair)s in %(program)s may need a new match."
                ) % {"source": source, "pair": pair, "program": program.name}
            notify(
                organization=organization,
                email=membership.user.email,
                user=membership.user,
                template="rematch_requested",
                context={
                    "program": program.name,
                    "member": source,
                    "pair": pair,
                    "reason": mentorship.rematch_reason,
                    "url": url,
                    "site_url": settings.SITE_URL,
                },
                text=text,
                url=url,
                idempotency_key=f"match-concern:{mentorship.pk}:{membership.user_id}",
            )

    transaction.on_commit(send)
