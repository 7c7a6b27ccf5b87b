"""Writing in a program's community: topics and replies by its people, moderation by its
program team (pin, lock, hide), and an email to a topic's author on each reply."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from mentorships.models import Reply, Topic
from mentorships.selectors import community as community_selectors
from notifications.models import EmailKind
from notifications.services import notify
from organizations.models import Organization

TITLE_MAX = 200
BODY_MAX = 10_000


def _text(value: str, *, field: str, limit: int, empty: str) -> str:
    text = value.strip()
    if not text:
        raise DomainError(empty, field=field)
    if len(text) > limit:
        raise DomainError(_("Keep it under %(n)d characters.") % {"n": limit + 1}, field=field)
    return text


@transaction.atomic
def topic_create(
    *, organization: Organization, program_id: int, actor: User, title: str, body: str
) -> Topic:
    access = community_selectors.community_access(
        organization=organization, program_id=program_id, user=actor
    )
    return Topic.objects.create(
        organization=organization,
        program=access.program,
        author=actor,
        title=_text(title, field="title", limit=TITLE_MAX, empty=_("Give the topic a title.")),
        body=_text(body, field="body", limit=BODY_MAX, empty=_("Write something first.")),
    )


def _locked_topic(organization: Organization, topic_id: int, actor: User):
    topic, access = community_selectors.topic_visible(
        organization=organization, topic_id=topic_id, user=actor
    )
    topic = Topic.objects.for_org(organization).select_for_update().get(pk=topic.pk)
    return topic, access


@transaction.atomic
def reply_create(*, organization: Organization, topic_id: int, actor: User, body: str) -> Reply:
    """A reply; the topic's author (if someone else) gets one email about it."""
    topic, access = _locked_topic(organization, topic_id, actor)
    if topic.locked and not access.moderator:
        raise DomainError(_("This topic is locked: no new replies."), code="conflict")
    reply = Reply.objects.create(
        organization=organization,
        topic=topic,
        author=actor,
        body=_text(body, field="body", limit=BODY_MAX, empty=_("Write something first.")),
    )
    topic.last_activity_at = reply.created_at
    topic.save(update_fields=["last_activity_at"])
    if topic.author_id != actor.pk:
        author = User.objects.get(pk=topic.author_id)
        url = reverse("mentorships:topic", args=[organization.slug, topic.pk])
        transaction.on_commit(
            lambda: notify(
                organization=organization,
                email=author.email,
                user=author,
                template="community_reply",
                context={
                    "title": topic.title,
                    "replier": actor.full_name or actor.email,
                    "excerpt": " ".join(reply.body.split())[:280],
                    "url": url,
                    "site_url": settings.SITE_URL,
                },
                text=_("%(name)s replied to “%(title)s”")
                % {"name": actor.full_name or actor.email, "title": topic.title},
                url=url,
                idempotency_key=f"community-reply:{reply.pk}",
                kind=EmailKind.COMMUNITY,
            )
        )
    return reply


MODERATIONS = ("pin", "unpin", "lock", "unlock", "hide", "show")


@transaction.atomic
def topic_moderate(*, organization: Organization, topic_id: int, actor: User, action: str) -> Topic:
    topic, access = _locked_topic(organization, topic_id, actor)
    if not access.moderator:
        raise DomainError(_("Only the program team can do this."), code="permission_denied")
    if action not in MODERATIONS:
        raise DomainError(_("Unknown action."), field="action")
    if action in ("pin", "unpin"):
        topic.pinned = action == "pin"
    elif action in ("lock", "unlock"):
        topic.locked = action == "lock"
    else:
        topic.hidden_at = timezone.now() if action == "hide" else None
    topic.save(update_fields=["pinned", "locked", "hidden_at"])
    return topic


@transaction.atomic
def reply_moderate(
    *, organization: Organization, reply_id: int, actor: User, hidden: bool
) -> Reply:
    reply = community_selectors.reply_get(organization=organization, reply_id=reply_id)
    _topic, access = community_selectors.topic_visible(
        organization=organization, topic_id=reply.topic_id, user=actor
    )
    if not access.moderator:
        raise DomainError(_("Only the program team can do this."), code="permission_denied")
    reply.hidden_at = timezone.now() if hidden else None
    reply.save(update_fields=["hidden_at"])
    return reply
