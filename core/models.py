"""The tenant base every organization-owned model inherits, and its scoped manager.

The tenant is named by its label, so this module imports no app of the project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self, TypeVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

if TYPE_CHECKING:
    from organizations.models import Organization

TENANT_MODEL = "organizations.Organization"

_M = TypeVar("_M", bound=models.Model)


class TenantQuerySet(models.QuerySet[_M]):
    pass


_ManagerFromTenantQuerySet = models.Manager.from_queryset(TenantQuerySet)


class _TenantBaseManager(_ManagerFromTenantQuerySet[_M]):
    if TYPE_CHECKING:
        # django-scopes' ScopedManager adds these to the class it builds on this one.
        def with_scope(self, **scope: object) -> Self: ...

        def with_scopes_disabled(self) -> Self: ...

    def for_org(self, organization: Organization | int) -> models.QuerySet[_M]:
        """The one way app code reaches tenant rows: filtered to one organization.

        Takes an organization or its id.
        """
        org_id = organization if isinstance(organization, int) else organization.pk
        return self.with_scope(organization=org_id).get_queryset()


if TYPE_CHECKING:
    _ScopedTenantManager = _TenantBaseManager
else:
    # django-scopes builds its manager class inside a function; naming that class once here
    # gives every tenant model's `objects` an importable class the type checker can resolve.
    _ScopedTenantManager = type(
        ScopedManager(_manager_class=_TenantBaseManager, organization="organization_id")
    )


class TenantManager(_ScopedTenantManager[_M]):
    """A django-scopes manager: an unscoped query raises instead of leaking every tenant."""


class TenantOwnedModel(models.Model):
    organization = models.ForeignKey(
        TENANT_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    # Annotated so the apps' tenant models may each declare `objects = TenantManager()` again:
    # the plugin types each model's manager as a class variable of that model.
    objects: TenantManager[Self] = TenantManager()

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
    related_model = field.related_model
    return bool(field.is_relation and related_model and related_model._meta.label == TENANT_MODEL)
