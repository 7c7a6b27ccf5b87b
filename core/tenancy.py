"""Tenant scope for work outside a request: Celery tasks and management commands."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django_scopes import scope

from core.models import TENANT_MODEL
from core.rls import organization_session

logger = logging.getLogger(__name__)


@contextmanager
def in_organization(organization_id: int) -> Iterator[None]:
    """Admit only one organization's rows, in Python and in the database.

    django-scopes makes an unscoped query of a tenant model raise; row-level security makes
    a query that forgets its organization filter return only this organization's rows.
    Every task that touches tenant data runs inside it.
    """
    with scope(organization=organization_id), organization_session(organization_id):
        yield


def for_each_organization(organization_ids: Iterable[int], work: Callable[[Any], object]) -> None:
    """Run a scan's share for each organization, one after another, inside that organization's
    scope, so a filter the service forgot still reaches only that organization's rows. An
    organization deleted since the scan found it is skipped."""
    organization_model = apps.get_model(TENANT_MODEL)
    for organization_id in sorted(set(organization_ids)):
        organization = organization_model.objects.filter(pk=organization_id).first()
        if organization is None:
            logger.warning(
                "organization %s is gone; its share of the scan is skipped", organization_id
            )
            continue
        with in_organization(organization.pk):
            work(organization)
