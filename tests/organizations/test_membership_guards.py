"""Each guard of the membership and invitation services, alone: the tests that `scripts/mutate`
showed were masked by a neighbouring guard (docs/testing.md)."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from core.errors import DomainError
from organizations import services
from organizations.models import (
    APIKeyScope,
    AuditLogEntry,
    Invitation,
    Membership,
    OrganizationAPIKey,
    Role,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _membership(user):
    with scopes_disabled():
        return Membership.objects.get(user=user)


def _invite(org, owner, email):
    return services.invitation_create(
        organization=org, invited_by=_membership(owner), email=email, role=Role.MEMBER
    )


def test_a_member_is_told_they_cannot_change_roles(org, member):
    target = MembershipFactory(organization=org, role=Role.MEMBER)

    with pytest.raises(DomainError) as refused:
        services.membership_change_role(
            organization=org, actor=_membership(member), membership=target, role=Role.MEMBER
        )

    assert refused.value.code == "permission_denied"


def test_an_unknown_role_is_named_as_such(org, owner, member):
    with pytest.raises(DomainError, match="Unknown role") as refused:
        services.membership_change_role(
            organization=org, actor=_membership(owner), membership=_membership(member), role="czar"
        )

    assert refused.value.field == "role"


def test_an_owner_removes_another_owner_while_one_remains(org, owner):
    second = MembershipFactory(organization=org, role=Role.OWNER)

    services.membership_remove(organization=org, actor=_membership(owner), membership=second)

    with scopes_disabled():
        assert not Membership.objects.filter(pk=second.pk).exists()


def test_a_member_may_leave_but_not_remove_someone_else(org, member):
    other = MembershipFactory(organization=org, role=Role.MEMBER)
    me = _membership(member)

    with pytest.raises(DomainError) as refused:
        services.membership_remove(organization=org, actor=me, membership=other)
    services.membership_remove(organization=org, actor=me, membership=me)

    assert refused.value.code == "permission_denied"
    with scopes_disabled():
        assert Membership.objects.filter(pk=other.pk).exists()
        assert not Membership.objects.filter(pk=me.pk).exists()


def test_only_managers_revoke_invitations_and_only_their_own(org, other_org, owner, member):
    invitation, _token = _invite(org, owner, "one@acme.test")
    _invite(org, owner, "two@acme.test")
    foreign_owner = MembershipFactory(organization=other_org, role=Role.OWNER)

    with pytest.raises(DomainError) as not_allowed:
        services.invitation_revoke(
            organization=org, actor=_membership(member), invitation=invitation
        )
    with pytest.raises(DomainError) as not_found:
        services.invitation_revoke(
            organization=other_org, actor=foreign_owner, invitation=invitation
        )
    services.invitation_revoke(organization=org, actor=_membership(owner), invitation=invitation)

    assert not_allowed.value.code == "permission_denied"
    assert not_found.value.code == "not_found"
    with scopes_disabled():
        revoked = dict(Invitation.objects.values_list("email", "revoked_at"))
        assert AuditLogEntry.objects.filter(action="invitation.revoke").count() == 1
    assert revoked["one@acme.test"] is not None
    assert revoked["two@acme.test"] is None


def test_an_expired_invitation_is_refused_by_the_service(org, owner):
    _invitation, token = _invite(org, owner, "late@acme.test")
    with scopes_disabled():
        Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    with pytest.raises(DomainError) as refused:
        services.invitation_accept(token=token, user=UserFactory(email="late@acme.test"))

    assert refused.value.code == "invalid_link"
    with scopes_disabled():
        assert not Membership.objects.filter(user__email="late@acme.test").exists()


def test_an_invitation_accepted_meanwhile_is_not_accepted_twice(org, owner, monkeypatch):
    """The claim is the guard: a copy read before another acceptance still looks pending."""
    _invitation, token = _invite(org, owner, "new@acme.test")
    user = UserFactory(email="new@acme.test")
    stale = services.invitation_get_by_token(token=token)
    services.invitation_accept(token=token, user=user)
    monkeypatch.setattr(services, "invitation_get_by_token", lambda token: stale)

    with pytest.raises(DomainError, match="already used"):
        services.invitation_accept(token=token, user=user)

    with scopes_disabled():
        assert AuditLogEntry.objects.filter(action="invitation.accept").count() == 1


def test_a_new_invitation_replaces_only_the_same_addresss_pending_one(org, owner):
    first, _token = _invite(org, owner, "same@acme.test")
    other, _token = _invite(org, owner, "other@acme.test")

    newer, _token = _invite(org, owner, "SAME@acme.test")

    with scopes_disabled():
        revoked = {i.pk: i.revoked_at for i in Invitation.objects.all()}
        assert AuditLogEntry.objects.filter(action="invitation.create").count() == 3
    assert revoked[first.pk] is not None
    assert revoked[other.pk] is None and revoked[newer.pk] is None


def _key(org, user, scopes, name="key"):
    return services.api_key_create(
        organization=org, actor=_membership(user), name=name, scopes=scopes
    )[0]


def test_api_keys_are_created_only_by_their_managers_within_the_creators_scopes(
    org, org_admin, hr_analyst, member
):
    with pytest.raises(DomainError) as member_refused:
        _key(org, member, [APIKeyScope.READ.value])
    with pytest.raises(DomainError, match="cannot grant"):
        _key(org, hr_analyst, [APIKeyScope.WRITE.value])
    with pytest.raises(DomainError) as unnamed:
        _key(org, org_admin, [APIKeyScope.READ.value], name="  ")
    writer = _key(org, org_admin, [APIKeyScope.READ.value, APIKeyScope.WRITE.value])
    reporter = _key(org, hr_analyst, [APIKeyScope.REPORTS_READ.value])

    assert member_refused.value.code == "permission_denied"
    assert unnamed.value.field == "name"
    assert writer.scopes == ["read", "write"]
    assert reporter.scopes == ["reports:read"]
    with scopes_disabled():
        assert OrganizationAPIKey.objects.count() == 2


def test_api_keys_are_revoked_only_by_managers_of_the_same_organization(
    org, other_org, org_admin, member
):
    api_key = _key(org, org_admin, [APIKeyScope.READ.value])
    foreign_owner = MembershipFactory(organization=other_org, role=Role.OWNER)

    with pytest.raises(DomainError) as not_allowed:
        services.api_key_revoke(organization=org, actor=_membership(member), api_key=api_key)
    with pytest.raises(DomainError) as not_found:
        services.api_key_revoke(organization=other_org, actor=foreign_owner, api_key=api_key)
    with scopes_disabled():
        assert OrganizationAPIKey.objects.get(pk=api_key.pk).revoked is False
    services.api_key_revoke(organization=org, actor=_membership(org_admin), api_key=api_key)

    assert not_allowed.value.code == "permission_denied"
    assert not_found.value.code == "not_found"
    with scopes_disabled():
        assert OrganizationAPIKey.objects.get(pk=api_key.pk).revoked is True


def test_the_audit_log_keeps_the_first_200_characters_of_a_target(org):
    entry = services.audit_log_record(organization=org, actor=None, action="x", target="t" * 300)

    with scopes_disabled():
        assert AuditLogEntry.objects.get(pk=entry.pk).target == "t" * 200


def test_a_new_organization_keeps_its_plain_slug_when_no_other_has_it(other_org):
    organization = services.organization_create(name="Initech", owner=UserFactory())

    assert organization.slug == "initech"
