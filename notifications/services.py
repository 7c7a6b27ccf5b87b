"""The one place that sends email."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Q
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from core.memory import gc_paused
from notifications.models import EmailKind, EmailPreference, Notification, SentEmail

if TYPE_CHECKING:
    from organizations.models import Organization


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def emails_turned_off(
    *,
    organization: Organization,
    kind: str,
    emails: Iterable[str] = (),
    user_ids: Iterable[int | None] = (),
) -> tuple[set[str], set[int]]:
    """Who turned this kind of email off, in one query: (their account addresses, their user
    ids). A person is matched by account or by address, since a participant's address may
    differ from their account's."""
    emails, user_ids = set(emails), {pk for pk in user_ids if pk is not None}
    if not emails and not user_ids:
        return set(), set()
    rows = (
        EmailPreference.objects.for_org(organization)
        .filter(kind=kind, enabled=False)
        .filter(Q(user__email__in=emails) | Q(user_id__in=user_ids))
        .values_list("user__email", "user_id")
    )
    off_emails, off_ids = set(), set()
    for email, user_id in rows:
        off_emails.add(email)
        off_ids.add(user_id)
    return off_emails, off_ids


def email_send(
    *,
    organization: Organization,
    to: str,
    template: str,
    context: dict[str, Any],
    idempotency_key: str,
    language: str | None = None,
    attachments: Sequence[Attachment] = (),
    kind: str | None = None,
    user_id: int | None = None,
) -> bool:
    """Render `notifications/email/<template>_{subject,body}.txt` and send it once per key.

    `kind` (an `EmailKind`) lets the recipient turn such emails off; None is for emails nobody
    may turn off (sign-in, invitations). Returns False when an email with this key was already
    sent for the organization, or the recipient turned this kind off.
    """
    if kind is not None:
        off_emails, off_ids = emails_turned_off(
            organization=organization, kind=kind, emails=[to], user_ids=[user_id]
        )
        if to in off_emails or user_id in off_ids:
            return False
    if kind is not None and user_id is not None:
        context = {**context, "unsubscribe_url": unsubscribe_url(organization, user_id, kind)}
    with translation.override(language or translation.get_language()):
        subject: str = render_to_string(f"notifications/email/{template}_subject.txt", context)
        body = render_to_string(f"notifications/email/{template}_body.txt", context)
    subject = " ".join(subject.split())
    try:
        with transaction.atomic():
            SentEmail.objects.create(
                organization=organization,
                idempotency_key=idempotency_key,
                recipient=to,
                subject=subject[:300],
            )
    except IntegrityError:
        return False
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    # Sent after the claim row commits with the caller's transaction; a failure to send rolls
    # the claim back with it, so a retry sends again.
    message.send()
    return True


def notify(
    *,
    organization: Organization,
    email: str,
    user: User | None,
    template: str,
    context: dict[str, Any],
    text: str,
    url: str,
    idempotency_key: str,
    attachments: Sequence[Attachment] = (),
    kind: str | None = None,
) -> None:
    """In-app notice (for people with an account) and email, each at most once per key. The
    notice always comes; the email only if the person has not turned `kind` off."""
    language = (user.language if user else "") or None
    if user is not None:
        Notification.objects.for_org(organization).get_or_create(
            organization=organization,
            user=user,
            idempotency_key=idempotency_key,
            defaults={"text": text[:300], "url": url},
        )
    email_send(
        organization=organization,
        to=email,
        template=template,
        context=context,
        idempotency_key=idempotency_key,
        language=language,
        attachments=attachments,
        kind=kind,
        user_id=user.pk if user else None,
    )


@dataclass(frozen=True)
class Outgoing:
    """One person's email and, when they have an account, their in-app notice."""

    idempotency_key: str
    email: str
    user_id: int | None
    # The person's language; empty for the default.
    language: str
    context: dict[str, Any]
    text: str
    url: str
    # Items with the same key and language share one rendered subject (when the subject
    # depends on less than the whole context); None renders it for each item.
    subject_key: Any = None


# People per transaction. Their claim rows stay locked until the batch's emails are out, and
# an email server failing mid-batch rolls the batch's claims back, so a retry resends at most
# this many. 1,000 people take about a quarter of a second to render, claim and send.
SEND_BATCH = 1000


def notices_send(
    *,
    organization: Organization,
    template: str,
    outgoing: Iterable[Outgoing],
    kind: str | None = None,
) -> int:
    """Each person's email and in-app notice, at most once per idempotency key, in bulk.

    `template` names `notifications/email/<template>_{subject,body}.txt`. The templates are
    compiled once, rendered per language group, claimed in one INSERT … ON CONFLICT DO NOTHING
    RETURNING per batch (only rows this call inserted come back, so two workers running the
    same fan-out never both send one key: the second waits on the first's uncommitted rows,
    then finds them taken) and sent over one email connection. Returns the emails sent.
    """
    subject_template = get_template(f"notifications/email/{template}_subject.txt")
    body_template = get_template(f"notifications/email/{template}_body.txt")
    default_language = translation.get_language()
    sent = 0
    email_connection = get_connection()
    with email_connection, gc_paused():
        for batch in _batches(outgoing, SEND_BATCH):
            with transaction.atomic():
                sent += _send_batch(
                    organization,
                    batch,
                    subject_template=subject_template,
                    body_template=body_template,
                    default_language=default_language,
                    email_connection=email_connection,
                    kind=kind,
                )
    return sent


