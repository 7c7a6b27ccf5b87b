"""Publishing a reviewed round: mentorships for the approved pairs, and the news to both sides."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import User
from core.broker import task_send_once
from core.errors import DomainError
from matching.models import (
    MatchProposal,
    MatchRound,
    ProposalStatus,
    RoundStatus,
)
from mentorships.models import Mentorship
from mentorships.selectors import mentorship_people_list
from mentorships.services import MentorshipSeats, mentorships_create_from_match
from notifications.models import SentEmail
from notifications.services import Outgoing, notices_send
from organizations.models import Organization
from organizations.services import audit_log_record
from webhooks.services import EventType, event_emit

logger = logging.getLogger(__name__)


def enqueue_match_notifications(organization: Organization, mentorship_ids: list[int]) -> None:
    """Tell both sides once the mentorships are committed. A broker that is down (or a task
    lost with its worker) delays the news to the sweep, `unannounced_matches_notify`; the
    publish itself has already happened and must not answer an error."""
    from matching.tasks import notify_match_published_task

    organization_id = organization.pk
    transaction.on_commit(
        lambda: task_send_once(
            notify_match_published_task,
            (organization_id, mentorship_ids),
            what=f"news of {len(mentorship_ids)} matches",
        )
    )


# The news of a match goes out within seconds from its task; the sweep looks this far back for
# mentorships whose mentor was never told, leaving the task this long to do it first.
ANNOUNCE_WINDOW = dt.timedelta(days=2)
ANNOUNCE_GRACE = dt.timedelta(minutes=2)


def _match_news_key(mentorship_id: int, participant_id: int) -> str:
    return f"match-published:{mentorship_id}:{participant_id}"


def unannounced_matches_notify(
    *, organization: Organization, now: dt.datetime | None = None
) -> int:
    """Send the news of recent mentorships whose mentor has no match email yet: its task was
    never queued (broker down) or was lost. Idempotent like the task (each person's email is
    claimed by its key), so a sweep racing a slow task sends nothing twice. Returns the
    emails sent."""
    now = now or timezone.now()
    told = SentEmail.objects.for_org(organization).filter(
        idempotency_key=Concat(
            Value("match-published:"),
            Cast(OuterRef("pk"), CharField()),
            Value(":"),
            Cast(OuterRef("mentor_id"), CharField()),
        )
    )
    unannounced = list(
        Mentorship.objects.for_org(organization)
        .filter(created_at__gte=now - ANNOUNCE_WINDOW, created_at__lte=now - ANNOUNCE_GRACE)
        .exclude(Exists(told))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not unannounced:
        return 0
    logger.warning(
        "%d matches of organization %s were not announced by their task; sending now",
        len(unannounced),
        organization.pk,
    )
    return notify_match_published(organization=organization, mentorship_ids=unannounced)


# Mentorships read per pair of queries (about 2,000 people, two send batches); the next
# batch is read only once the previous one's emails are out, so memory stays flat.
NOTIFY_LOAD_BATCH = 1000


def notify_match_published(*, organization: Organization, mentorship_ids: list[int]) -> int:
    """Tell mentor and mentees of each new mentorship, by email and in the app.

    Idempotent: a second run (a retried task) sends nothing again. Returns the emails sent.
    """
    return notices_send(
        organization=organization,
        template="match_published",
        outgoing=_match_notices(organization, mentorship_ids),
    )


def _match_notices(organization: Organization, mentorship_ids: list[int]) -> Iterator[Outgoing]:
    """Each person of each mentorship, with the partners their email names.

    The contexts are plain values the templates read as they read the models (a partner's
    country name in the reader's language, looked up once per language and country), so
    rendering 20,000 emails resolves no model attribute or country table per line.
    """
    url = reverse("dashboard", kwargs={"org_slug": organization.slug})
    default_language = translation.get_language()
    # The sentence and the country names per language, looked up once rather than per person.
    sentences: dict[str, str] = {}
    country_names: dict[tuple[str, str], str] = {}

    def partner(row: dict, language: str) -> dict:
        code = str(row["country"])
        if (language, code) not in country_names:
            with translation.override(language):
                country_names[(language, code)] = countries.name(code)
        return {
            "full_name": row["full_name"],
            "email": row["email"],
            "get_function_display": row["function"],
            "function": row["function"],
            "country": {"name": country_names[(language, code)]},
            "time_zone": row["time_zone"],
        }

    for start in range(0, len(mentorship_ids), NOTIFY_LOAD_BATCH):
        chunk = mentorship_ids[start : start + NOTIFY_LOAD_BATCH]
        for mentorship in mentorship_people_list(organization=organization, ids=chunk):
            program = mentorship["program"]
            mentor, mentees = mentorship["mentor"], mentorship["mentees"]
            context_mentorship = {"id": mentorship["id"], "cohort": {"program": {"name": program}}}
            for person, partners in [(mentor, mentees), *((m, [mentor]) for m in mentees)]:
                language = person["user__language"] or ""
                if language not in sentences:
                    with translation.override(language or None):
                        sentences[language] = _("You are matched in %(program)s with %(names)s.")
                text = sentences[language] % {
                    "program": program,
                    "names": ", ".join(p["full_name"] for p in partners),
                }
                email_language = language or default_language
                yield Outgoing(
                    idempotency_key=_match_news_key(mentorship["id"], person["id"]),
                    email=person["email"],
                    user_id=person["user_id"],
                    language=language,
                    context={
                        "person": {"full_name": person["full_name"]},
                        "partners": [partner(p, email_language) for p in partners],
                        "mentorship": context_mentorship,
                        "organization": organization,
                        "site_url": django_settings.SITE_URL,
                    },
                    # The subject names only the program.
                    subject_key=program,
                    text=text,
                    url=url,
                )


@transaction.atomic
def round_publish(
    *, organization: Organization, match_round: MatchRound, actor: User | None
) -> int:
    """Create mentorships for approved proposals and notify both sides. Publishing is once only.

    The claim on the round's status makes a second call (a double click, a retried request)
    refuse instead of duplicating; the mentorships and their members are two INSERTs for the
    whole round, so the query count does not grow with the pairs.
    """
    claimed = (
        MatchRound.objects.for_org(organization)
        .filter(pk=match_round.pk, status=RoundStatus.REVIEWED)
        .update(status=RoundStatus.PUBLISHED, published_at=timezone.now())
    )
    if claimed != 1:
        raise DomainError(_("Only a reviewed round can be published."))
    approved = (
        MatchProposal.objects.for_org(organization)
        .filter(match_round=match_round, status=ProposalStatus.APPROVED)
        .order_by("mentor_id", "id")
        .values_list("pk", "mentor_id", "mentee_id", "group", "seat_role")
    )
    grouped: dict[tuple[int, int | None, str], list[tuple[int, str]]] = defaultdict(list)
    for pk, mentor_id, mentee_id, group, seat_role in approved:
        # A group program makes one mentorship per mentor's group; pairs and board seats one each.
        key = (mentor_id, group, "") if group is not None else (mentor_id, pk, seat_role)
        grouped[key].append((mentee_id, seat_role))
    mentorships = mentorships_create_from_match(
        organization=organization,
        cohort=match_round.cohort,
        seats=[
            MentorshipSeats(
                mentor_id=mentor_id,
                mentee_ids=tuple(mentee_id for mentee_id, _role in members),
                seat_role=members[0][1],
            )
            for (mentor_id, _group, _role), members in grouped.items()
        ],
        source_round_id=match_round.pk,
    )
    mentorship_ids = [m.pk for m in mentorships]
    enqueue_match_notifications(organization, mentorship_ids)
    event_emit(
        organization_id=organization.pk,
        event_type=EventType.MATCH_PUBLISHED,
        payload={
            "match_round_id": match_round.pk,
            "cohort_id": match_round.cohort_id,
            "mentorships": len(mentorships),
        },
    )
    audit_log_record(
        organization=organization,
        actor=actor,
        action="round.publish",
        target=str(match_round.pk),
        data={"mentorships": len(mentorships)},
    )
    return len(mentorships)
