"""A worker killed mid-dispatch: every invitation still goes out exactly once, with a link that
works.

The dispatch runs in a process of its own (the dispatch task, as a worker runs it) with two
invitations per batch. Its email backend records what it is handed in a mailbox file and, at
its second hand-over, says so and hangs: the first batch is committed and delivered, the second
is claimed (invitation rows locked, tokens' hashes stored, in-app notices and send records
inserted, emails rendered) but not committed. The test SIGKILLs it there, as the kernel's OOM
killer would, then lets the next minute's dispatch run. PostgreSQL rolls the dead transaction
back, so the next dispatch sends exactly what was not finished, with new links, and nothing
that was.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from notifications.models import Notification, SentEmail
from surveys.models import SurveyInvitation
from surveys.services import token_hash
from surveys.tasks import dispatch_surveys_task
from tests.kill_helpers import MailboxKill, delivered
from tests.surveys.dispatch_fixtures import LINK, make_program, make_survey

pytestmark = pytest.mark.django_db(transaction=True)

INVITATION = "survey-invitation:"
KILL = MailboxKill(
    prefix="SURVEY_DISPATCH_TEST",
    fields={
        "to": lambda message: message.to,
        "links": lambda message: LINK.findall(str(message.body)),
    },
    backend_path=f"{__name__}.MailboxBackend",
)
MailboxBackend = KILL.backend  # the killed process loads it by this module's path

DISPATCH = """
from surveys import dispatch
dispatch.DISPATCH_BATCH = 2
from surveys.tasks import dispatch_surveys_task
dispatch_surveys_task.apply()
"""


def _records(prefix: str) -> tuple[int, int]:
    return (
        SentEmail.objects.filter(idempotency_key__startswith=prefix).count(),
        Notification.objects.filter(idempotency_key__startswith=prefix).count(),
    )


def test_a_dispatch_killed_mid_batch_is_finished_by_the_next_with_each_invitation_sent_once(
    org, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL's row locks")
    world = make_program(org, pairs=5)
    survey = make_survey(org, world.program)
    people = sorted(p.email for p in world.mentors + world.mentees)
    mailbox = KILL.kill_mid_batch(DISPATCH, workdir=tmp_path)

    with scopes_disabled():
        invitations = SurveyInvitation.objects.filter(survey=survey)
        # Every invitation was created before sending began; the first batch was committed and
        # delivered; the second left no trace: no send mark, no stored hash, no record.
        assert invitations.count() == 10
        assert len(delivered(mailbox)) == 2
        assert invitations.filter(sent_at__isnull=False).count() == 2
        assert invitations.filter(sent_at__isnull=True, token_hash__isnull=False).count() == 0
        assert _records(INVITATION) == (2, 2)

    with KILL.delivering(mailbox):
        dispatch_surveys_task.apply()  # beat's next minute
        dispatch_surveys_task.apply()  # and the one after: nothing left

    records = delivered(mailbox)
    recipients = Counter(record["to"][0] for record in records)
    assert sorted(recipients) == people
    assert set(recipients.values()) == {1}
    with scopes_disabled():
        assert not invitations.filter(sent_at__isnull=True).exists()
        assert _records(INVITATION) == (10, 10)
        # Each delivered link opens its invitation: the killed batch's tokens, never delivered,
        # were replaced by the ones in the emails that went out.
        hashes = {i.email: i.token_hash for i in invitations}
    for record in records:
        (token,) = record["links"]
        assert hashes[record["to"][0]] == token_hash(token)
