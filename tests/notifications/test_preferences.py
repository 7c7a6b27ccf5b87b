"""Email preferences: one switch per kind on a page of their own, and a one-click unsubscribe
link in the emails of those kinds that asks before it acts (mail scanners follow links) and
needs no sign-in."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope

from notifications import services
from notifications.models import EmailKind, EmailPreference
from tests.conftest import login
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def prefs(org, user):
    with scope(organization=org.pk):
        return {p.kind: p.enabled for p in EmailPreference.objects.for_org(org).filter(user=user)}


@pytest.fixture
def member(org):
    return MembershipFactory(organization=org, user=UserFactory(email="ana@acme.test")).user


def test_the_page_shows_a_switch_per_kind_all_on_at_first(client, org, member):
    page = login(client, member).get(reverse("notifications:preferences", args=[org.slug]))
    assert [k for k, _label, on in page.context["kinds"] if on] == list(EmailKind.values)
    for kind in EmailKind.values:
        assert f'data-testid="kind-{kind}"' in page.content.decode()


def test_unticked_kinds_are_saved_off_and_ticked_ones_on(client, org, member):
    url = reverse("notifications:preferences", args=[org.slug])
    login(client, member).post(url, {"kinds": [EmailKind.CHECK_INS, EmailKind.REMINDERS]})
    saved = prefs(org, member)
    assert saved[EmailKind.MESSAGES] is False and saved[EmailKind.COMMUNITY] is False
    assert saved[EmailKind.CHECK_INS] is True
    login(client, member).post(url, {"kinds": list(EmailKind.values)})
    assert all(prefs(org, member).values())


def test_a_preference_is_per_organization(client, org, member):
    other = OrganizationFactory()
    with scope(organization=org.pk):
        services.email_preference_set(
            organization=org, user=member, kind=EmailKind.NUDGES, enabled=False
        )
    assert prefs(other, member) == {}


def send(org, user, kind=EmailKind.NUDGES, key="k1"):
    with scope(organization=org.pk):
        return services.email_send(
            organization=org, to=user.email, template="nudge",
            context={"text": "Book your first check-in", "url": "/x/"},
            idempotency_key=key, kind=kind, user_id=user.pk,
        )  # fmt: skip


def unsubscribe_link(message) -> str:
    return re.search(r"https?://\S+/unsubscribe/\S+/", message.body).group(0)


def test_the_email_carries_a_link_that_asks_first_then_turns_only_that_kind_off(
    client, org, member
):
    assert send(org, member)
    link = unsubscribe_link(mail.outbox[0])
    path = link.split("://", 1)[1].split("/", 1)[1]
    asked = client.get("/" + path)  # nobody signed in
    assert asked.status_code == 200 and 'data-testid="unsubscribe-form"' in asked.content.decode()
    assert prefs(org, member) == {}  # a GET changes nothing
    done = client.post("/" + path)
    assert done.status_code == 200 and "You are unsubscribed" in done.content.decode()
    assert prefs(org, member) == {EmailKind.NUDGES: False}
    assert not send(org, member, key="k2")
    assert send(org, member, kind=EmailKind.REMINDERS, key="k3")


def test_an_altered_link_does_nothing(client, org, member):
    token = services.unsubscribe_token(org, member.pk, EmailKind.NUDGES)
    response = client.post(reverse("unsubscribe", args=[token[:-2] + "xx"]))
    assert response.status_code == 404
    assert prefs(org, member) == {}


def test_emails_nobody_may_turn_off_have_no_link(org, member):
    with scope(organization=org.pk):
        services.email_send(
            organization=org, to=member.email, template="nudge",
            context={"text": "t", "url": "/"}, idempotency_key="sign-in",
        )  # fmt: skip
    assert "unsubscribe" not in mail.outbox[0].body


def test_bulk_notices_carry_each_persons_own_link(org, member):
    with scope(organization=org.pk):
        services.notices_send(
            organization=org, template="nudge", kind=EmailKind.NUDGES,
            outgoing=[services.Outgoing(
                idempotency_key="b1", email=member.email, user_id=member.pk, language="",
                context={"text": "t", "url": "/"}, text="t", url="/",
            )],
        )  # fmt: skip
    token = unsubscribe_link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    assert services.unsubscribe_read(token) == services.Unsubscribe(
        organization_id=org.pk, user_id=member.pk, kind=EmailKind.NUDGES
    )


def test_bulk_links_are_the_tokens_one_link_gets_and_read_back_as_their_person(org, monkeypatch):
    """The batch signer keys its HMAC once; its tokens must be signing.dumps' to the byte
    (the second fixed, as tokens carry it), so each reads back as its own person and kind."""
    monkeypatch.setattr("django.core.signing.time.time", lambda: 1_795_000_000.0)
    user_ids = {1, 42, 10**12}
    links = services._unsubscribe_links(org, {*user_ids, None}, EmailKind.REMINDERS)
    assert set(links) == user_ids
    for user_id, link in links.items():
        token = services.unsubscribe_token(org, user_id, EmailKind.REMINDERS)
        assert link == services.unsubscribe_url(org, user_id, EmailKind.REMINDERS)
        assert services.unsubscribe_read(token) == services.Unsubscribe(
            organization_id=org.pk, user_id=user_id, kind=EmailKind.REMINDERS
        )
