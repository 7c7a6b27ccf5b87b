"""The one place that sends email."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import re
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from email.message import Message
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate, make_msgid
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import SafeMIMEText, forbid_multi_line_headers
from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Model, Q
from django.template.backends.django import Template as BackendTemplate
from django.template.base import TextNode
from django.template.defaulttags import AutoEscapeControlNode, CommentNode, LoadNode
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.html import conditional_escape
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
    # Items of one call with the same key and language share one rendered subject (when the
    # subject depends on less than the whole context); None renders it for each item.
    subject_key: Any = None
    # Context keys the templates only print or test for truth (names, an agenda, a datetime
    # shown through one of Django's date formats): items alike in language and every other
    # key share one render of each template, with these filled in per person. Empty renders
    # each item on its own.
    fill_in: frozenset[str] = frozenset()


# People per transaction. Their claim rows stay locked until the batch's emails are out, and
# an email server failing mid-batch rolls the batch's claims back, so a retry resends at most
# this many. 1,000 people take about 0.1 s of CPU to claim, render (shared renders) and send.
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
    compiled once, rendered once per group of alike items (see `Outgoing.fill_in`), claimed in
    one INSERT … ON CONFLICT DO NOTHING RETURNING per batch (only rows this call inserted come
    back, so two workers running the same fan-out never both send one key: the second waits on
    the first's uncommitted rows, then finds them taken) and sent over one email connection,
    handed over in one call as the batch's last step before it commits. Returns the emails
    sent.
    """
    subject_template = _django_template(f"notifications/email/{template}_subject.txt")
    body_template = _django_template(f"notifications/email/{template}_body.txt")
    default_language = translation.get_language()
    sent = 0
    # Subjects by (language, subject key), kept across batches: a scan's start times repeat.
    subjects_shared: dict[tuple[str, Any], str] = {}
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
                    subjects_shared=subjects_shared,
                )
    return sent


def _django_template(name: str) -> BackendTemplate:
    template = get_template(name)
    # Shared renders read the Django engine's compiled template; emails use no other engine.
    assert isinstance(template, BackendTemplate)
    return template


