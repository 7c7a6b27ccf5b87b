"""Publishing a reviewed round: mentorships for the approved pairs, and the news to both sides."""

from __future__ import annotations

import logging
from collections import defaultdict

from django.conf import settings as django_settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from matching.models import (
    MatchProposal,
    MatchRound,
    ProposalStatus,
    RoundStatus,
)
from mentorships.selectors import mentorship_list_by_ids
from mentorships.services import mentorship_create_from_match
from notifications.services import notify
from organizations.models import Organization
from organizations.services import audit_log_record

logger = logging.getLogger(__name__)


def enqueue_match_notifications(organization: Organization, mentorship_ids: list[int]) -> None:
    from matching.tasks import notify_match_published_task

    organization_id = organization.pk
    transaction.on_commit(
        lambda: notify_match_published_task.delay(organization_id, mentorship_ids)
    )


def notify_match_published(*, organization: Organization, mentorship_ids: list[int]) -> int:
    """Tell mentor and mentees of each new mentorship, by email and in the app. Idempotent."""
    sent = 0
    for mentorship in mentorship_list_by_ids(organization=organization, ids=mentorship_ids):
        mentees = list(mentorship.mentees.all())
        people = [
            (mentorship.mentor, mentees),
            *((mentee, [mentorship.mentor]) for mentee in mentees),
        ]
        for person, partners in people:
            user = person.user
            with translation.override((user.language if user else "") or None):
                names = ", ".join(p.full_name for p in partners)
                text = _("You are matched in %(program)s with %(names)s.") % {
                    "program": mentorship.cohort.program.name,
                    "names": names,
                }
            notify(
                organization=organization,
                email=person.email,
                user=user,
                template="match_published",
                context={
                    "person": person,
                    "partners": partners,
                    "mentorship": mentorship,
                    "organization": organization,
                    "site_url": django_settings.SITE_URL,
                },
                text=text,
                url=reverse("dashboard", kwargs={"org_slug": organization.slug}),
                idempotency_key=f"match-published:{mentorship.pk}:{person.pk}",
            )
            sent += 1
    return sent


@transaction.atomic
def round_publish(
    *, organization: Organization, match_round: MatchRound, actor: User | None
) -> int:
    """Create mentorships for approved proposals and notify both sides. Publishing is once only."""
    claimed = (
        MatchRound.objects.for_org(organization)
        .filter(pk=match_round.pk, status=RoundStatus.REVIEWED)
        .update(status=RoundStatus.PUBLISHED, published_at=timezone.now())
    )
    if claimed != 1:
        raise DomainError(_("Only a reviewed round can be published."))
    approved = list(
        MatchProposal.objects.for_org(organization)
        .filter(match_round=match_round, status=ProposalStatus.APPROVED)
        .select_related("mentee", "mentor")
        .order_by("mentor_id", "id")
    )
    grouped: dict[tuple[int, int | None, str], list[MatchProposal]] = defaultdict(list)
    for proposal in approved:
        # A group program makes one mentorship per mentor's group; pairs and board seats one each.
        key = (
            (proposal.mentor_id, proposal.group, "")
            if proposal.group is not None
            else (
                proposal.mentor_id,
                proposal.pk,
                proposal.seat_role,
            )
        )
        grouped[key].append(proposal)
    mentorships = [
        mentorship_create_from_match(
            organization=organization,
            cohort=match_round.cohort,
            mentor=proposals[0].mentor,
            mentees=[p.mentee for p in proposals],
            seat_role=proposals[0].seat_role,
            source_round_id=match_round.pk,
        )
        for proposals in grouped.values()
    ]
    mentorship_ids = [m.pk for m in mentorships]
    enqueue_match_notifications(organization, mentorship_ids)
    audit_log_record(
        organization=organization,
        actor=actor,
        action="round.publish",
        target=str(match_round.pk),
        data={"mentorships": len(mentorships)},
    )
    return len(mentorships)
