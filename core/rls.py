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
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.db import connection

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

SETTING = "app.current_org"
POLICY = "meridian_tenant_isolation"
_ORG = f"nullif(current_setting('{SETTING}', true), '')"
CONDITION = f"({_ORG} IS NULL OR organization_id = {_ORG}::bigint)"


def _enabled() -> bool:
    # Tests switch it off (`MERIDIAN_ROW_LEVEL_SECURITY = False`) to run the tenant-isolation
    # sweeps on the application's own organization filters alone: with the database hiding
    # foreign rows, a selector that forgot its filter would pass every test.
    return connection.vendor == "postgresql" and getattr(
        settings, "MERIDIAN_ROW_LEVEL_SECURITY", True
    )


def _active() -> bool:
    # Outside a transaction a local setting would vanish at once; requests run in one
    # (ATOMIC_REQUESTS), and so do the services that need it.
    return _enabled() and connection.in_atomic_block


def _set(value: str, *, local: bool = True) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, %s)", [SETTING, value, local])


def _restore(previous: str) -> None:
    # A transaction already doomed to roll back discards the setting anyway, and takes no query.
    if not connection.needs_rollback:
        _set(previous)


def _swap(value: str, *, local: bool = True) -> str:
    """Set the setting and return the one it replaces, in one round trip. The materialized CTE
    is read before the outer select calls `set_config`, so it holds the value from before."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH previous AS MATERIALIZED ("
            " SELECT coalesce(current_setting(%s, true), '') AS value)"
            " SELECT value, set_config(%s, %s, %s) FROM previous",
            [SETTING, SETTING, value, local],
        )
        previous: str = cursor.fetchone()[0]
        return previous


def _in_outermost_transaction() -> bool:
    # One atomic block is the transaction itself (ATOMIC_REQUESTS in production). Under an
    # enclosing block (a test's transaction, a caller's `atomic`), more statements follow in the
    # same transaction, and they must not inherit the setting.
    return len(connection.atomic_blocks) == 1


@contextmanager
def organization_rls(
    organization_id: int, *, ends_with_transaction: bool = False
) -> Iterator[None]:
    """Restrict every query in the block to one organization's rows, at the database.

    `ends_with_transaction=True` is for a block whose end is the end of its transaction (an API
    request under ATOMIC_REQUESTS, closed in `finalize_response`): when that transaction is the
    outermost one, the setting dies with it at commit or rollback, so restoring it would be a
    round trip nothing reads. Inside an enclosing transaction it is restored as usual.
    """
    if not _active():
        yield
        return
    if ends_with_transaction and _in_outermost_transaction():
        _set(str(int(organization_id)))
        yield
        return
    previous = _swap(str(int(organization_id)))
    try:
        yield
    finally:
        _restore(previous)


@contextmanager
def organization_session(organization_id: int) -> Iterator[None]:
    """Like `organization_rls`, for work that runs outside a request's transaction (tasks).

    Inside a transaction the setting is transaction-local. Outside one it is set for the
    connection and restored when the block ends, since a task commits many transactions of
    its own. Workers therefore connect to PostgreSQL directly or through session pooling,
    never through PgBouncer's transaction pooling (docs/operations.md).
    """
    if not _enabled():
        yield
        return
    local = connection.in_atomic_block
    previous = _swap(str(int(organization_id)), local=local)
    try:
        yield
    finally:
        # A connection that broke in the block is gone, and its setting with it.
        if connection.connection is not None and not connection.needs_rollback:
            _set(previous, local=local)


@contextmanager
def across_organizations() -> Iterator[None]:
    """For the few reads that span organizations on purpose (a user's own memberships)."""
    if not _active():
        yield
        return
    previous = _swap("")
    try:
        yield
    finally:
        _restore(previous)


def tenant_tables() -> list[str]:
    from core.models import is_tenant_owned

    return sorted({m._meta.db_table for m in apps.get_models() if is_tenant_owned(m)})


def apply_policies(using_connection: BaseDatabaseWrapper | None = None) -> list[str]:
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
