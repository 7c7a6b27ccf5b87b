"""Reading a program's community: who may enter, its topics and their replies.

The community is open to the program's participants (any cohort) and its program team (people
whose role manages programs); anyone else is told it does not exist. Hidden topics and replies
are gone for participants and shown, marked, to the team."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from core.permissions import Capability
from mentorships.models import Reply, Topic
from organizations.models import Membership, Organization
from organizations.permissions import role_can
from participants.models import Participant
from programs.models import Program


@dataclass(frozen=True)
class Access:
    program: Program
    # Pins, locks and hides; sees what is hidden.
    moderator: bool


def community_access(*, organization: Organization, program_id: int, user: User) -> Access:
    """The program's community as this person may use it; not found for anyone outside."""
    program = Program.objects.for_org(organization).filter(pk=program_id).first()
    if program is None:
        raise DomainError(_("No such community."), code="not_found")
    membership = Membership.objects.for_org(organization).filter(user=user).first()
    if membership is not None and role_can(membership.role, Capability.MANAGE_PROGRAMS):
        return Access(program=program, moderator=True)
    participates = (
        Participant.objects.for_org(organization)
        .filter(cohort__program=program, user=user)
        .exists()
    )
    if not participates:
        raise DomainError(_("No such community."), code="not_found")
    return Access(program=program, moderator=False)


def topic_get(*, organization: Organization, topic_id: int) -> Topic:
    topic = (
        Topic.objects.for_org(organization)
        .filter(pk=topic_id)
        .select_related("author", "program")
        .first()
    )
    if topic is None:
        raise DomainError(_("No such topic."), code="not_found")
    return topic


def reply_get(*, organization: Organization, reply_id: int) -> Reply:
    reply = (
        Reply.objects.for_org(organization)
        .filter(pk=reply_id)
        .select_related("topic", "author")
        .first()
    )
    if reply is None:
        raise DomainError(_("No such reply."), code="not_found")
    return reply


def topic_list(*, organization: Organization, access: Access) -> QuerySet[Topic]:
    """Pinned first, then the most recently active; with the replies each reader can see."""
    visible_replies = Q(replies__hidden_at__isnull=True) if not access.moderator else Q()
    topics = (
        Topic.objects.for_org(organization)
        .filter(program=access.program)
        .select_related("author")
        .annotate(reply_count=Count("replies", filter=visible_replies))
        .order_by("-pinned", "-last_activity_at", "-id")
    )
    if not access.moderator:
        topics = topics.filter(hidden_at__isnull=True)
    return topics


def reply_list(*, organization: Organization, topic: Topic, access: Access) -> QuerySet[Reply]:
    replies = (
        Reply.objects.for_org(organization)
        .filter(topic=topic)
        .select_related("author")
        .order_by("created_at", "id")
    )
    if not access.moderator:
        replies = replies.filter(hidden_at__isnull=True)
    return replies


def topic_visible(*, organization: Organization, topic_id: int, user: User) -> tuple[Topic, Access]:
    """A topic the person may read: its program's community is theirs, and it is not hidden
    from them."""
    topic = topic_get(organization=organization, topic_id=topic_id)
    access = community_access(organization=organization, program_id=topic.program_id, user=user)
    if topic.hidden_at is not None and not access.moderator:
        raise DomainError(_("No such topic."), code="not_found")
    return topic, access
