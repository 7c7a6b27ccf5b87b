"""The cast (after healthchecks' Alice/Bob/Charlie): one organization with a person in every
role, a second organization with its own data, and an outsider who belongs to neither."""

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.backends.postgresql.operations import DatabaseOperations
from django.db.models.signals import post_migrate
from django.utils import timezone, translation
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from core.apps import _apply_row_level_security
from core.rls import SETTING
from organizations.models import Role
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    OrganizationFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """The test database as pytest-django makes it, emptied faster after each transactional
    test (158 of them, the live-server and real-worker tests among them).

    Django empties it with a flush: a TRUNCATE of every table, then `post_migrate`, which puts
    back content types, permissions and the site, and with them core's row-level security on
    every tenant table (four DDL statements each). The policies survive a TRUNCATE or DELETE,
    so that receiver is disconnected once migrations have run. And TRUNCATE makes new files for
    every table and index, while a test leaves rows in a few tables only: those are emptied by
    DELETE instead (every foreign key is deferred, so the order does not matter)."""
    core = apps.get_app_config("core")
    post_migrate.disconnect(_apply_row_level_security, sender=core)
    DatabaseOperations.sql_flush = _sql_flush_filled_tables  # type: ignore[method-assign]
    yield
    DatabaseOperations.sql_flush = _sql_flush_every_table  # type: ignore[method-assign]
    post_migrate.connect(_apply_row_level_security, sender=core)


_sql_flush_every_table = DatabaseOperations.sql_flush


def _sql_flush_filled_tables(
    ops: DatabaseOperations, style, tables, *, reset_sequences=False, allow_cascade=False
) -> list[str]:
    if reset_sequences or not tables:
        return _sql_flush_every_table(
            ops, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    # No organization set: row-level security then admits every row to the probe and the
    # DELETEs, whatever setting a test left on the connection. The names are Django's tables.
    no_organization = f"SELECT set_config('{SETTING}', '', true)"
    quoted = [ops.quote_name(table) for table in tables]
    probe = " UNION ALL ".join(
        f"SELECT {index} WHERE EXISTS (SELECT 1 FROM {table})"  # noqa: S608
        for index, table in enumerate(quoted)
    )
    with transaction.atomic(using=ops.connection.alias), ops.connection.cursor() as cursor:
        cursor.execute(no_organization)
        cursor.execute(probe)
        filled = [quoted[index] for (index,) in cursor.fetchall()]
    return [f"{no_organization};", *(f"DELETE FROM {table};" for table in filled)]  # noqa: S608


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language_and_zone():
    """The test client runs requests in this thread, and a Spanish-speaking user's request leaves
    Spanish active for whatever test the worker runs next; start and end every test in English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture
def unscoped():
    """For test set-up and assertions that read across organizations on purpose."""
    with scopes_disabled():
        yield


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Globex", slug="globex")


def _member(organization, role, email):
    return MembershipFactory(
        organization=organization, role=role, user=UserFactory(email=email)
    ).user


@pytest.fixture
def owner(org):
    return _member(org, Role.OWNER, "owner@acme.test")


@pytest.fixture
def org_admin(org):
    return _member(org, Role.ADMIN, "admin@acme.test")


@pytest.fixture
def program_manager(org):
    return _member(org, Role.PROGRAM_MANAGER, "pm@acme.test")


@pytest.fixture
def hr_analyst(org):
    return _member(org, Role.HR_ANALYST, "analyst@acme.test")


@pytest.fixture
def member(org):
    return _member(org, Role.MEMBER, "member@acme.test")


@pytest.fixture
def outsider(other_org):
    return _member(other_org, Role.OWNER, "owner@globex.test")


@pytest.fixture
def program(org):
    return ProgramFactory(organization=org, name="Bridges")


@pytest.fixture
def cohort(program):
    return CohortFactory(program=program, name="Spring")


@pytest.fixture
def other_cohort(other_org):
    return CohortFactory(program=ProgramFactory(organization=other_org, name="Globex program"))


@pytest.fixture
def other_participant(other_cohort):
    return ParticipantFactory(cohort=other_cohort, email="secret@globex.test")


@pytest.fixture
def api_client():
    return APIClient()


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def redis_worker():
    """A real Celery worker thread on the Redis broker (see tests/celery_helpers.py)."""
    from tests.celery_helpers import redis_worker_thread

    yield from redis_worker_thread()
