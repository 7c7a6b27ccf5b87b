"""Work outside a request (Celery tasks) is tenant-scoped in the database too: inside
`in_organization`, a query that forgets its organization filter sees only that organization's
rows. Runs as the ordinary role scripts/test uses, so row-level security binds."""

import os

import pytest
from django.db import connection
from django_scopes import ScopeError, scopes_disabled

from core.tenancy import in_organization
from matching import tasks
from matching.models import MatchRound
from participants.models import Participant
from programs.models import Program
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory


@pytest.fixture
def postgresql():
    """Row-level security is PostgreSQL's: locally on SQLite these tests skip with the reason;
    in CI, which runs on PostgreSQL, a missing PostgreSQL fails them instead."""
    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs the suite on PostgreSQL; this test needs row-level security")
        pytest.skip("row-level security is PostgreSQL's")


@pytest.mark.usefixtures("postgresql")
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_forgotten_filter_sees_only_the_organization(org, other_org):
    ProgramFactory(organization=org, name="Ours")
    ProgramFactory(organization=other_org, name="Theirs")
    assert not connection.in_atomic_block

    with in_organization(org.pk):
        names = set(Program.objects.with_scopes_disabled().values_list("name", flat=True))
    with scopes_disabled():
        everyone = set(Program.objects.values_list("name", flat=True))

    assert names == {"Ours"}
    # Restored when the block ends: the next task on this connection starts unrestricted.
    assert everyone == {"Ours", "Theirs"}


@pytest.mark.usefixtures("postgresql")
@pytest.mark.django_db
def test_inside_a_transaction_the_restriction_ends_with_the_block(org, other_org):
    ProgramFactory(organization=org, name="Ours")
    ProgramFactory(organization=other_org, name="Theirs")

    with in_organization(other_org.pk):
        names = set(Program.objects.with_scopes_disabled().values_list("name", flat=True))
    with scopes_disabled():
        everyone = set(Program.objects.values_list("name", flat=True))

    assert names == {"Theirs"}
    assert everyone == {"Ours", "Theirs"}


@pytest.mark.django_db
def test_the_scoped_manager_reads_only_the_organization_on_every_database(org, other_org):
    ProgramFactory(organization=org, name="Ours")
    ProgramFactory(organization=other_org, name="Theirs")

    with in_organization(org.pk):
        names = set(Program.objects.values_list("name", flat=True))

    assert names == {"Ours"}
    with pytest.raises(ScopeError):
        list(Program.objects.all())


@pytest.mark.usefixtures("postgresql")
@pytest.mark.django_db(transaction=True)
def test_a_task_that_forgets_its_filter_sees_only_its_organization(org, other_org, monkeypatch):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    other_cohort = CohortFactory(program=ProgramFactory(organization=other_org))
    ours = {ParticipantFactory(cohort=cohort).email for _ in range(2)}
    ParticipantFactory(cohort=other_cohort)
    with scopes_disabled():
        match_round = MatchRound.objects.create(organization=org, cohort=cohort)

    seen: list[set[str]] = []

    def careless_run(*, organization, round_id):
        # A service that forgot `for_org` and switched off the Python guard as well.
        seen.append(set(Participant.objects.with_scopes_disabled().values_list("email", flat=True)))

    monkeypatch.setattr(tasks.services, "round_run", careless_run)
    tasks.run_match_round_task.apply(args=(org.pk, match_round.pk))

    assert seen == [ours]
