"""The one place that sends email: each email and in-app notice at most once per idempotency
key, in the reader's language, for their organization only.

These call the services with no tenant scope active, as a task does: a query that forgot its
organization filter raises instead of reading every organization's rows."""

import dataclasses

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from notifications import services
from notifications.models import Notification, SentEmail
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

LONG = "x" * 400


@pytest.fixture
def organization():
    return OrganizationFactory(name="Acme", slug="acme")


def _context(text="Your match is ready", name="Ada"):
    return {"text": text, "url": "https://meridian.test/o/acme/", "person": {"full_name": name}}


def _send(organization, key="k1", **overrides):
    arguments = {
        "organization": organization,
        "to": "ada@acme.test",
        "template": "notice",
        "context": _context(),
        "idempotency_key": key,
    }
    return services.email_send(**(arguments | overrides))


def _claims(organization):
    with scopes_disabled():
        return sorted(
            SentEmail.objects.filter(organization=organization).values_list(
                "idempotency_key", "recipient"
            )
        )


def _notices(organization):
    with scopes_disabled():
        return sorted(
            Notification.objects.filter(organization=organization).values_list(
                "user__email", "idempotency_key", "text"
            )
        )


def _outgoing(key, *, user=None, email=None, language="", text="Matched", **extra):
    return services.Outgoing(
        idempotency_key=key,
        email=email or f"{key}@acme.test",
        user_id=user.pk if user else None,
        language=language,
        context=_context(text=text, name=key),
        text=text,
        url="/o/acme/",
        **extra,
    )


def _notices_send(organization, outgoing):
    return services.notices_send(organization=organization, template="notice", outgoing=outgoing)


# --- email_send ----------------------------------------------------------------------------


def test_an_email_is_sent_once_per_key_and_organization(organization):
    first = _send(organization)
    again = _send(organization)
    elsewhere = _send(OrganizationFactory(slug="elsewhere"))

    assert (first, again, elsewhere) == (True, False, True)
    assert len(mail.outbox) == 2
    assert mail.outbox[0].subject == "Meridian: Your match is ready"
    assert _claims(organization) == [("k1", "ada@acme.test")]


def test_an_email_is_written_in_the_language_asked_for(organization):
    _send(organization, language="es")
    _send(organization, key="k2")

    assert mail.outbox[0].body.startswith("Hola, Ada:")
    assert mail.outbox[1].body.startswith("Hello Ada,")


def test_a_subject_longer_than_the_record_holds_is_cut_in_the_record_only(organization):
    _send(organization, context=_context(text=LONG))

    with scopes_disabled():
        recorded = SentEmail.objects.get(organization=organization).subject
    assert recorded == f"Meridian: {LONG}"[:300]
    assert mail.outbox[0].subject == f"Meridian: {LONG}"


# --- notify --------------------------------------------------------------------------------


def test_a_person_with_an_account_gets_a_notice_and_an_email_in_their_language(organization):
    user = UserFactory(email="ada@acme.test", language="es")

    for _attempt in range(2):
        services.notify(
            organization=organization,
            email=user.email,
            user=user,
            template="notice",
            context=_context(),
            text=LONG,
            url="/o/acme/",
            idempotency_key="match-1",
        )

    assert _notices(organization) == [("ada@acme.test", "match-1", LONG[:300])]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body.startswith("Hola, Ada:")


def test_a_person_without_an_account_gets_the_email_alone(organization):
    services.notify(
        organization=organization,
        email="guest@acme.test",
        user=None,
        template="notice",
        context=_context(),
        text="Matched",
        url="/o/acme/",
        idempotency_key="match-2",
    )

    assert _notices(organization) == []
    assert [message.to for message in mail.outbox] == [["guest@acme.test"]]


# --- notices_send --------------------------------------------------------------------------


def test_notices_go_out_once_per_key_in_the_order_given(organization):
    ada, bob = UserFactory(email="ada@acme.test"), UserFactory(email="bob@acme.test")
    outgoing = [
        _outgoing("a", user=ada, email=ada.email),
        _outgoing("b"),
        _outgoing("c", user=bob, email=bob.email),
    ]

    sent = _notices_send(organization, outgoing)
    again = _notices_send(organization, outgoing)

    assert (sent, again) == (3, 0)
    assert [message.to for message in mail.outbox] == [
        ["ada@acme.test"],
        ["b@acme.test"],
        ["bob@acme.test"],
    ]
    assert _notices(organization) == [
        ("ada@acme.test", "a", "Matched"),
        ("bob@acme.test", "c", "Matched"),
    ]
    assert _claims(organization) == [
        ("a", "ada@acme.test"),
        ("b", "b@acme.test"),
        ("c", "bob@acme.test"),
    ]


