"""A refused button press by someone without the right answers 403 or 404, never a redirect
that looks like success."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from organizations.models import Membership
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _membership(user, organization):
    with scopes_disabled():
        return Membership.objects.get(user=user, organization=organization)


@pytest.mark.parametrize("remover", ["member", "org_admin"])
def test_removing_the_owner_without_being_an_owner_is_forbidden(
    client, request, org, owner, remover
):
    login(client, request.getfixturevalue(remover))
    target = _membership(owner, org)

    response = client.post(reverse("organizations:member_remove", args=[org.slug, target.pk]))

    assert response.status_code == 403
    with scopes_disabled():
        assert Membership.objects.filter(pk=target.pk).exists()


def test_removing_another_organizations_member_is_not_found(
    client, org, other_org, member, outsider
):
    login(client, member)
    target = _membership(outsider, other_org)

    response = client.post(reverse("organizations:member_remove", args=[org.slug, target.pk]))

    assert response.status_code == 404
