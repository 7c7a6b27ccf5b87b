"""PostgreSQL row-level security: the database's own guard under the app's tenant filters.

Every tenant table gets a policy that admits only rows of the organization named by the
transaction-local setting `app.current_org`. Requests under an organization set it for their
transaction (`SET LOCAL` semantics via `set_config(..., true)`, which PgBouncer's transaction
pooling cannot leak to another client); with no organization set, the policy admits all rows,
so sign-in, token look-ups, tasks and migrations work as before and rely on the explicit
`for_org` filters and django-scopes. Superusers bypass RLS, so the app must connect as an
ordinary role (see docs/operations.md); `FORCE` makes the policy bind the table owner too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import connection

SETTING = "app.current_org"
POLICY = "meridian_tenant_isolation"
_ORG = f"nullif(current_setting('{SETTING}', true), '')"
CONDITION = f"({_ORG} IS NULL OR organization_id = {_ORG}::bigint)"


def _active() -> bool:
    # Outside a transaction a local setting would vanish at once; requests run in one
    # (ATOMIC_REQUESTS), and so do the services that need it.
    return connection.vendor == "postgresql" and connection.in_atomic_block


def _set(value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, value])


def _restore(previous: str) -> None:
    # A transaction already doomed to roll back discards the setting anyway, and takes no query.
    if not connection.needs_rollback:
        _set(previous)


def _get() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting(%s, true), '')", [SETTING])
        return cursor.fetchone()[0]


@contextmanager
def organization_rls(organization_id: int) -> Iterator[None]:
    """Restrict every query in the block to one organization's rows, at the database."""
    if not _active():
        yield
        return
    previous = _get()
    _set(str(int(organization_id)))
    try:
        yield
    finally:
        _restore(previous)


@contextmanager
def across_organizations() -> Iterator[None]:
    """For the few reads that span organizations on purpose (a user's own memberships)."""
    if not _active():
        yield
        return
    previous = _get()
    _set("")
    try:
        yield
    finally:
        _restore(previous)


def tenant_tables() -> list[str]:
    from organizations.models import OrganizationAPIKey, TenantOwnedModel

    models = [m for m in apps.get_models() if issubclass(m, TenantOwnedModel)]
    return sorted({m._meta.db_table for m in [*models, OrganizationAPIKey]})


def apply_policies(using_connection=None) -> list[str]:
    """Enable, force and (re)create the isolation policy on every tenant table. Idempotent."""
    conn = using_connection or connection
    if conn.vendor != "postgresql":
        return []
    tables = tenant_tables()
    with conn.cursor() as cursor:
        for table in tables:
            quoted = conn.ops.quote_name(table)
            cursor.execute(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY")
            cursor.execute(f"DROP POLICY IF EXISTS {POLICY} ON {quoted}")
            cursor.execute(
                f"CREATE POLICY {POLICY} ON {quoted} USING {CONDITION} WITH CHECK {CONDITION}"
            )
    return tables