def test_one_key_twice_in_a_fan_out_is_one_message_to_the_first_address(organization):
    sent = _notices_send(
        organization,
        [_outgoing("a", email="first@acme.test"), _outgoing("a", email="second@acme.test")],
    )

    assert sent == 1
    assert [message.to for message in mail.outbox] == [["first@acme.test"]]


def test_only_keys_not_sent_before_go_out(organization):
    _notices_send(organization, [_outgoing("a")])

    sent = _notices_send(organization, [_outgoing("a"), _outgoing("b")])

    assert sent == 1
    assert [message.to for message in mail.outbox] == [["a@acme.test"], ["b@acme.test"]]


def test_each_notice_is_written_in_its_readers_language_or_the_current_one(organization):
    with translation.override("es"):
        _notices_send(organization, [_outgoing("default"), _outgoing("english", language="en")])
    _notices_send(organization, [_outgoing("spanish", language="es")])

    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert bodies["default@acme.test"].startswith("Hola, default:")
    assert bodies["english@acme.test"].startswith("Hello english,")
    assert bodies["spanish@acme.test"].startswith("Hola, spanish:")


def test_items_with_one_subject_key_share_the_first_ones_subject(organization):
    outgoing = [
        _outgoing("a", text="First", subject_key="round-1"),
        _outgoing("b", text="Second", subject_key="round-1"),
        _outgoing("c", text="Third"),
        _outgoing("d", text="Fourth"),
    ]

    _notices_send(organization, outgoing)

    assert [message.subject for message in mail.outbox] == [
        "Meridian: First",
        "Meridian: First",
        "Meridian: Third",
        "Meridian: Fourth",
    ]
    assert [message.body.split("\n\n")[1] for message in mail.outbox] == [
        "First",
        "Second",
        "Third",
        "Fourth",
    ]


def test_long_texts_and_subjects_are_cut_to_what_the_records_hold(organization):
    user = UserFactory(email="ada@acme.test")

    _notices_send(organization, [_outgoing("a", user=user, email=user.email, text=LONG)])

    with scopes_disabled():
        recorded = SentEmail.objects.get(organization=organization).subject
    assert recorded == f"Meridian: {LONG}"[:300]
    assert _notices(organization) == [("ada@acme.test", "a", LONG[:300])]
    assert mail.outbox[0].subject == f"Meridian: {LONG}"


def test_an_email_server_failing_mid_fan_out_keeps_the_claims_of_the_batches_sent(
    organization, monkeypatch
):
    monkeypatch.setattr(services, "SEND_BATCH", 2)
    send_messages = EmailBackend.send_messages
    calls = []

    def fails_the_second_time(backend, messages):
        calls.append(len(messages))
        if len(calls) == 2:
            raise ConnectionError("the email server went away")
        return send_messages(backend, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", fails_the_second_time)

    with pytest.raises(ConnectionError):
        _notices_send(organization, [_outgoing(key) for key in "abcde"])

    assert calls == [2, 2]
    assert [key for key, _recipient in _claims(organization)] == ["a", "b"]


def test_an_outgoing_notice_cannot_be_changed_once_made():
    item = _outgoing("a")

    with pytest.raises(dataclasses.FrozenInstanceError):
        item.text = "changed"  # type: ignore[misc]


# --- notifications_mark_read -----------------------------------------------------------------


def test_marking_read_touches_only_the_readers_unread_notices_here(organization):
    ada, bob = UserFactory(email="ada@acme.test"), UserFactory(email="bob@acme.test")
    other = OrganizationFactory(slug="other")
    earlier = timezone.now() - timezone.timedelta(days=1)
    with scopes_disabled():
        for org, user, key, read_at in [
            (organization, ada, "unread-1", None),
            (organization, ada, "unread-2", None),
            (organization, ada, "read", earlier),
            (organization, bob, "bobs", None),
            (other, ada, "elsewhere", None),
        ]:
            Notification.objects.create(
                organization=org, user=user, idempotency_key=key, text=key, read_at=read_at
            )

    marked = services.notifications_mark_read(organization=organization, user=ada)

    assert marked == 2
    with scopes_disabled():
        read = dict(Notification.objects.values_list("idempotency_key", "read_at"))
    assert read["read"] == earlier
    assert read["unread-1"] is not None and read["unread-2"] is not None
    assert read["bobs"] is None and read["elsewhere"] is None
