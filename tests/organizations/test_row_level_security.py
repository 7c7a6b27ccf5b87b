"""PostgreSQL row-level security: with the organization set, a query that forgets its filter
still sees only that organization's rows. Runs as the ordinary role scripts/test uses."""

import pytest
from django.db import connection, transaction
from django_scopes import scopes_disabled

from core.rls import POLICY, across_organizations, organization_rls, tenant_tables
from organizations.selectors import membership_list_for_user
from tests.factories import MembershipFactory, ParticipantFactory, ProgramFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"
    ),
]


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        return cursor.fetchone()[0]


def _raw_count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchone()[0]


def test_every_tenant_table_has_a_forced_isolation_policy():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
            "WHERE p.polname = %s AND c.relrowsecurity AND c.relforcerowsecurity",
            [POLICY],
        )
        protected = {row[0] for row in cursor.fetchall()}

    assert set(tenant_tables()) <= protected
    assert "participants_participant" in protected


def test_the_suite_runs_as_a_role_that_row_level_security_binds():
    assert not _is_superuser(), "scripts/test must connect as an ordinary role (meridian_test)"


def test_a_forgotten_filter_sees_only_the_current_organization(
    org, other_org, cohort, other_participant
):
    ParticipantFactory(cohort=cohort)
    ProgramFactory(organization=other_org, name="Theirs")

    with transaction.atomic(), organization_rls(org.pk):
        participants = _raw_count("participants_participant")
        programs = _raw_count("programs_program")
        with scopes_disabled():
            from participants.models import Participant

            orm_emails = set(Participant.objects.values_list("email", flat=True))
    with transaction.atomic():
        everyone = _raw_count("participants_participant")

    assert participants == 1
    assert programs == 1
    assert other_participant.email not in orm_emails
    assert everyone == 2


def test_writes_into_another_organization_are_refused_by_the_database(org, other_org):
    from django.db import DatabaseError

    from programs.models import Program

    with pytest.raises(DatabaseError), transaction.atomic(), organization_rls(org.pk):
        Program.objects.create(organization=other_org, name="Smuggled")
    with scopes_disabled():
        assert not Program.objects.filter(name="Smuggled").exists()


def test_a_users_own_memberships_stay_visible_across_organizations(org, other_org, member):
    MembershipFactory(organization=other_org, user=member)

    with transaction.atomic(), organization_rls(org.pk):
        memberships = membership_list_for_user(user=member)
        with across_organizations():
            spanning = _raw_count("organizations_membership")
        restricted = _raw_count("organizations_membership")

    assert {m.organization_id for m in memberships} == {org.pk, other_org.pk}
    assert spanning == 2
    assert restricted == 1
