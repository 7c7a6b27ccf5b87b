"""The tenant base every organization-owned model inherits, and its scoped manager.

The tenant is named by its label, so this module imports no app of the project.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

TENANT_MODEL = "organizations.Organization"


class TenantQuerySet(models.QuerySet):
    pass


class _TenantBaseManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    def for_org(self, organization: Any) -> TenantQuerySet:
        """The one way app code reaches tenant rows: filtered to one organization.

        Takes an organization or its id.
        """
        org_id = organization if isinstance(organization, int) else organization.pk
        return self.with_scope(organization=org_id).get_queryset()  # type: ignore[attr-defined]


def TenantManager() -> models.Manager:
    """A django-scopes manager: an unscoped query raises instead of leaking every tenant."""
    return ScopedManager(_manager_class=_TenantBaseManager, organization="organization_id")


class TenantOwnedModel(models.Model):
    organization = models.ForeignKey(
        TENANT_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = TenantManager()

    class Meta:
        abstract = True


def is_tenant_owned(model: type[models.Model]) -> bool:
    """Rows that belong to one organization: the tenant base's children, and any model with
    its own foreign key named `organization` to the tenant (API keys, whose base class is a
    library's)."""
    if issubclass(model, TenantOwnedModel):
        return True
    try:
        field = model._meta.get_field("organization")
    except Exception:
        return False
    return bool(field.is_relation and field.related_model._meta.label == TENANT_MODEL)
