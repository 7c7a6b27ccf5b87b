"""Tenant scope for work outside a request: Celery tasks and management commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django_scopes import scope

from core.rls import organization_session


@contextmanager
def in_organization(organization_id: int) -> Iterator[None]:
    """Admit only one organization's rows, in Python and in the database.

    django-scopes makes an unscoped query of a tenant model raise; row-level security makes
    a query that forgets its organization filter return only this organization's rows.
    Every task that touches tenant data runs inside it.
    """
    with scope(organization=organization_id), organization_session(organization_id):
        yield
