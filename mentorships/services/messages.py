"""The message thread of a mentorship: members write, edit their own message for a short
while, and mark what they have read."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from mentorships import selectors
from mentorships.models import Mentorship, MentorshipStatus, Message, ThreadRead
from organizations.models import Organization
from participants.models import Participant

BODY_MAX = 10_000
# Long enough to fix a typo, short enough that a reply is not pulled out from under the reader.
EDIT_WINDOW = dt.timedelta(minutes=15)


def _body(value: str) -> str:
    body = value.strip()
    if not body:
        raise DomainError(_("Write something first."), field="body")
    if len(body) > BODY_MAX:
        raise DomainError(
            _("Keep a message under %(n)d characters.") % {"n": BODY_MAX + 1}, field="body"
        )
    return body


@transaction.atomic
def message_post(
    *, organization: Organization, mentorship: Mentorship, actor: User, body: str
) -> Message:
    """Post to the thread; the author has read everything up to their own message."""
    locked = Mentorship.objects.for_org(organization).filter(pk=mentorship.pk).first()
    if locked is None:
        raise DomainError(_("No such mentorship."), code="not_found")
    mentorship = locked
    author = selectors.mentorship_member(
        organization=organization, mentorship=mentorship, user=actor
    )
    if mentorship.status in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED):
        raise DomainError(_("This mentorship is closed."), code="conflict")
    message = Message.objects.create(
        organization=organization, mentorship=mentorship, author=author, body=_body(body)
    )
    _read_until(organization, mentorship, author, message.created_at)
    return message


def message_editable(*, message: Message, author: Participant, now: dt.datetime) -> bool:
    """Whether `author` may still edit the message: it is theirs and the window is open."""
    return message.author_id == author.pk and now - message.created_at <= EDIT_WINDOW


def message_ensure_editable(*, message: Message, actor: User) -> None:
    """Refuse the edit of another member's message, a late edit, or one in a closed thread."""
    if message.author.user_id != actor.pk:
        raise DomainError(_("You can edit only your own messages."), code="permission_denied")
    if timezone.now() - message.created_at > EDIT_WINDOW:
        raise DomainError(
            _("A message can be edited for 15 minutes after it is sent."), code="conflict"
        )
    if message.mentorship.status in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED):
        raise DomainError(_("This mentorship is closed."), code="conflict")


@transaction.atomic
def message_edit(
    *, organization: Organization, message: Message, actor: User, body: str
) -> Message:
    locked = (
        Message.objects.for_org(organization)
        .select_for_update()
        .select_related("mentorship", "author")
        .filter(pk=message.pk)
        .first()
    )
    if locked is None:
        raise DomainError(_("No such message."), code="not_found")
    message = locked
    message_ensure_editable(message=message, actor=actor)
    message.body = _body(body)
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "edited_at"])
    return message


def _read_until(
    organization: Organization, mentorship: Mentorship, member: Participant, moment: dt.datetime
) -> None:
    read, created = ThreadRead.objects.for_org(organization).get_or_create(
        organization=organization,
        mentorship=mentorship,
        participant=member,
        defaults={"read_until": moment},
    )
    if not created and read.read_until < moment:
        # Only forward: an older page marking read must not bring messages back as unread.
        ThreadRead.objects.for_org(organization).filter(pk=read.pk, read_until__lt=moment).update(
            read_until=moment
        )


@transaction.atomic
def thread_mark_read(
    *,
    organization: Organization,
    mentorship: Mentorship,
    actor: User,
    until: dt.datetime | None = None,
) -> None:
    """The member has seen the thread up to `until` (default: now)."""
    member = selectors.mentorship_member(
        organization=organization, mentorship=mentorship, user=actor
    )
    _read_until(organization, mentorship, member, until or timezone.now())