def _batches(items: Iterable[Outgoing], size: int) -> Iterator[list[Outgoing]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _send_batch(
    organization: Organization,
    batch: list[Outgoing],
    *,
    subject_template: BackendTemplate,
    body_template: BackendTemplate,
    default_language: str,
    email_connection: BaseEmailBackend,
    kind: str | None = None,
    subjects_shared: dict[tuple[str, Any], str] | None = None,
) -> int:
    # The same key twice in one batch is one message.
    unique = list({item.idempotency_key: item for item in reversed(batch)}.values())
    unique.reverse()
    _notices_insert(organization, unique)
    links: dict[int | None, str] = {}
    if kind is not None:
        # In-app notices above reach everyone; emails skip those who turned the kind off.
        off_emails, off_ids = emails_turned_off(
            organization=organization,
            kind=kind,
            emails=[i.email for i in unique],
            user_ids=[i.user_id for i in unique],
        )
        unique = [i for i in unique if i.email not in off_emails and i.user_id not in off_ids]
        links = _unsubscribe_links(organization, {i.user_id for i in unique}, kind)
    # Each item's context as rendered (with its unsubscribe link) and its group of alike
    # items (for its subject and its body), by language; a dict merge rather than
    # dataclasses.replace, which costs more than the rest of an item's preparation.
    groups: dict[str, list[_Prepared]] = {}
    for item in unique:
        context, fill_in = item.context, item.fill_in
        link = links.get(item.user_id) if item.user_id is not None else None
        if link is not None:
            context = {**context, "unsubscribe_url": link}
            if fill_in:
                fill_in = fill_in | _UNSUBSCRIBE_FILLED
        group = _context_group(context, fill_in) if fill_in else None
        prepared = _Prepared(item, context, fill_in, group)
        groups.setdefault(item.language or default_language, []).append(prepared)
    subjects: dict[str, str] = {}
    shared = {} if subjects_shared is None else subjects_shared
    for language, prepared_items in groups.items():
        with translation.override(language):
            for prepared in prepared_items:
                item = prepared.item
                key = (language, item.subject_key)
                subject = shared.get(key) if item.subject_key is not None else None
                if subject is None:
                    rendered = _render_context(
                        subject_template,
                        language,
                        prepared.context,
                        prepared.fill_in,
                        prepared.group,
                    )
                    subject = " ".join(rendered.split())
                    if item.subject_key is not None:
                        shared[key] = subject
                subjects[item.idempotency_key] = subject
    claimed = _claim(
        organization,
        [
            (p.item.idempotency_key, p.item.email, subjects[p.item.idempotency_key])
            for prepared_items in groups.values()
            for p in prepared_items
        ],
    )
    if not claimed:
        return 0
    headers = _HeaderCache()
    from_email, organization_id = settings.DEFAULT_FROM_EMAIL, organization.pk
    messages = []
    for language, prepared_items in groups.items():
        with translation.override(language):
            for prepared in prepared_items:
                item = prepared.item
                if item.idempotency_key in claimed:
                    messages.append(
                        _BatchEmail(
                            subjects[item.idempotency_key],
                            _render_context(
                                body_template,
                                language,
                                prepared.context,
                                prepared.fill_in,
                                prepared.group,
                            ),
                            from_email,
                            [item.email],
                            headers={"Message-ID": _message_id(organization_id, item)},
                            header_cache=headers,
                        )
                    )
    # Handed over last, just before the claims commit: a failure rolls them back, so a retry
    # sends again; a worker lost before this line leaves nothing sent and nothing claimed.
    email_connection.send_messages(messages)
    return len(messages)


_UNSUBSCRIBE_FILLED = frozenset({"unsubscribe_url"})


class _Prepared(NamedTuple):
    """An item of a batch as it is rendered: its context with the unsubscribe link, and its
    group of alike items (None renders it on its own)."""

    item: Outgoing
    context: dict[str, Any]
    fill_in: frozenset[str]
    group: tuple | None


def _notices_insert(organization: Organization, items: list[Outgoing]) -> None:
    """The in-app notices of those with an account, each once per person and key (a repeat is
    left as it was). One INSERT … ON CONFLICT DO NOTHING: bulk_create builds a model instance
    per row, most of the cost at a thousand rows."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    organization_id = organization.pk
    rows = [
        (organization_id, item.user_id, item.idempotency_key, item.text[:300], item.url, now)
        for item in items
        if item.user_id is not None
    ]
    _insert_new(
        Notification,
        ("organization", "user", "idempotency_key", "text", "url", "created_at"),
        rows,
        unique=("organization", "user", "idempotency_key"),
    )


def _unsubscribe_links(
    organization: Organization, user_ids: set[int | None], kind: str
) -> dict[int | None, str]:
    """`unsubscribe_url` for many people, the URL reversed once: only the token differs."""
    placeholder = "token"
    prefix, suffix = (settings.SITE_URL + reverse("unsubscribe", args=[placeholder])).split(
        placeholder
    )
    signer = _ManySigner(salt=UNSUBSCRIBE_SALT)
    organization_id = organization.pk
    return {
        user_id: f"{prefix}{signer.sign_object([organization_id, user_id, kind], compress=True)}"
        f"{suffix}"
        for user_id in user_ids
        if user_id is not None
    }


class _ManySigner(signing.TimestampSigner):
    """The signer of `signing.dumps`, for many values: the HMAC keyed once (its key derived
    from the salt and the secret, which `salted_hmac` does again for every value) and copied
    per value. The same signatures: an HMAC fed the value after its key is the HMAC of it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Signer.signature's key salt, as it builds it (the salt is a str here).
        key_salt = f"{self.salt!s}signer"
        self._keyed = salted_hmac(key_salt, b"", self.key, algorithm=self.algorithm)

    def signature(self, value: str | bytes, key: str | bytes | None = None) -> str:
        if key is not None:
            return super().signature(value, key)
        keyed = self._keyed.copy()
        keyed.update(force_bytes(value))
        return signing.b64_encode(keyed.digest()).decode()


def _message_id(organization_id: int, item: Outgoing) -> str:
    """The same Message-ID for the same key, so an email handed over again after a lost worker
    is recognisably the same email to the mail systems that receive it."""
    key = _NOT_IN_MESSAGE_ID.sub(".", item.idempotency_key)
    return f"<{key}.{organization_id}@{DNS_NAME}>"


# What a Message-ID's key keeps: letters and digits (str.isalnum's, which \w matches with
# the underscore), "-" and "_"; anything else becomes ".".
_NOT_IN_MESSAGE_ID = re.compile(r"[^\w-]")


# --- Shared renders ---------------------------------------------------------------------------
#
# A reminder scan sends hundreds of thousands of emails from a few templates, and the Django
# template engine takes about 0.2 ms a render. Items alike in language and in every context
# value but their `fill_in` keys render to the same text with those values in the same places,
# so each template renders once per such group (a "form": literal text with slots) and each
# email is the form with its own values filled in, escaped as the template would. A form is
# checked when it is made: filled in with the first item's values and with probe values it
# must equal the template's own render of them, or the group renders each item on its own.

# Django's date formats a datetime may be shown through, tried longest output first.
_DATE_FORMATS = (
    "DATETIME_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "DATE_FORMAT",
    "SHORT_DATE_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
)
_TIME_FORMATS = ("TIME_FORMAT",)
_SLOT = "\x00"
# The probe: a value unlike any real one, with the characters autoescaping changes.
_PROBE_TEXT = "<probe & 'value'>"
_PROBE_SHIFT = dt.timedelta(days=33, hours=5, minutes=17)


@dataclass(frozen=True)
class _Slot:
    key: str
    # "text", or the formatter and Django format name of a datetime.
    how: str = "text"
    format_name: str = ""


@dataclass(frozen=True)
class _Form:
    parts: tuple[str | _Slot, ...]
    autoescape: bool

    def fill(self, context: dict[str, Any], language: str | None = None) -> str:
        """The form with the context's values in its slots; `language` is the active one
        (looked up when not given), which keys the formatted datetimes."""
        if language is None:
            language = translation.get_language()
        out = []
        for text, slot, formatter in self._steps:
            if slot is None:
                out.append(text)
                continue
            value = context[slot.key]
            if formatter is not None:
                value = _formatted_in(language, formatter, value, slot.format_name)
            out.append(_escaped(value) if self.autoescape else str(value))
        return "".join(out)

    @functools.cached_property
    def _steps(self) -> tuple[tuple[str, _Slot | None, Callable[[Any, str], str] | None], ...]:
        """The parts as (literal text, or a slot and its datetime formatter), read once."""
        steps: list[tuple[str, _Slot | None, Callable[[Any, str], str] | None]] = []
        for part in self.parts:
            if isinstance(part, str):
                steps.append((part, None, None))
            else:
                steps.append(("", part, _SLOT_FORMATTERS.get(part.how)))
        return tuple(steps)


_SLOT_FORMATTERS: dict[str, Callable[[Any, str], str]] = {
    "date": formats.date_format,
    "time": formats.time_format,
}


# What HTML escaping changes (django.utils.html.escape); text without them escapes to itself.
_ESCAPED_CHARACTERS = frozenset("<>&'\"")


def _escaped(value: Any) -> str:
    """conditional_escape(value) as text; a plain string with nothing to escape is returned
    as it is (names and agendas mostly have nothing to escape, and escaping costs more than
    the rest of a fill)."""
    if type(value) is str and _ESCAPED_CHARACTERS.isdisjoint(value):
        return value
    return str(conditional_escape(value))


# Per compiled template: the forms made so far, by (language, group key); None when a group's
# items render each on their own. Bounded, as group keys hold context values.
_forms: weakref.WeakKeyDictionary[Any, dict[tuple, _Form | None]] = weakref.WeakKeyDictionary()
_FORMS_PER_TEMPLATE = 5000
# Formatted datetimes by (formatter, format, language, value): a scan's people share a few
# hundred start times. Cleared when it grows, as forms are.
_formatted_cache: dict[tuple, str] = {}


def formatted_datetime(value: dt.datetime, format_name: str = "DATETIME_FORMAT") -> str:
    """`date_format(value, format_name)` in the active language, remembered: bulk senders
    show the same few start times to thousands of people."""
    return _formatted(formats.date_format, value, format_name)


def _formatted(formatter: Callable[[Any, str], str], value: dt.datetime, format_name: str) -> str:
    return _formatted_in(translation.get_language(), formatter, value, format_name)


def _formatted_in(
    language: str, formatter: Callable[[Any, str], str], value: dt.datetime, format_name: str
) -> str:
    """`_formatted` with the active language given by a caller that knows it (a bulk render
    would otherwise ask for it once per value)."""
    key = (formatter, format_name, language, value, value.tzinfo)
    text = _formatted_cache.get(key)
    if text is None:
        if len(_formatted_cache) > 100_000:
            _formatted_cache.clear()
        text = _formatted_cache[key] = formatter(value, format_name)
    return text


def _render(template: BackendTemplate, language: str, item: Outgoing) -> str:
    """The template rendered with the item's context, through the group's form when it has
    one; the caller has activated `language`."""
    group = _context_group(item.context, item.fill_in) if item.fill_in else None
    return _render_context(template, language, item.context, item.fill_in, group)


def _render_context(
    template: BackendTemplate,
    language: str,
    context: dict[str, Any],
    fill_in: frozenset[str],
    group: tuple | None,
) -> str:
    """`_render` of a context whose `_context_group` the caller computed (once for the
    subject and the body); None renders it on its own."""
    if group is None:
        return template.render(context)
    forms = _forms.setdefault(template.template, {})
    key = (language, group)
    try:
        form = forms[key]
    except KeyError:
        if len(forms) >= _FORMS_PER_TEMPLATE:
            forms.clear()
        form = forms[key] = _form_make(template, context, fill_in)
    except TypeError:
        # A value that cannot be hashed: no group to share.
        return template.render(context)
    return form.fill(context, language) if form is not None else template.render(context)


def _context_group(context: dict[str, Any], fill_in: frozenset[str]) -> tuple | None:
    """What contexts sharing a form must have in common: every value but the filled-in ones,
    and whether each of those is set (templates test them with {% if %}) and its type; None
    when a filled-in value is of a kind a form cannot take. In the context's own order:
    contexts built alike share a group, others only make a form more."""
    key: list[tuple[Any, ...]] = []
    for name, value in context.items():
        if name in fill_in:
            kind = type(value)
            if kind is not str and value is not None and not isinstance(value, dt.datetime):
                return None
            key.append((name, kind, not value))
        else:
            key.append((name, value))
    return tuple(key)


def _form_make(
    template: BackendTemplate, context: dict[str, Any], fill_in: frozenset[str]
) -> _Form | None:
    """The template's form for contexts like `context`, or None when it does not reproduce
    the template's own render (a filled-in value is filtered or compared, not only printed)."""
    marked = dict(context)
    text_slots: dict[str, _Slot] = {}
    for name in fill_in:
        value = context[name]
        if isinstance(value, str) and value:
            marker = f"{_SLOT}{len(text_slots)}{_SLOT}"
            marked[name] = marker
            text_slots[marker] = _Slot(name)
    rendered = template.render(marked)
    # Datetimes keep their real value: their formatted text is then found and marked.
    date_slots: dict[str, _Slot] = {}
    found: list[tuple[str, _Slot]] = []
    for name in fill_in:
        value = context[name]
        if isinstance(value, dt.datetime):
            found += [
                (formats.date_format(value, f), _Slot(name, "date", f)) for f in _DATE_FORMATS
            ]
            found += [
                (formats.time_format(value, f), _Slot(name, "time", f)) for f in _TIME_FORMATS
            ]
    autoescape = _escapes(template)
    for text, slot in sorted(found, key=lambda pair: -len(pair[0])):
        shown = str(conditional_escape(text)) if autoescape else text
        if shown and shown in rendered:
            marker = f"{_SLOT}d{len(date_slots)}{_SLOT}"
            rendered = rendered.replace(shown, marker)
            date_slots[marker] = slot
    slots = text_slots | date_slots
    parts: list[str | _Slot] = []
    for index, piece in enumerate(rendered.split(_SLOT)):
        if index % 2 == 0:
            parts.append(piece)
        else:
            filled = slots.get(f"{_SLOT}{piece}{_SLOT}")
            if filled is None:
                return None
            parts.append(filled)
    form = _Form(tuple(parts), autoescape)
    probe = {
        name: _probe_value(value) if name in fill_in else value for name, value in context.items()
    }
    for example in (context, probe):
        if form.fill(example) != template.render(example):
            return None
    return form


def _escapes(template: BackendTemplate) -> bool:
    """Whether what the template prints is HTML-escaped: the engine's setting, unless the
    template turns escaping off around all it prints, as the plain-text emails do
    (`{% load … %}{% autoescape off %}…{% endautoescape %}`)."""
    printing = [
        node
        for node in template.template.nodelist
        if not isinstance(node, LoadNode | CommentNode)
        and not (isinstance(node, TextNode) and not node.s.strip())
    ]
    if len(printing) == 1 and isinstance(printing[0], AutoEscapeControlNode):
        return bool(printing[0].setting)
    return bool(template.backend.engine.autoescape)


def _probe_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) + _PROBE_SHIFT).astimezone(value.tzinfo)
    if isinstance(value, str) and value:
        return _PROBE_TEXT
    return value


