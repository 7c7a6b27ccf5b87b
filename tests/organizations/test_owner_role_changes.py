"""Only an owner changes an owner's role. With two owners the last-owner rule cannot hide a
missing check, so these tests give the organization two."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from core.errors import DomainError
from organizations import services
from organizations.models import AuditLogEntry, Membership, Role
from tests.conftest import login
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

NOT_OWNER = [r for r in Role.values if r != Role.OWNER]


@pytest.fixture
def second_owner(org, owner):
    return MembershipFactory(
        organization=org, role=Role.OWNER, user=UserFactory(email="second-owner@acme.test")
    )


def _roles(org):
    with scopes_disabled():
        return (
            sorted(Membership.objects.filter(organization=org).values_list("user__email", "role")),
            AuditLogEntry.objects.filter(organization=org).count(),
        )


def _membership(user):
    with scopes_disabled():
        return Membership.objects.get(user=user)


@pytest.mark.parametrize("role", NOT_OWNER)
def test_an_admin_cannot_change_an_owners_role_even_with_two_owners(
    org, owner, second_owner, org_admin, role
):
    before = _roles(org)

    for target in (_membership(owner), second_owner):
        with pytest.raises(DomainError):
            services.membership_change_role(
                organization=org, actor=_membership(org_admin), membership=target, role=role
            )

    assert _roles(org) == before


def test_an_admin_cannot_remove_an_owner_even_with_two_owners(org, owner, second_owner, org_admin):
    before = _roles(org)

    with pytest.raises(DomainError):
        services.membership_remove(
            organization=org, actor=_membership(org_admin), membership=second_owner
        )

    assert _roles(org) == before


def test_an_admins_copy_read_before_a_promotion_cannot_demote_the_new_owner(
    org, owner, second_owner, org_admin
):
    """The guard reads the role the database has now, not the caller's copy."""
    stale = Membership(
        **{f.attname: getattr(second_owner, f.attname) for f in Membership._meta.fields}
    )
    stale.role = Role.MEMBER  # as read before the owner promoted them
    before = _roles(org)

    with pytest.raises(DomainError):
        services.membership_change_role(
            organization=org, actor=_membership(org_admin), membership=stale, role=Role.ADMIN
        )

    assert _roles(org) == before


def test_the_role_page_refuses_an_admins_change_to_an_owner(
    client, org, owner, second_owner, org_admin
):
    before = _roles(org)
    login(client, org_admin)

    response = client.post(
        reverse("organizations:member_change_role", args=[org.slug, second_owner.pk]),
        {"role": Role.MEMBER},
    )

    assert response.status_code in (302, 400)
    assert _roles(org) == before


def test_an_owner_can_change_another_owners_role_when_two_remain(org, owner, second_owner):
    services.membership_change_role(
        organization=org, actor=_membership(owner), membership=second_owner, role=Role.ADMIN
    )

    second_owner.refresh_from_db()
    assert second_owner.role == Role.ADMIN


def test_an_owner_cannot_change_a_role_in_another_organization(org, owner):
    foreign = MembershipFactory(organization=OrganizationFactory(), role=Role.MEMBER)

    with pytest.raises(DomainError) as refused:
        services.membership_change_role(
            organization=org, actor=_membership(owner), membership=foreign, role=Role.ADMIN
        )

    assert refused.value.code == "not_found"
    foreign.refresh_from_db()
    assert foreign.role == Role.MEMBER


def test_the_only_owner_cannot_step_down_while_other_members_remain(org, owner, org_admin):
    """Counts owners, not members: an admin beside the one owner is not a second owner."""
    before = _roles(org)

    with pytest.raises(DomainError, match="at least one owner"):
        services.membership_change_role(
            organization=org, actor=_membership(owner), membership=_membership(owner), role="admin"
        )

    assert _roles(org) == before