def _batches(items: Iterable[Outgoing], size: int) -> Iterator[list[Outgoing]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _by_language(items: list[Outgoing], default: str) -> dict[str, list[Outgoing]]:
    groups: dict[str, list[Outgoing]] = {}
    for item in items:
        groups.setdefault(item.language or default, []).append(item)
    return groups


def _send_batch(
    organization: Organization,
    batch: list[Outgoing],
    *,
    subject_template,
    body_template,
    default_language: str,
    email_connection,
    kind: str | None = None,
) -> int:
    # The same key twice in one batch is one message.
    unique = list({item.idempotency_key: item for item in reversed(batch)}.values())
    unique.reverse()
    Notification.objects.for_org(organization).bulk_create(
        [
            Notification(
                organization=organization,
                user_id=item.user_id,
                idempotency_key=item.idempotency_key,
                text=item.text[:300],
                url=item.url,
            )
            for item in unique
            if item.user_id is not None
        ],
        ignore_conflicts=True,
    )
    if kind is not None:
        # In-app notices above reach everyone; emails skip those who turned the kind off.
        off_emails, off_ids = emails_turned_off(
            organization=organization,
            kind=kind,
            emails=[i.email for i in unique],
            user_ids=[i.user_id for i in unique],
        )
        unique = [i for i in unique if i.email not in off_emails and i.user_id not in off_ids]
    groups = _by_language(unique, default_language)
    subjects: dict[str, str] = {}
    for language, items in groups.items():
        shared: dict[Any, str] = {}
        with translation.override(language):
            for item in items:
                subject = shared.get(item.subject_key) if item.subject_key is not None else None
                if subject is None:
                    subject = " ".join(subject_template.render(item.context).split())
                    if item.subject_key is not None:
                        shared[item.subject_key] = subject
                subjects[item.idempotency_key] = subject
    claimed = _claim(
        organization, [(i.idempotency_key, i.email, subjects[i.idempotency_key]) for i in unique]
    )
    if not claimed:
        return 0
    messages = []
    for language, items in groups.items():
        with translation.override(language):
            for item in items:
                if item.idempotency_key in claimed:
                    context = item.context
                    if kind is not None and item.user_id is not None:
                        link = unsubscribe_url(organization, item.user_id, kind)
                        context = {**context, "unsubscribe_url": link}
                    body = body_template.render(context)
                    subject = subjects[item.idempotency_key]
                    messages.append(
                        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [item.email])
                    )
    # Sent before the claims commit: a failure rolls them back, so a retry sends again.
    email_connection.send_messages(messages)
    return len(messages)


def _claim(organization: Organization, rows: list[tuple[str, str, str]]) -> set[str]:
    """Insert send records for (key, recipient, subject); the keys this call inserted.

    ON CONFLICT DO NOTHING RETURNING answers only for new rows, which bulk_create cannot say
    (with ignore_conflicts it returns no ids). PostgreSQL and SQLite 3.35+ both accept it.
    """
    if not rows:
        return set()
    quote = connection.ops.quote_name
    table = quote(SentEmail._meta.db_table)
    columns = ", ".join(
        _quoted_column(name)
        for name in ("organization", "idempotency_key", "recipient", "subject", "created_at")
    )
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params: list[Any] = []
    for key, recipient, subject in rows:
        params += [organization.pk, key, recipient, subject[:300], now]
    key_column = _quoted_column("idempotency_key")
    organization_column = _quoted_column("organization")
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608 — names from the model
        f"ON CONFLICT ({organization_column}, {key_column}) DO NOTHING RETURNING {key_column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _quoted_column(name: str) -> str:
    field = SentEmail._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return connection.ops.quote_name(field.column)


def notifications_mark_read(*, organization: Organization, user: User) -> int:
    return (
        Notification.objects.for_org(organization)
        .filter(user=user, read_at__isnull=True)
        .update(read_at=timezone.now())
    )


# --- Email preferences and the one-click unsubscribe -------------------------------------------

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    """What a signed unsubscribe link names: one kind of email, one person, one organization."""

    organization_id: int
    user_id: int
    kind: str


def unsubscribe_token(organization: Organization, user_id: int, kind: str) -> str:
    """Signed, not encrypted: it names ids and a kind, nothing private. It does not expire, as
    an old email's link should still work; all it can do is turn that one kind off."""
    return signing.dumps([organization.pk, user_id, kind], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(organization: Organization, user_id: int, kind: str) -> str:
    token = unsubscribe_token(organization, user_id, kind)
    return settings.SITE_URL + reverse("unsubscribe", args=[token])


def unsubscribe_read(token: str) -> Unsubscribe | None:
    """The link's content, or None when it was not signed by us (or was altered)."""
    try:
        organization_id, user_id, kind = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if kind not in EmailKind.values:
        return None
    return Unsubscribe(organization_id=int(organization_id), user_id=int(user_id), kind=kind)


def email_preference_set(
    *, organization: Organization, user: User, kind: str, enabled: bool
) -> EmailPreference:
    """Turn one kind of email on or off for the person in this organization."""
    if kind not in EmailKind.values:
        raise DomainError(_("Unknown kind of email."), field="kind", code="invalid")
    preference, _created = EmailPreference.objects.for_org(organization).update_or_create(
        organization=organization, user=user, kind=kind, defaults={"enabled": enabled}
    )
    return preference
