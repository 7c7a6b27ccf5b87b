"""Publishing claims exactly its own reviewed round, turns only its approved proposals into
mentorships (one per pair, one per group), queues the news once and audits it; the news
speaks each reader's language, partners' countries included. Written for the mutants
`scripts/mutate` found alive in `matching/services/publish.py` (docs/testing.md)."""

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from matching import services
from matching.models import MatchProposal, MatchRound, ProposalStatus, RoundStatus
from matching.tasks import notify_match_published_task
from mentorships.models import Mentorship
from notifications.models import Notification
from organizations.models import AuditLogEntry
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

APPROVED, REJECTED = ProposalStatus.APPROVED, ProposalStatus.REJECTED


def _round(org, name, proposals, *, status=RoundStatus.REVIEWED):
    """A round of one cohort; `proposals` lists (mentee, mentor, status, group) by name, and
    each name becomes one participant of the cohort."""
    cohort = CohortFactory(program=ProgramFactory(organization=org, name=name))
    people = {}

    def person(person_name, role):
        if person_name not in people:
            people[person_name] = ParticipantFactory(
                cohort=cohort,
                role=role,
                full_name=person_name,
                email=f"{person_name.lower()}@acme.test",
            )
        return people[person_name]

    match_round = MatchRound.objects.create(organization=org, cohort=cohort, status=status)
    for mentee, mentor, proposal_status, group in proposals:
        MatchProposal.objects.create(
            organization=org,
            match_round=match_round,
            mentee=person(mentee, "mentee"),
            mentor=person(mentor, "mentor"),
            score=0.5,
            status=proposal_status,
            group=group,
        )
    return match_round, people


def _publish(org, match_round, capture, actor=None):
    with scope(organization=org.pk), capture() as callbacks:
        made = services.round_publish(organization=org, match_round=match_round, actor=actor)
    return made, callbacks


def _mentorships(match_round):
    with scopes_disabled():
        return sorted(
            (m.mentor.full_name, tuple(sorted(m.mentees.values_list("full_name", flat=True))))
            for m in Mentorship.objects.filter(cohort=match_round.cohort)
        )


def _status(match_round):
    with scopes_disabled():
        return MatchRound.objects.get(pk=match_round.pk).status


def test_only_the_approved_proposals_of_the_published_round_become_mentorships(
    org, django_capture_on_commit_callbacks
):
    # Mina has two seats in a pair program: two mentorships of one mentee each, not a group.
    published, _people = _round(
        org,
        "Pairs",
        [
            ("Ana", "Mina", APPROVED, None),
            ("Ben", "Mina", APPROVED, None),
            ("Cy", "Omar", REJECTED, None),
        ],
    )
    untouched, _people = _round(org, "Other", [("Dee", "Ivo", APPROVED, None)])

    made, _callbacks = _publish(org, published, django_capture_on_commit_callbacks)

    assert made == 2
    assert _mentorships(published) == [("Mina", ("Ana",)), ("Mina", ("Ben",))]
    assert _status(published) == RoundStatus.PUBLISHED
    assert _status(untouched) == RoundStatus.REVIEWED
    assert _mentorships(untouched) == []


def test_a_group_becomes_one_mentorship_with_all_its_mentees(
    org, django_capture_on_commit_callbacks
):
    match_round, _people = _round(
        org,
        "Circles",
        [
            ("Ana", "Mina", APPROVED, 1),
            ("Ben", "Mina", APPROVED, 1),
            ("Cy", "Mina", APPROVED, 2),
        ],
    )

    made, _callbacks = _publish(org, match_round, django_capture_on_commit_callbacks)

    assert made == 2
    assert _mentorships(match_round) == [("Mina", ("Ana", "Ben")), ("Mina", ("Cy",))]


@pytest.mark.parametrize("status", [RoundStatus.PROPOSED, RoundStatus.PUBLISHED])
def test_only_a_reviewed_round_is_published(org, status, django_capture_on_commit_callbacks):
    match_round, _people = _round(org, "Pairs", [("Ana", "Mina", APPROVED, None)], status=status)

    with pytest.raises(DomainError):
        _publish(org, match_round, django_capture_on_commit_callbacks)

    assert _status(match_round) == status
    assert _mentorships(match_round) == []


def test_another_organizations_round_is_not_published(
    org, other_org, settings, django_capture_on_commit_callbacks
):
    # No tenant scope and no row-level security: the claim's own organization filter alone.
    settings.MERIDIAN_ROW_LEVEL_SECURITY = False
    with scopes_disabled():
        foreign, _people = _round(other_org, "Theirs", [("Ana", "Mina", APPROVED, None)])

        with pytest.raises(DomainError), django_capture_on_commit_callbacks():
            services.round_publish(organization=org, match_round=foreign, actor=None)

    assert _status(foreign) == RoundStatus.REVIEWED
    assert _mentorships(foreign) == []


def test_publishing_queues_the_news_once_after_commit_and_is_audited(
    org, owner, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        notify_match_published_task, "apply_async", lambda arguments, **_: queued.append(arguments)
    )
    match_round, _people = _round(
        org, "Pairs", [("Ana", "Mina", APPROVED, None), ("Ben", "Omar", APPROVED, None)]
    )

    made, callbacks = _publish(org, match_round, django_capture_on_commit_callbacks, actor=owner)
    assert queued == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()

    with scopes_disabled():
        mentorship_ids = sorted(
            Mentorship.objects.filter(cohort=match_round.cohort).values_list("pk", flat=True)
        )
        entry = AuditLogEntry.objects.get(organization=org, action="round.publish")
    assert len(callbacks) == 1
    assert [(org_id, sorted(ids)) for org_id, ids in queued] == [(org.pk, mentorship_ids)]
    assert (entry.actor, entry.target, entry.data) == (
        owner,
        str(match_round.pk),
        {"mentorships": made},
    )


def test_the_news_speaks_each_readers_language_and_names_the_partners_country_in_it(
    org, django_capture_on_commit_callbacks
):
    match_round, people = _round(
        org, "Puentes", [("Ana", "Mina", APPROVED, None), ("Ben", "Omar", APPROVED, None)]
    )
    with scopes_disabled():
        for name, language in (("Mina", "es"), ("Omar", ""), ("Ana", "es")):
            people[name].user = UserFactory(email=people[name].email, language=language)
            people[name].save()
        people["Ana"].country = "GB"
        people["Ben"].country = "GB"
        people["Ana"].save()
        people["Ben"].save()
    _publish(org, match_round, django_capture_on_commit_callbacks)
    with scopes_disabled():
        ids = list(
            Mentorship.objects.filter(cohort=match_round.cohort).values_list("pk", flat=True)
        )

    with scope(organization=org.pk):
        sent = services.notify_match_published(organization=org, mentorship_ids=ids)

    emails = {message.to[0].split("@")[0]: message.body for message in mail.outbox}
    with scopes_disabled():
        notices = {
            n.user.email.split("@")[0]: n.text
            for n in Notification.objects.filter(organization=org)
        }
    assert sent == 4 and sorted(emails) == ["ana", "ben", "mina", "omar"]
    # Mina reads Spanish: her notice, her email and Ana's country in it.
    assert notices["mina"] == "Te hemos emparejado en Puentes con Ana."
    assert emails["mina"].startswith("Hola") and "Reino Unido" in emails["mina"]
    # Omar has no language of his own: the site's default.
    assert notices["omar"] == "You are matched in Puentes with Ben."
    assert emails["omar"].startswith("Hello") and "United Kingdom" in emails["omar"]
    assert notices["ana"].startswith("Te hemos emparejado") and emails["ana"].startswith("Hola")
