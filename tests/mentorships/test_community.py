"""The program community: its participants (any cohort) and its program team write topics and
replies; the team pins, locks and hides (hidden things disappear for participants and show,
marked, to the team); people outside the program get 404; a topic's author gets one email per
reply, unless they turned "community" emails off."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope

from core.errors import DomainError
from mentorships.models import Reply, Topic
from mentorships.selectors import community as community_selectors
from mentorships.services import community as community_services
from notifications.models import EmailKind, EmailPreference
from organizations.models import Role
from tests.conftest import login
from tests.factories import (
    CohortFactory,
    OrganizationFactory,
    ParticipantFactory,
    ProgramFactory,
)
from tests.mentorships.pages import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(org):
    program = ProgramFactory(organization=org, name="Bridges")
    spring = CohortFactory(program=program, name="Spring")
    autumn = CohortFactory(program=program, name="Autumn")
    ana = member_of(org, "ana@acme.test", full_name="Ana Souza")
    ParticipantFactory(cohort=spring, role="mentee", user=ana, email=ana.email)
    kenji = member_of(org, "kenji@acme.test", full_name="Kenji Watanabe")
    ParticipantFactory(cohort=autumn, role="mentor", user=kenji, email=kenji.email)
    manager = member_of(org, "pm@acme.test", role=Role.PROGRAM_MANAGER, full_name="Pat Manager")
    outsider = member_of(org, "out@acme.test", full_name="Otto Outside")
    ParticipantFactory(
        cohort=CohortFactory(program=ProgramFactory(organization=org)), role="mentee", user=outsider
    )
    return program, ana, kenji, manager, outsider


def start(org, program, user, title="How do you prepare?"):
    with scope(organization=org.pk):
        return community_services.topic_create(
            organization=org, program_id=program.pk, actor=user, title=title, body="Tips?"
        )


def reply(org, topic, user, body="I write three questions."):
    with scope(organization=org.pk):
        return community_services.reply_create(
            organization=org, topic_id=topic.pk, actor=user, body=body
        )


def moderate(org, topic, user, action):
    with scope(organization=org.pk):
        return community_services.topic_moderate(
            organization=org, topic_id=topic.pk, actor=user, action=action
        )


def visible_titles(org, program, user):
    with scope(organization=org.pk):
        access = community_selectors.community_access(
            organization=org, program_id=program.pk, user=user
        )
        return [t.title for t in community_selectors.topic_list(organization=org, access=access)]


def test_participants_of_any_cohort_and_the_team_take_part(org, cast):
    program, ana, kenji, manager, _outsider = cast
    topic = start(org, program, ana)
    reply(org, topic, kenji)
    reply(org, topic, manager, "Bring one thing you are stuck on.")
    assert visible_titles(org, program, kenji) == ["How do you prepare?"]
    with scope(organization=org.pk):
        assert Reply.objects.for_org(org).filter(topic=topic).count() == 2


def test_people_outside_the_program_are_refused_as_if_it_did_not_exist(org, cast):
    program, ana, _kenji, _manager, outsider = cast
    topic = start(org, program, ana)
    for attempt in (lambda: start(org, program, outsider), lambda: reply(org, topic, outsider)):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.code == "not_found"


def test_an_empty_title_is_refused_beside_its_field(org, cast):
    program, ana, *_ = cast
    with pytest.raises(DomainError) as refused:
        start(org, program, ana, title="  ")
    assert refused.value.field == "title"


def test_pinned_topics_come_first_and_only_the_team_may_pin(org, cast):
    program, ana, kenji, manager, _outsider = cast
    start(org, program, ana, "First")
    second = start(org, program, kenji, "Second")
    first_pinned = start(org, program, ana, "Rules of the room")
    moderate(org, first_pinned, manager, "pin")
    assert visible_titles(org, program, ana)[0] == "Rules of the room"
    with pytest.raises(DomainError) as refused:
        moderate(org, second, ana, "pin")
    assert refused.value.code == "permission_denied"


def test_a_locked_topic_takes_no_more_replies_from_participants(org, cast):
    program, ana, kenji, manager, _outsider = cast
    topic = start(org, program, ana)
    moderate(org, topic, manager, "lock")
    with pytest.raises(DomainError) as refused:
        reply(org, topic, kenji)
    assert refused.value.code == "conflict"


def test_hidden_topics_and_replies_vanish_for_participants_and_stay_marked_for_the_team(
    client, org, cast
):
    program, ana, kenji, manager, _outsider = cast
    topic = start(org, program, ana, "Off topic")
    kept = start(org, program, ana, "Kept")
    rude = reply(org, kept, kenji, "rude words")
    moderate(org, topic, manager, "hide")
    with scope(organization=org.pk):
        community_services.reply_moderate(
            organization=org, reply_id=rude.pk, actor=manager, hidden=True
        )
    assert visible_titles(org, program, kenji) == ["Kept"]
    login(client, kenji)
    assert client.get(reverse("mentorships:topic", args=[org.slug, topic.pk])).status_code == 404
    page = client.get(reverse("mentorships:topic", args=[org.slug, kept.pk])).content.decode()
    assert "rude words" not in page
    login(client, manager)
    page = client.get(reverse("mentorships:topic", args=[org.slug, kept.pk])).content.decode()
    assert "rude words" in page and "community-hidden" in page
    listing = client.get(reverse("mentorships:community", args=[org.slug, program.pk]))
    assert "Off topic" in listing.content.decode()


def test_the_topic_author_gets_one_email_per_reply_and_none_for_their_own(
    org, cast, django_capture_on_commit_callbacks
):
    program, ana, kenji, _manager, _outsider = cast
    topic = start(org, program, ana)
    with django_capture_on_commit_callbacks(execute=True):
        first = reply(org, topic, kenji, "Three questions, always.")
        reply(org, topic, ana, "Thanks!")
    assert [m.to for m in mail.outbox] == [["ana@acme.test"]]
    assert "Three questions, always." in mail.outbox[0].body
    assert "/unsubscribe/" in mail.outbox[0].body
    with scope(organization=org.pk):  # the same reply notified again sends nothing
        from notifications.services import notify

        notify(
            organization=org, email=ana.email, user=ana, template="community_reply",
            context={"title": "t", "replier": "k", "excerpt": "e", "url": "/"}, text="t",
            url="/", idempotency_key=f"community-reply:{first.pk}", kind=EmailKind.COMMUNITY,
        )  # fmt: skip
    assert len(mail.outbox) == 1


def test_no_email_for_an_author_who_turned_community_off(
    org, cast, django_capture_on_commit_callbacks
):
    program, ana, kenji, _manager, _outsider = cast
    EmailPreference.objects.create(
        organization=org, user=ana, kind=EmailKind.COMMUNITY, enabled=False
    )
    topic = start(org, program, ana)
    with django_capture_on_commit_callbacks(execute=True):
        reply(org, topic, kenji)
    assert mail.outbox == []


def test_pages_answer_404_to_outsiders_and_the_foreign_ids_of_another_organization(
    client, org, cast
):
    program, ana, _kenji, _manager, outsider = cast
    topic = start(org, program, ana)
    login(client, outsider)
    assert (
        client.get(reverse("mentorships:community", args=[org.slug, program.pk])).status_code == 404
    )
    assert client.get(reverse("mentorships:topic", args=[org.slug, topic.pk])).status_code == 404
    other = OrganizationFactory()
    with scope(organization=other.pk), pytest.raises(DomainError) as missing:
        community_selectors.topic_get(organization=other, topic_id=topic.pk)
    assert missing.value.code == "not_found"


def test_a_participant_posts_a_topic_and_a_reply_through_the_pages(client, org, cast):
    program, ana, *_ = cast
    login(client, ana)
    url = reverse("mentorships:community", args=[org.slug, program.pk])
    assert "No topics yet" in client.get(url).content.decode()
    created = client.post(url, {"title": "Hello all", "body": "Who is in Lisbon?"})
    assert created.status_code == 302
    with scope(organization=org.pk):
        topic = Topic.objects.for_org(org).get()
    answered = client.post(created.url, {"body": "Me!"})
    assert answered.status_code == 302
    page = client.get(created.url).content.decode()
    assert "Who is in Lisbon?" in page and "Me!" in page
    refused = client.post(url, {"title": "", "body": "x"})
    assert refused.status_code == 400
    assert topic.title == "Hello all"
