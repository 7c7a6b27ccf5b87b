"""The tenant base (`core/models.py`): which models hold one organization's rows, and what the
base gives each of them."""

import pytest
from django.apps import apps
from django.db import models
from django.forms import modelform_factory
from django.test.utils import isolate_apps
from django_scopes import ScopeError

from accounts.models import User
from core.models import TenantOwnedModel, is_tenant_owned
from core.rls import tenant_tables
from organizations.models import Membership, Organization, OrganizationAPIKey
from programs.models import Program


def test_the_tenant_base_is_abstract_and_gives_no_table_of_its_own():
    assert TenantOwnedModel._meta.abstract
    assert TenantOwnedModel not in apps.get_models()


def test_a_tenant_rows_creation_time_is_not_a_form_field():
    form = modelform_factory(Program, fields="__all__")

    assert "created_at" not in form.base_fields
    assert "organization" in form.base_fields


@pytest.mark.parametrize("model", [Program, Membership, OrganizationAPIKey])
def test_models_of_the_base_or_with_an_organization_key_are_tenant_owned(model):
    assert is_tenant_owned(model)


@pytest.mark.parametrize("model", [User, Organization])
def test_the_tenant_itself_and_people_are_not_tenant_owned(model):
    assert not is_tenant_owned(model)


@isolate_apps("tests")
def test_a_field_named_organization_makes_a_model_tenant_owned_only_if_it_is_the_tenant():
    class Note(models.Model):
        organization = models.CharField(max_length=20)

        class Meta:
            app_label = "tests"

        def __str__(self) -> str:
            return self.organization

    class Badge(models.Model):
        organization = models.ForeignKey(User, on_delete=models.CASCADE)

        class Meta:
            app_label = "tests"

        def __str__(self) -> str:
            return str(self.organization_id)

    assert not is_tenant_owned(Note)
    assert not is_tenant_owned(Badge)


def test_row_level_security_covers_the_tenant_tables_and_nothing_else():
    tables = tenant_tables()

    assert {"programs_program", "organizations_organizationapikey"} <= set(tables)
    assert not {"accounts_user", "organizations_organization"} & set(tables)


@pytest.mark.django_db
def test_a_tenant_query_without_an_organization_raises_instead_of_reading_everyone():
    with pytest.raises(ScopeError):
        list(Program.objects.all())
