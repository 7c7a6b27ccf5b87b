"""Publishing and its notifications cost a fixed number of queries, and tell everyone once."""

import itertools
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from core.tenancy import in_organization
from matching import services
from matching.models import MatchProposal, MatchRound, ProposalStatus, RoundStatus
from mentorships.models import Mentorship
from mentorships.services import MentorshipSeats, mentorships_create_from_match
from notifications.models import Notification, SentEmail
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

_rounds = itertools.count()


def _reviewed_round(org, pairs: int, *, groups: list[int | None] | None = None, roles=None):
    """A reviewed round whose approved proposals pair mentee i with mentor i (or with the
    mentor of its group, when `groups` names one per mentee)."""
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    tag = next(_rounds)
    mentors = [
        ParticipantFactory(
            cohort=cohort,
            role="mentor",
            email=f"mentor{i}.{tag}@x.test",
            user=UserFactory(email=f"mentor{i}.{tag}@x.test", language="es" if i % 2 else ""),
        )
        for i in range(pairs)
    ]
    mentees = [
        ParticipantFactory(
            cohort=cohort,
            role="mentee",
            email=f"mentee{i}.{tag}@x.test",
            user=UserFactory(email=f"mentee{i}.{tag}@x.test") if i % 3 else None,
        )
        for i in range(pairs)
    ]
    match_round = MatchRound.objects.create(
        organization=org, cohort=cohort, status=RoundStatus.REVIEWED
    )
    with scopes_disabled():
        MatchProposal.objects.bulk_create(
            MatchProposal(
                organization=org,
                match_round=match_round,
                mentee=mentee,
                mentor=mentors[0 if groups else i],
                score=0.5,
                status=ProposalStatus.APPROVED,
                group=groups[i] if groups else None,
                seat_role=roles[i] if roles else "",
            )
            for i, mentee in enumerate(mentees)
        )
    return cohort, match_round, mentors, mentees


def _publish(org, match_round, django_capture_on_commit_callbacks):
    with (
        scope(organization=org.pk),
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks() as callbacks,
    ):
        made = services.round_publish(organization=org, match_round=match_round, actor=None)
    return made, len(queries.captured_queries), callbacks


def _mentorships(org, cohort):
    with scopes_disabled():
        return sorted(
            (m.mentor_id, m.seat_role, tuple(sorted(m.mentees.values_list("pk", flat=True))))
            for m in Mentorship.objects.filter(organization=org, cohort=cohort)
        )


def test_publishing_50_pairs_takes_as_many_queries_as_5(org, django_capture_on_commit_callbacks):
    _cohort, five, _mentors, _mentees = _reviewed_round(org, 5)
    _cohort, fifty, _mentors, _mentees = _reviewed_round(org, 50)

    made_five, queries_five, _callbacks = _publish(org, five, django_capture_on_commit_callbacks)
    made_fifty, queries_fifty, _callbacks = _publish(org, fifty, django_capture_on_commit_callbacks)

    assert (made_five, made_fifty) == (5, 50)
    assert queries_fifty == queries_five


def test_publish_makes_one_mentorship_per_pair_from_this_round(
    org, django_capture_on_commit_callbacks
):
    cohort, match_round, mentors, mentees = _reviewed_round(org, 4)

    made, _queries, callbacks = _publish(org, match_round, django_capture_on_commit_callbacks)

    assert made == 4
    assert len(callbacks) == 1
    assert _mentorships(org, cohort) == sorted(
        (mentor.pk, "", (mentee.pk,)) for mentor, mentee in zip(mentors, mentees, strict=True)
    )
    with scopes_disabled():
        rows = Mentorship.objects.filter(organization=org, cohort=cohort)
        assert {m.source_round_id for m in rows} == {match_round.pk}
        assert {m.started_on for m in rows} == {max(timezone.localdate(), cohort.starts_on)}
        assert MatchRound.objects.get(pk=match_round.pk).status == RoundStatus.PUBLISHED


def test_publish_keeps_a_group_together_and_each_board_seat_apart(
    org, django_capture_on_commit_callbacks
):
    grouped, group_round, group_mentors, group_mentees = _reviewed_round(
        org, 4, groups=[1, 1, 2, 2]
    )
    board, board_round, board_mentors, board_mentees = _reviewed_round(
        org, 2, roles=["skill", "career"]
    )

    _publish(org, group_round, django_capture_on_commit_callbacks)
    _publish(org, board_round, django_capture_on_commit_callbacks)

    mentor = group_mentors[0].pk
    assert _mentorships(org, grouped) == [
        (mentor, "", (group_mentees[0].pk, group_mentees[1].pk)),
        (mentor, "", (group_mentees[2].pk, group_mentees[3].pk)),
    ]
    assert _mentorships(org, board) == sorted(
        [
            (board_mentors[0].pk, "skill", (board_mentees[0].pk,)),
            (board_mentors[1].pk, "career", (board_mentees[1].pk,)),
        ]
    )


def test_publishing_twice_refuses_and_adds_nothing(org, django_capture_on_commit_callbacks):
    cohort, match_round, _mentors, _mentees = _reviewed_round(org, 3)
    _publish(org, match_round, django_capture_on_commit_callbacks)

    with pytest.raises(DomainError):
        _publish(org, match_round, django_capture_on_commit_callbacks)

    assert len(_mentorships(org, cohort)) == 3