# --- Messages built cheaply ---------------------------------------------------------------


# Encoded Subject and From values by (name, value, charset), kept across batches: a scan's
# subjects repeat per language, zone, kind and start time. Cleared when it grows.
_encoded_headers: dict[tuple[str, str, str], str] = {}
# Body parts by (subtype, charset, ASCII or not): a message's body part is a copy of one.
_body_prototypes: dict[tuple[str, str, bool], SafeMIMEText] = {}
# RFC 2047: an encoded word is at most 75 characters; 45 bytes make 60 base64 characters,
# which with "=?utf-8?b?" and "?=" make 72.
_ENCODED_WORD_BYTES = 45
# RFC 5322's line limit, past which Django encodes the body quoted-printable.
_LINE_LIMIT = 998


class _HeaderCache:
    """What a batch's messages share: the Date, and the encoded header values. Messages
    copied share it, as they share their immutable strings."""

    def __init__(self) -> None:
        self.date = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
        self.charset = settings.DEFAULT_CHARSET

    def __deepcopy__(self, memo: dict) -> _HeaderCache:
        return self

    def encoded(self, name: str, value: str, encoding: str) -> str:
        """What SafeMIMEText.__setitem__ would store (newlines refused, non-ASCII encoded),
        for the repeating headers remembered."""
        if name not in ("Subject", "From"):
            if value.isascii() and "\n" not in value and "\r" not in value:
                # What forbid_multi_line_headers returns for an ASCII value but a subject.
                return value
            return forbid_multi_line_headers(name, value, encoding)[1]
        key = (name, value, encoding)
        text = _encoded_headers.get(key)
        if text is None:
            if len(_encoded_headers) > 100_000:
                _encoded_headers.clear()
            text = _encoded_headers[key] = _header_encoded(name, value, encoding)
        return text


