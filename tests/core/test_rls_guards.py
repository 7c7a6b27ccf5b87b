"""Row-level security's setting (`core/rls.py`) lives exactly as long as it should: set for its
block, restored after it, gone with its transaction, never left on the connection for the next
request or task, and off everywhere when the setting switches it off. `apply_policies` puts
back every part of the policy that is missing."""

import pytest
from django.db import connection, transaction

from core.rls import POLICY, apply_policies, organization_rls, organization_session, tenant_tables
from tests.factories import ProgramFactory


def _current() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting('app.current_org', true), '')")
        return cursor.fetchone()[0]


def _programs() -> int:
    # Raw SQL: no app filter, only the database's policy.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM programs_program")
        return cursor.fetchone()[0]


@pytest.fixture
def two_programs(org, other_org):
    ProgramFactory(organization=org, name="Ours")
    ProgramFactory(organization=other_org, name="Theirs")


# --- inside an enclosing transaction (a test's, a caller's `atomic`) -------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("two_programs")
@pytest.mark.parametrize("ends_with_transaction", [False, True])
def test_under_an_enclosing_transaction_the_block_restores_what_was_there(
    org, other_org, ends_with_transaction
):
    with transaction.atomic():
        with organization_rls(org.pk):
            with organization_rls(other_org.pk, ends_with_transaction=ends_with_transaction):
                inner = (_current(), _programs())
            middle = (_current(), _programs())
        after = (_current(), _programs())

    assert inner == (str(other_org.pk), 1)
    assert middle == (str(org.pk), 1)
    assert after == ("", 2)


@pytest.mark.django_db
@pytest.mark.usefixtures("two_programs")
def test_a_block_in_a_transaction_doomed_to_roll_back_restores_nothing_and_fails_nothing(org):
    with transaction.atomic():
        with organization_rls(org.pk):
            # An error swallowed inside `atomic(savepoint=False)` dooms the whole transaction.
            with pytest.raises(ValueError), transaction.atomic(savepoint=False):
                raise ValueError
            assert connection.needs_rollback
        doomed = connection.needs_rollback

    assert doomed
    assert (_current(), _programs()) == ("", 2)


@pytest.mark.django_db
@pytest.mark.usefixtures("two_programs")
def test_with_row_level_security_switched_off_no_block_restricts_anything(org, settings):
    settings.MERIDIAN_ROW_LEVEL_SECURITY = False

    with transaction.atomic():
        with organization_rls(org.pk):
            scoped = (_current(), _programs())
        with organization_rls(org.pk, ends_with_transaction=True):
            ending = (_current(), _programs())
        with organization_session(org.pk):
            session = (_current(), _programs())

    assert scoped == ending == session == ("", 2)


# --- the outermost transaction (ATOMIC_REQUESTS, a task's own `atomic`) -----------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("two_programs")
@pytest.mark.parametrize("ends_with_transaction", [False, True])
def test_the_setting_dies_with_its_transaction(org, ends_with_transaction):
    # An ordinary block is what `organization_rls` makes unless told otherwise.
    block = {"ends_with_transaction": True} if ends_with_transaction else {}
    with transaction.atomic():
        with organization_rls(org.pk, **block):
            inside = (_current(), _programs())
        if not ends_with_transaction:
            # An ordinary block restores the setting for the rest of its transaction.
            assert (_current(), _programs()) == ("", 2)
    with transaction.atomic():
        next_transaction = (_current(), _programs())

    assert inside == (str(org.pk), 1)
    assert next_transaction == ("", 2)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_request_block_sets_nothing(org):
    with organization_rls(org.pk):
        inside = _current()

    assert inside == ""


# --- tasks: `organization_session` ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("two_programs")
def test_a_task_block_outside_a_transaction_restores_the_connection(org):
    with organization_session(org.pk):
        inside = (_current(), _programs())
        with transaction.atomic():
            in_a_transaction_of_its_own = _programs()

    assert inside == (str(org.pk), 1)
    assert in_a_transaction_of_its_own == 1
    assert (_current(), _programs()) == ("", 2)


@pytest.mark.django_db(transaction=True)
def test_a_task_block_whose_connection_closed_does_not_reopen_it(org):
    with organization_session(org.pk):
        connection.close()

    assert connection.connection is None


@pytest.mark.django_db
@pytest.mark.usefixtures("two_programs")
def test_a_task_block_in_a_doomed_transaction_fails_nothing(org):
    with transaction.atomic():
        with (
            organization_session(org.pk),
            pytest.raises(ValueError),
            transaction.atomic(savepoint=False),
        ):
            raise ValueError
        doomed = connection.needs_rollback

    assert doomed
    assert (_current(), _programs()) == ("", 2)


# --- apply_policies -----------------------------------------------------------------------------


def _protection(table: str) -> tuple[bool, bool, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relrowsecurity, c.relforcerowsecurity, "
            "EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s) "
            "FROM pg_class c WHERE c.relname = %s",
            [POLICY, table],
        )
        return cursor.fetchone()


@pytest.mark.django_db
def test_apply_policies_restores_every_part_of_the_policy_and_can_run_again():
    # DDL is transactional in PostgreSQL: the test's transaction puts all of this back.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE programs_program NO FORCE ROW LEVEL SECURITY")
        cursor.execute("ALTER TABLE programs_program DISABLE ROW LEVEL SECURITY")
        cursor.execute(f"DROP POLICY {POLICY} ON programs_program")
    assert _protection("programs_program") == (False, False, False)

    first = apply_policies()
    again = apply_policies()

    assert first == again == tenant_tables()
    assert "programs_program" in first
    assert _protection("programs_program") == (True, True, True)
