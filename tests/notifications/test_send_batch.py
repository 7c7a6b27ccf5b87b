"""Bulk sending renders a template once per group of alike emails and fills in each person's
values: what people get must be exactly what rendering each email on its own gives."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from email.header import decode_header, make_header

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.template import engines
from django.template.loader import render_to_string
from django.test.signals import template_rendered
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from notifications import services
from notifications.models import EmailKind
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

TEMPLATE = "notifications/email/check_in_reminder"
STARTS = dt.datetime(2026, 3, 9, 0, 30, tzinfo=dt.UTC)


def _person(organization, *, name, language, zone, starts_at, agenda="", kind="24h"):
    user = UserFactory(email=f"{name.split()[0].lower()}@acme.test", language=language)
    context = {
        "kind": kind,
        "names": name,
        "starts_at": starts_at.astimezone(zoneinfo.ZoneInfo(zone)),
        "time_zone": zone,
        "agenda": agenda,
        "location": "",
        "url": "/o/acme/",
        "site_url": "https://meridian.test",
    }
    return user, services.Outgoing(
        idempotency_key=f"reminder:{user.pk}",
        email=user.email,
        user_id=user.pk,
        language=language,
        context=context,
        text="Reminder",
        url="/o/acme/",
        fill_in=frozenset({"names", "starts_at", "agenda", "location"}),
    )


def _rendered_alone(organization, user, item):
    """The email as rendering it on its own gives it (the way email_send renders)."""
    context = {
        **item.context,
        "unsubscribe_url": services.unsubscribe_url(organization, user.pk, EmailKind.REMINDERS),
    }
    with translation.override(item.language or "en"):
        subject = render_to_string(f"{TEMPLATE}_subject.txt", context)
        body = render_to_string(f"{TEMPLATE}_body.txt", context)
    return " ".join(subject.split()), body


def _signed_at_any_second(body):
    """The body with its unsubscribe link's token read back: tokens carry the second they were
    signed in, which two renders need not share."""
    (token,) = re.findall(r"/unsubscribe/([^/\s]+)/", body)
    return body.replace(token, repr(services.unsubscribe_read(token)))


def test_grouped_renders_equal_each_email_rendered_on_its_own():
    organization = OrganizationFactory(slug="acme")
    people = [
        # Two in Tokyo reading English, two in São Paulo reading Spanish: two groups, each
        # template rendered for the group and filled in for the second person.
        _person(
            organization,
            name="Kenji Sato",
            language="en",
            zone="Asia/Tokyo",
            starts_at=STARTS,
            agenda="Quarter goals",
        ),
        _person(
            organization,
            name="O'Brien & <Partners>",
            language="en",
            zone="Asia/Tokyo",
            starts_at=STARTS + dt.timedelta(days=40, hours=7, minutes=15),
            agenda='Pricing <draft> & "review"',
        ),
        _person(
            organization,
            name="Ana Souza",
            language="es",
            zone="America/Sao_Paulo",
            starts_at=STARTS,
            agenda="Metas",
        ),
        _person(
            organization,
            name="Núria Puig",
            language="es",
            zone="America/Sao_Paulo",
            starts_at=STARTS + dt.timedelta(hours=13),
            agenda="Próximos pasos",
        ),
    ]
    renders: list[str] = []

    def count(sender, template, **kwargs):
        if template.name == f"{TEMPLATE}_body.txt":
            renders.append(template.name)

    mail.outbox.clear()
    template_rendered.connect(count)
    try:
        sent = services.notices_send(
            organization=organization,
            template="check_in_reminder",
            outgoing=[item for _, item in people],
            kind=EmailKind.REMINDERS,
        )
    finally:
        template_rendered.disconnect(count)

    assert sent == 4
    by_recipient = {message.to[0]: message for message in mail.outbox}
    for user, item in people:
        subject, body = _rendered_alone(organization, user, item)
        assert by_recipient[user.email].subject == subject
        assert _signed_at_any_second(by_recipient[user.email].body) == _signed_at_any_second(body)
    # As typed (plain text is not HTML), in each person's zone and language.
    obrien = by_recipient[people[1][0].email]
    assert "O'Brien & <Partners>" in obrien.body
    assert 'Pricing <draft> & "review"' in obrien.body
    assert "(America/Sao_Paulo)" in by_recipient["ana@acme.test"].body
    assert by_recipient["ana@acme.test"].subject.startswith("Mañana")
    # Each group's body rendered for its form and twice to check it (its first person and a
    # probe), not once per email: the second person of each group was filled in.
    assert len(renders) == 6
    # Once a form is made, the next batch's people are filled in without any render.
    renders.clear()
    template_rendered.connect(count)
    try:
        services.notices_send(
            organization=organization,
            template="check_in_reminder",
            outgoing=[
                services.Outgoing(**{**vars(item), "idempotency_key": f"again:{user.pk}"})
                for user, item in people
            ],
            kind=EmailKind.REMINDERS,
        )
    finally:
        template_rendered.disconnect(count)
    assert renders == []
    again = [_signed_at_any_second(m.body) for m in mail.outbox[4:]]
    assert again == [_signed_at_any_second(m.body) for m in mail.outbox[:4]]


def test_a_value_a_form_cannot_hold_is_rendered_per_email():
    """A filled-in value a form cannot hold (here a dict whose field the template reads) makes
    its group render each email on its own."""
    organization = OrganizationFactory(slug="acme")
    items = [
        services.Outgoing(
            idempotency_key=f"notice:{name}",
            email=f"{name}@acme.test",
            user_id=None,
            language="",
            context={"text": "Hi", "url": "/", "person": {"full_name": name}},
            text="Hi",
            url="/",
            fill_in=frozenset({"person"}),
        )
        for name in ("ada", "grace")
    ]
    mail.outbox.clear()
    services.notices_send(organization=organization, template="notice", outgoing=items)
    for item, message in zip(items, mail.outbox, strict=True):
        assert message.body == render_to_string("notifications/email/notice_body.txt", item.context)


@pytest.mark.parametrize(
    ("body", "to"),
    [
        ("Your check-in with Kenji is on March 9.\n", ["ana@acme.test"]),
        ("Tu check-in con Núria es mañana.\n", ["ana@acme.test"]),
        # Longer than a line may be in all, but no line is: still 7bit/8bit, not encoded.
        ("Agenda:\n" + "Próximos pasos y metas del trimestre.\n" * 40, ["ana@acme.test"]),
        # A line over RFC 5322's 998 bytes: Django encodes the body quoted-printable.
        ("x" * 1200 + "\n", ["ana@acme.test"]),
        ("ñ" * 600 + "\n", ["ana@acme.test"]),
        # A non-ASCII recipient name: encoded as Django encodes addresses.
        ("Hola\n", ["Núria Puig <nuria@acme.test>"]),
    ],
)
def test_batch_messages_are_the_mime_messages_django_builds(body, to):
    headers = {"Date": "Mon, 09 Mar 2026 00:30:00 -0000", "Message-ID": "<k.1@meridian.test>"}
    sender = "Meridian <no-reply@meridian.localhost>"
    subject = "Tomorrow: mentoring check-in on March 9, 2026, 9:30 a.m."
    ours = services._BatchEmail(
        subject, body, sender, to, headers=headers, header_cache=services._HeaderCache()
    )
    assert (
        ours.message().as_bytes()
        == EmailMessage(subject, body, sender, to, headers=headers).message().as_bytes()
    )


def test_a_non_ascii_subject_is_encoded_to_the_same_text_in_words_of_at_most_75_characters():
    subject = "Mañana: check-in de mentoría el 9 de marzo de 2026 a las 09:30 con Núria Puig-Ferrer"
    ours = services._BatchEmail(
        subject, "Hola\n", None, ["ana@acme.test"], header_cache=services._HeaderCache()
    ).message()
    djangos = EmailMessage(subject, "Hola\n", None, ["ana@acme.test"]).message()
    assert str(make_header(decode_header(ours["Subject"]))) == subject
    assert all(len(word) <= 75 for word in ours["Subject"].split())

    def without_varying(message):
        return [(k, v) for k, v in message.items() if k not in ("Subject", "Date", "Message-ID")]

    assert without_varying(ours) == without_varying(djangos)
    assert ours.get_payload() == djangos.get_payload()


@pytest.mark.parametrize(
    "source",
    [
        "Hi {{ names|upper }}, at {{ starts_at|date:'H:i' }}.",
        "{{ names|length }} people; {{ starts_at|date:'DATETIME_FORMAT' }}",
        "{{ agenda }} at {{ starts_at|date:'H:i' }} ({{ starts_at|date:'e' }})",
    ],
)
def test_a_template_that_transforms_a_filled_in_value_still_renders_each_email_right(source):
    """Filters and formats other than Django's named ones fail the form's check against the
    probe, so such a group renders each email itself."""
    template = engines["django"].from_string(source)
    items = [
        services.Outgoing(
            idempotency_key=name,
            email=f"{name}@acme.test",
            user_id=None,
            language="en",
            context={"names": name, "agenda": "Plan", "starts_at": STARTS + shift},
            text="",
            url="",
            fill_in=frozenset({"names", "agenda", "starts_at"}),
        )
        for name, shift in (("Ada", dt.timedelta(0)), ("Grace", dt.timedelta(hours=3)))
    ]
    with translation.override("en"):
        for item in items:
            assert services._render(template, "en", item) == template.render(item.context)


@pytest.mark.parametrize(
    "value",
    [
        "Kenji Sato",
        "Núria Puig",
        "",
        "O'Brien",
        "Tom & Jerry",
        "<b>bold</b>",
        'say "hi"',
        mark_safe("<em>already safe</em>"),
        42,
        None,
    ],
)
def test_a_filled_in_value_is_escaped_exactly_as_the_template_engine_escapes_it(value):
    assert services._escaped(value) == str(conditional_escape(value))


@pytest.mark.parametrize(
    "key", ["check-in-reminder:12:34", "survey invite/7?x=1", "Núria_2 ü", "a.b-c_d", ""]
)
def test_a_message_id_keeps_letters_digits_dash_and_underscore_of_its_key(key):
    item = services.Outgoing(
        idempotency_key=key, email="a@acme.test", user_id=None, language="", context={},
        text="", url="",
    )  # fmt: skip
    kept = "".join(c if c.isalnum() or c in "-_" else "." for c in key)
    assert services._message_id(7, item) == f"<{kept}.7@{DNS_NAME}>"
