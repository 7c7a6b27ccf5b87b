"""A match round runs through a real Celery worker on the Redis broker, as in production."""

import pytest
from django_scopes import scope, scopes_disabled

from matching import services
from matching.models import MatchRound, RoundStatus
from mentoring.celery import app
from tests.celery_helpers import wait_for
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_run_button_work_is_done_by_a_real_worker(org, redis_worker):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    ParticipantFactory(cohort=cohort, role="mentor", skills_offered=["SQL"], seniority=4)
    ParticipantFactory(cohort=cohort, role="mentee", skills_wanted=["SQL"], seniority=1)

    with app.connection_for_write() as connection:
        assert connection.transport.driver_type == "redis"
    with scope(organization=org.pk):
        match_round = services.round_start(organization=org, cohort=cohort, actor=None)

    def finished():
        with scopes_disabled():
            current = MatchRound.objects.get(pk=match_round.pk)
        return current if current.status not in (RoundStatus.DRAFT, RoundStatus.RUNNING) else None

    done = wait_for(finished)
    assert done.status == RoundStatus.PROPOSED, done.error
    assert done.matched_slots == 1
    assert done.progress == 100