def _header_encoded(name: str, value: str, encoding: str) -> str:
    """A non-ASCII subject as base64 encoded words split at character boundaries, which any
    mail reader decodes to the same text as email.header's shortest split (that one searches
    character by character, a millisecond a subject); everything else as Django encodes it."""
    if name != "Subject" or value.isascii() or encoding.lower() not in ("utf-8", "utf8"):
        return forbid_multi_line_headers(name, value, encoding)[1]
    if "\n" in value or "\r" in value:
        return forbid_multi_line_headers(name, value, encoding)[1]  # refused there
    words, chunk = [], b""
    for character in value:
        encoded = character.encode("utf-8")
        if len(chunk) + len(encoded) > _ENCODED_WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words)


def _body_part(body: str, subtype: str, encoding: str) -> SafeMIMEText:
    """SafeMIMEText(body, subtype, encoding), copied from a part built once: its headers
    (type, MIME version, 7bit or 8bit) depend only on whether the body is ASCII."""
    # No line is longer than the whole body: most bodies are shorter than the limit.
    long_lines = len(body.encode(errors="surrogateescape")) > _LINE_LIMIT and any(
        len(line.encode(errors="surrogateescape")) > _LINE_LIMIT for line in body.splitlines()
    )
    if encoding != "utf-8" or long_lines:
        return SafeMIMEText(body, subtype, encoding)
    ascii_only = body.isascii()
    key = (subtype, encoding, ascii_only)
    prototype = _body_prototypes.get(key)
    if prototype is None:
        prototype = _body_prototypes[key] = SafeMIMEText(body, subtype, encoding)
    # email.message.Message's own attributes, set as set_payload() sets them (set_payload
    # would also redo the Content-Type parameters, most of a part's cost); the stubs hide them.
    part = _shallow_copy(prototype)
    part._headers = list(prototype._headers)  # type: ignore[attr-defined]
    part.defects = []
    # What set_payload keeps of a text encoded 8bit: its UTF-8 bytes, as surrogates.
    payload = body if ascii_only else body.encode().decode("ascii", "surrogateescape")
    part._payload = payload  # type: ignore[attr-defined]
    return part


