"""The daily digest of unread messages: once a day, each person gets one email listing the
messages they have not read, an hour old or more, that no earlier digest listed.

Once per person and local day: the email's idempotency key is `digest:<their date>:<user id>`,
claimed before it is sent, so two scans (beat firing twice, a redelivered task, two workers)
send it once. People who turned the "messages" kind off get nothing. The email is in the
person's language and its times in their zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mentorships.models import Message, ThreadRead
from mentorships.selectors import members_by_mentorship
from notifications.models import EmailKind, SentEmail
from notifications.services import email_send
from organizations.models import Organization

# A message gets an hour to be read in the app before it goes into a digest.
GRACE = dt.timedelta(hours=1)
# A digest reaches back at most this far: older unread messages are for the page, not email.
LOOKBACK = dt.timedelta(days=7)
# Nobody gets the day's digest before this local hour.
NOT_BEFORE_HOUR = 7
# Messages shown per thread in the email; the rest are counted.
SHOWN = 5
KEY_PREFIX = "digest:"


@dataclass
class _Recipient:
    user_id: int
    email: str
    language: str
    time_zone: str
    # mentorship id -> its unread messages, oldest first
    threads: dict[int, list[Message]] = field(default_factory=dict)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def digest_key(user_id: int, day: dt.date) -> str:
    return f"{KEY_PREFIX}{day.isoformat()}:{user_id}"


def _last_digests(organization: Organization, since: dt.datetime) -> dict[int, dt.datetime]:
    """When each person's latest digest went out."""
    last: dict[int, dt.datetime] = {}
    for key, sent_at in (
        SentEmail.objects.for_org(organization)
        .filter(idempotency_key__startswith=KEY_PREFIX, created_at__gte=since)
        .values_list("idempotency_key", "created_at")
    ):
        user_id = int(key.rsplit(":", 1)[1])
        if user_id not in last or last[user_id] < sent_at:
            last[user_id] = sent_at
    return last


def _recipients(organization: Organization, now: dt.datetime) -> list[_Recipient]:
    cutoff = now - GRACE
    messages = list(
        Message.objects.for_org(organization)
        .filter(created_at__lte=cutoff, created_at__gt=now - LOOKBACK)
        .select_related("author")
        .order_by("created_at", "id")
    )
    if not messages:
        return []
    mentorship_ids = {m.mentorship_id for m in messages}
    members = members_by_mentorship(organization=organization, mentorship_ids=mentorship_ids)
    read_until = {
        (row["mentorship_id"], row["participant_id"]): row["read_until"]
        for row in ThreadRead.objects.for_org(organization)
        .filter(mentorship_id__in=mentorship_ids)
        .values("mentorship_id", "participant_id", "read_until")
    }
    # A message listed in an earlier digest was at least GRACE old when that digest went out.
    digested_until = {
        user_id: sent_at - GRACE
        for user_id, sent_at in _last_digests(organization, now - LOOKBACK - GRACE).items()
    }
    recipients: dict[int, _Recipient] = {}
    for message in messages:
        for person in members.get(message.mentorship_id, []):
            user_id = person["user_id"]
            if user_id is None or person["id"] == message.author_id:
                continue
            if message.author.user_id == user_id:
                continue
            seen = read_until.get((message.mentorship_id, person["id"]))
            if seen is not None and message.created_at <= seen:
                continue
            if user_id in digested_until and message.created_at <= digested_until[user_id]:
                continue
            recipient = recipients.setdefault(
                user_id,
                _Recipient(
                    user_id=user_id,
                    email=person["email"],
                    language=person["user__language"] or "",
                    time_zone=person["time_zone"] or "UTC",
                ),
            )
            recipient.threads.setdefault(message.mentorship_id, []).append(message)
    return list(recipients.values())


def message_digests_send(
    *,
    organization: Organization,
    now: dt.datetime | None = None,
    not_before_hour: int = NOT_BEFORE_HOUR,
) -> int:
    """Send today's digests that are due; returns how many emails went out."""
    now = now or timezone.now()
    sent = 0
    for recipient in _recipients(organization, now):
        zone = _zone(recipient.time_zone)
        local = now.astimezone(zone)
        if local.hour < not_before_hour:
            continue
        threads = []
        for mentorship_id, unread in recipient.threads.items():
            threads.append(
                {
                    "url": reverse("mentorships:messages", args=[organization.slug, mentorship_id]),
                    "count": len(unread),
                    "more": max(0, len(unread) - SHOWN),
                    "messages": [
                        {
                            "author": m.author.full_name,
                            "at": m.created_at,
                            "excerpt": " ".join(m.body.split())[:280],
                        }
                        for m in unread[-SHOWN:]
                    ],
                }
            )
        with transaction.atomic():
            if email_send(
                organization=organization,
                to=recipient.email,
                template="message_digest",
                context={
                    "organization_name": organization.name,
                    "threads": threads,
                    "total": sum(t["count"] for t in threads),
                    "time_zone": str(zone),
                    "site_url": settings.SITE_URL,
                },
                idempotency_key=digest_key(recipient.user_id, local.date()),
                language=recipient.language or None,
                kind=EmailKind.MESSAGES,
                user_id=recipient.user_id,
            ):
                sent += 1
    return sent