def test_bulk_mentorships_refuse_people_from_another_cohort(org):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentor = ParticipantFactory(cohort=cohort, role="mentor")
    stranger = ParticipantFactory(role="mentee")

    with scope(organization=org.pk), pytest.raises(DomainError):
        mentorships_create_from_match(
            organization=org,
            cohort=cohort,
            seats=[MentorshipSeats(mentor_id=mentor.pk, mentee_ids=(stranger.pk,))],
        )


def _person(email: str) -> str:
    """'mentor3.12@x.test' → 'mentor3'."""
    return email.split(".")[0]


def _published_ids(org, pairs, django_capture_on_commit_callbacks):
    cohort, match_round, _mentors, _mentees = _reviewed_round(org, pairs)
    _publish(org, match_round, django_capture_on_commit_callbacks)
    with scopes_disabled():
        return list(
            Mentorship.objects.filter(cohort=cohort).order_by("pk").values_list("pk", flat=True)
        )


def test_match_notifications_run_twice_send_each_email_and_notice_once(
    org, django_capture_on_commit_callbacks
):
    ids = _published_ids(org, 6, django_capture_on_commit_callbacks)

    with scope(organization=org.pk):
        first = services.notify_match_published(organization=org, mentorship_ids=ids)
        second = services.notify_match_published(organization=org, mentorship_ids=ids)

    assert (first, second) == (12, 0)
    recipients = sorted(_person(message.to[0]) for message in mail.outbox)
    assert recipients == sorted([f"mentor{i}" for i in range(6)] + [f"mentee{i}" for i in range(6)])
    with scopes_disabled():
        # Mentees 0 and 3 have no account: an email, no in-app notice.
        assert Notification.objects.filter(organization=org).count() == 10
        assert SentEmail.objects.filter(organization=org).count() == 12


def test_match_notifications_speak_each_persons_language(org, django_capture_on_commit_callbacks):
    ids = _published_ids(org, 2, django_capture_on_commit_callbacks)

    with scope(organization=org.pk):
        services.notify_match_published(organization=org, mentorship_ids=ids)

    by_recipient = {_person(message.to[0]): message for message in mail.outbox}
    with scopes_disabled():
        notices = {
            _person(n.user.email): n.text for n in Notification.objects.filter(organization=org)
        }
    assert by_recipient["mentor0"].body.startswith("Hello")
    assert by_recipient["mentor1"].body.startswith("Hola")
    assert notices["mentor0"].startswith("You are matched in")
    assert not notices["mentor1"].startswith("You are matched in")
    assert "\n" not in by_recipient["mentor1"].subject


def test_match_notifications_take_as_many_queries_for_50_mentorships_as_for_5(
    org, django_capture_on_commit_callbacks
):
    five = _published_ids(org, 5, django_capture_on_commit_callbacks)
    fifty = _published_ids(org, 50, django_capture_on_commit_callbacks)

    counts = []
    for ids in (five, fifty):
        with scope(organization=org.pk), CaptureQueriesContext(connection) as queries:
            services.notify_match_published(organization=org, mentorship_ids=ids)
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1]
    assert len(mail.outbox) == 110


@pytest.mark.django_db(transaction=True)
def test_two_workers_fanning_out_at_once_send_each_email_once(django_capture_on_commit_callbacks):
    from tests.factories import OrganizationFactory

    org = OrganizationFactory()
    ids = _published_ids(org, 20, django_capture_on_commit_callbacks)
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            with in_organization(org.pk):
                results.append(
                    services.notify_match_published(organization=org, mentorship_ids=ids)
                )
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(results)[1] + sorted(results)[0] == 40
    assert len(mail.outbox) == 40
    assert len({message.to[0] for message in mail.outbox}) == 40


@pytest.mark.parametrize("language", ["", "es"])
def test_match_emails_read_as_when_rendered_from_the_models(
    org, language, django_capture_on_commit_callbacks
):
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils import translation

    cohort, match_round, mentors, mentees = _reviewed_round(org, 3, groups=[1, 1, 1])
    mentors[0].user.language = language
    mentors[0].user.save()
    _publish(org, match_round, django_capture_on_commit_callbacks)
    with scopes_disabled():
        mentorship = Mentorship.objects.get(cohort=cohort)
        partners = list(mentorship.mentees.all())

    with scope(organization=org.pk):
        services.notify_match_published(organization=org, mentorship_ids=[mentorship.pk])

    with translation.override(language or settings.LANGUAGE_CODE):
        expected = render_to_string(
            "notifications/email/match_published_body.txt",
            {
                "person": mentors[0],
                "partners": partners,
                "mentorship": mentorship,
                "organization": org,
                "site_url": settings.SITE_URL,
            },
        )
    sent = next(m for m in mail.outbox if m.to == [mentors[0].email])
    assert sent.body == expected
    assert [m.full_name for m in partners] == sorted(m.full_name for m in mentees)


class _BrokenBackend:
    """An email server that hangs up: nothing it was handed counts as sent."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def send_messages(self, messages):
        raise ConnectionError("the email server hung up")


def test_match_notifications_not_sent_are_claimed_again_by_the_retry(
    org, settings, django_capture_on_commit_callbacks
):
    ids = _published_ids(org, 3, django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = f"{__name__}._BrokenBackend"

    with scope(organization=org.pk), pytest.raises(ConnectionError):
        services.notify_match_published(organization=org, mentorship_ids=ids)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with scope(organization=org.pk):
        sent = services.notify_match_published(organization=org, mentorship_ids=ids)

    assert sent == 6
    assert len(mail.outbox) == 6