class _BatchEmail(EmailMessage):
    """A plain-text EmailMessage of a batch: the same MIME message Django builds (the body,
    then Subject, From, To, Date, Message-ID and extra headers), with header values
    encoded once per batch and the batch's Date, and copied without deep-copying strings."""

    def __init__(self, *args: Any, header_cache: _HeaderCache, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_cache = header_cache

    def message(self) -> Message:  # type: ignore[override]  # the stubs follow Django 6
        if self.attachments:
            return super().message()
        encoding = self.encoding or self.header_cache.charset
        msg = _body_part(str(self.body), self.content_subtype, encoding)
        cache = self.header_cache
        extra = self.extra_headers
        if len(extra) == 1 and "Message-ID" in extra and self.to and not (self.cc or self.reply_to):
            # A batch's email: what the general case below gives it, without its lookups.
            return self._with_headers(
                msg,
                [
                    ("Subject", self.subject),
                    ("From", self.from_email),
                    ("To", ", ".join(str(v) for v in self.to)),
                    ("Date", cache.date),
                    ("Message-ID", extra["Message-ID"]),
                ],
                encoding,
            )
        headers = [("Subject", self.subject), ("From", extra.get("From", self.from_email))]
        for name, values in (("To", self.to), ("Cc", self.cc), ("Reply-To", self.reply_to)):
            if name in extra:
                headers.append((name, extra[name]))
            elif values:
                headers.append((name, ", ".join(str(v) for v in values)))
        names = {name.lower() for name in extra}
        if "date" not in names:
            headers.append(("Date", cache.date))
        if "message-id" not in names:
            headers.append(("Message-ID", make_msgid(domain=DNS_NAME)))
        headers += [
            (name, value)
            for name, value in extra.items()
            if name.lower() not in {"from", "to", "cc", "reply-to"}
        ]
        return self._with_headers(msg, headers, encoding)

    def _with_headers(self, msg: Message, headers: list[tuple[str, Any]], encoding: str) -> Message:
        # The checks of SafeMIMEText.__setitem__ (no newlines, encoded words), cached.
        cache = self.header_cache
        encoded = [(name, cache.encoded(name, str(value), encoding)) for name, value in headers]
        if msg.policy is compat32:
            # What Message.__setitem__ stores under compat32: the pair as given, no count limit.
            msg._headers.extend(encoded)  # type: ignore[attr-defined]
        else:
            for name, value in encoded:
                MIMEText.__setitem__(msg, name, value)
        return msg

    def __deepcopy__(self, memo: dict) -> _BatchEmail:
        # What the locmem backend keeps of each message: strings are immutable, lists copied.
        twin = _shallow_copy(self)
        twin.to, twin.cc, twin.bcc = list(self.to), list(self.cc), list(self.bcc)
        twin.reply_to = list(self.reply_to)
        twin.extra_headers = dict(self.extra_headers)
        twin.attachments = copy.deepcopy(self.attachments, memo) if self.attachments else []
        return twin


_Copied = TypeVar("_Copied")


def _shallow_copy(original: _Copied) -> _Copied:
    """copy.copy of a plain object (one with a __dict__ and no __slots__ or copy hooks of its
    own, as Message and EmailMessage), without the copy protocol's lookups."""
    twin = object.__new__(type(original))
    twin.__dict__.update(original.__dict__)
    return twin


def _claim(organization: Organization, rows: list[tuple[str, str, str]]) -> set[str]:
    """Insert send records for (key, recipient, subject); the keys this call inserted.

    ON CONFLICT DO NOTHING RETURNING answers only for new rows, which bulk_create cannot say
    (with ignore_conflicts it returns no ids). PostgreSQL and SQLite 3.35+ both accept it.
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    organization_id = organization.pk
    inserted = _insert_new(
        SentEmail,
        ("organization", "idempotency_key", "recipient", "subject", "created_at"),
        [(organization_id, key, recipient, subject[:300], now) for key, recipient, subject in rows],
        unique=("organization", "idempotency_key"),
        returning="idempotency_key",
    )
    return {row[0] for row in inserted}


def _insert_new(
    model: type[Model],
    fields: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    *,
    unique: tuple[str, ...],
    returning: str | None = None,
) -> list[tuple[Any, ...]]:
    """INSERT the rows, skipping those that collide on `unique`; with `returning`, that column
    of the rows inserted."""
    if not rows:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(_quoted_column(model, name) for name in fields)
    conflict = ", ".join(_quoted_column(model, name) for name in unique)
    if connection.vendor == "postgresql":
        source, params = _unnested(model, fields, rows)
    else:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        source = "VALUES " + ", ".join([row] * len(rows))
        params = [value for values_ in rows for value in values_]
    sql = f"INSERT INTO {table} ({columns}) {source} ON CONFLICT ({conflict}) DO NOTHING"
    if returning:
        sql += f" RETURNING {_quoted_column(model, returning)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if returning else []


_LENGTH = re.compile(r"\(\d+(?:,\s*\d+)?\)")


def _unnested(
    model: type[Model], fields: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> tuple[str, list[Any]]:
    """PostgreSQL's SELECT of the rows: a column with one value for every row as that value,
    the others as arrays unnested side by side. A thousand rows of VALUES with six parameters
    each cost PostgreSQL a third more to parse and plan, and psycopg2 half again as much to
    quote (measured at 1,000 notices: 35 → 24 ms of PostgreSQL's CPU, 10 → 4 ms of ours)."""
    selected: list[str] = []
    arrays: list[str] = []
    array_params: list[list[Any]] = []
    constant_params: list[Any] = []
    for index, name in enumerate(fields):
        field = model._meta.get_field(name)
        assert isinstance(field, Field)
        # Without a length: a value too long for the column is refused on assignment, where
        # an explicit cast to varchar(n) would cut it short.
        db_type = _LENGTH.sub("", field.db_type(connection) or "")
        column = [values_[index] for values_ in rows]
        first = column[0]
        if all(value == first for value in column):
            selected.append(f"%s::{db_type}")
            constant_params.append(first)
        else:
            selected.append(f"_rows.c{len(arrays)}")
            arrays.append(f"%s::{db_type}[]")
            array_params.append(column)
    select = ", ".join(selected)
    if not arrays:
        return f"SELECT {select}", constant_params
    names = ", ".join(f"c{i}" for i in range(len(arrays)))
    source = f"SELECT {select} FROM unnest({', '.join(arrays)}) AS _rows ({names})"  # noqa: S608
    return source, constant_params + array_params


def _quoted_column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
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
