"""API keys page: a created key is shown once, on the page the form redirects to (post,
redirect, get), so a reload neither shows it again nor creates a second key."""

import pytest
from django.urls import reverse

from organizations.models import OrganizationAPIKey, Role
from tests.conftest import login
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _url(org):
    return reverse("organizations:api_key_list", args=[org.slug])


def test_creating_a_key_redirects_and_the_next_page_shows_it_once(client, org, org_admin):
    login(client, org_admin)

    response = client.post(_url(org), {"name": "BI", "scopes": ["read"]})

    assert response.status_code == 302
    assert response["Location"] == _url(org)
    shown = client.get(_url(org))
    raw = shown.context["new_key"]
    assert raw
    key = OrganizationAPIKey.objects.get_from_key(raw)
    assert key.organization_id == org.pk
    assert 'data-copy="#new-api-key"' in shown.content.decode()
    reloaded = client.get(_url(org))
    assert raw not in reloaded.content.decode()
    assert not reloaded.context["new_key"]
    assert OrganizationAPIKey.objects.filter(organization=org).count() == 1


def test_a_refused_key_stays_on_the_form_with_its_errors(client, org, hr_analyst):
    login(client, hr_analyst)

    response = client.post(_url(org), {"name": "BI", "scopes": ["write"]})

    assert response.status_code == 200
    assert "scopes" in response.context["form"].errors
    assert not OrganizationAPIKey.objects.filter(organization=org).exists()


def test_a_new_key_is_not_shown_on_another_organizations_page(client, org, org_admin):
    elsewhere = OrganizationFactory()
    MembershipFactory(organization=elsewhere, user=org_admin, role=Role.ADMIN)
    login(client, org_admin)

    client.post(_url(org), {"name": "BI", "scopes": ["read"]})

    assert not client.get(_url(elsewhere)).context["new_key"]
    assert client.get(_url(org)).context["new_key"]
