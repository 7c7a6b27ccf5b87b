import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from core.errors import DomainError
from organizations import services
from organizations.models import Invitation, Membership, Role
from tests.conftest import login
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _invite(client, org, email="new@acme.test", role="member"):
    return client.post(
        reverse("organizations:member_list", args=[org.slug]), {"email": email, "role": role}
    )


def _link_from_last_email():
    return re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)


def test_admin_invites_by_email_and_the_link_joins_the_organization(client, org, org_admin):
    login(client, org_admin)
    _invite(client, org, role="program_manager")
    link = _link_from_last_email()
    invitee = UserFactory(email="new@acme.test")
    client.force_login(invitee)

    client.post(link.split("localhost:8000")[-1])

    with scopes_disabled():
        membership = Membership.objects.get(organization=org, user=invitee)
    assert membership.role == Role.PROGRAM_MANAGER


def test_invitation_stores_only_a_hash_of_the_token(client, org, org_admin):
    login(client, org_admin)
    _invite(client, org)
    token = _link_from_last_email().rstrip("/").rsplit("/", 1)[-1]

    with scopes_disabled():
        invitation = Invitation.objects.get(email="new@acme.test")
    assert token not in invitation.token_hash


def test_expired_invitation_link_is_refused(client, org, owner):
    with scopes_disabled():
        membership = Membership.objects.get(user=owner)
    _invitation, token = services.invitation_create(
        organization=org, invited_by=membership, email="late@acme.test", role="member"
    )
    with scopes_disabled():
        Invitation.objects.filter(email="late@acme.test").update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
    client.force_login(UserFactory(email="late@acme.test"))

    response = client.post(reverse("invitation_accept", args=[token]))

    assert response.status_code == 404
    with scopes_disabled():
        assert not Membership.objects.filter(user__email="late@acme.test").exists()


def test_invitation_cannot_be_accepted_by_someone_else(client, org, owner):
    with scopes_disabled():
        membership = Membership.objects.get(user=owner)
    _invitation, token = services.invitation_create(
        organization=org, invited_by=membership, email="right@acme.test", role="admin"
    )
    client.force_login(UserFactory(email="wrong@acme.test"))

    client.post(reverse("invitation_accept", args=[token]))

    with scopes_disabled():
        assert not Membership.objects.filter(user__email="wrong@acme.test").exists()


def test_new_person_signs_up_through_an_invitation_and_joins_without_founding_an_org(
    client, org, owner
):
    with scopes_disabled():
        membership = Membership.objects.get(user=owner)
    _invitation, token = services.invitation_create(
        organization=org, invited_by=membership, email="fresh@acme.test", role="member"
    )
    client.get(reverse("invitation_accept", args=[token]))

    client.post(
        reverse("account_signup"),
        {
            "full_name": "Fresh Person",
            "email": "fresh@acme.test",
            "organization_name": "",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )

    with scopes_disabled():
        joined = Membership.objects.get(user__email="fresh@acme.test")
    assert joined.organization == org
    assert joined.role == Role.MEMBER


def test_admin_cannot_hand_out_the_owner_role(client, org, org_admin):
    login(client, org_admin)

    response = _invite(client, org, role="owner")

    assert "role" in response.context["form"].errors
    with scopes_disabled():
        assert not Invitation.objects.exists()


def test_member_cannot_manage_people(client, org, member):
    login(client, member)

    assert client.get(reverse("organizations:member_list", args=[org.slug])).status_code == 403
    assert _invite(client, org).status_code == 403


def test_last_owner_cannot_be_demoted_or_removed(org, owner):
    with scopes_disabled():
        membership = Membership.objects.get(user=owner)

    with pytest.raises(DomainError):
        services.membership_change_role(
            organization=org, actor=membership, membership=membership, role="admin"
        )
    with pytest.raises(DomainError):
        services.membership_remove(organization=org, actor=membership, membership=membership)


def test_owner_changes_a_role_and_it_is_audited(client, org, owner, member):
    with scopes_disabled():
        target = Membership.objects.get(user=member)
    login(client, owner)

    client.post(
        reverse("organizations:member_change_role", args=[org.slug, target.pk]),
        {"role": "hr_analyst"},
    )

    target.refresh_from_db()
    assert target.role == Role.HR_ANALYST
    with scopes_disabled():
        from organizations.models import AuditLogEntry

        entry = AuditLogEntry.objects.get(action="membership.role_change")
    assert entry.data == {"from": "member", "to": "hr_analyst"}


def test_admin_removes_a_member_who_then_loses_access(client, org, org_admin, member, cohort):
    with scopes_disabled():
        target = Membership.objects.get(user=member)
    login(client, org_admin)

    client.post(reverse("organizations:member_remove", args=[org.slug, target.pk]))
    client.force_login(member)

    assert client.get(reverse("programs:catalog", args=[org.slug])).status_code == 404


def test_a_person_in_two_organizations_switches_between_them(client, org, member):
    second = OrganizationFactory(name="Second Org", slug="second")
    MembershipFactory(organization=second, user=member, role=Role.ADMIN)
    login(client, member)

    listing = client.get(reverse("organizations:organization_list"))
    first_page = client.get(reverse("dashboard", args=[org.slug]))
    second_page = client.get(reverse("dashboard", args=[second.slug]))

    assert b"Acme" in listing.content and b"Second Org" in listing.content
    assert first_page.context["membership"].role == Role.MEMBER
    assert second_page.context["membership"].role == Role.ADMIN
    assert client.session["current_organization_id"] == second.pk


def test_signed_out_visitor_is_sent_to_sign_in(client, org):
    response = client.get(reverse("dashboard", args=[org.slug]))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_api_key_is_shown_once_and_hr_analyst_cannot_grant_write(client, org, hr_analyst):
    login(client, hr_analyst)
    url = reverse("organizations:api_key_list", args=[org.slug])

    refused = client.post(url, {"name": "BI", "scopes": ["write"]})
    created = client.post(url, {"name": "BI", "scopes": ["read", "reports:read"]}, follow=True)
    later = client.get(url)

    assert "scopes" in refused.context["form"].errors
    assert created.context["new_key"]
    assert created.context["new_key"] not in later.content.decode()


def test_hr_analyst_cannot_revoke_an_admins_key(client, org, org_admin, hr_analyst):
    from organizations.models import OrganizationAPIKey

    key, _raw = OrganizationAPIKey.objects.create_key(
        name="admin key", organization=org, scopes=["read"], created_by=org_admin
    )
    login(client, hr_analyst)

    client.post(reverse("organizations:api_key_revoke", args=[org.slug, key.pk]))

    key.refresh_from_db()
    assert key.revoked is False


def _verified(user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_verified_member_signs_in_with_the_right_password(client, org, member):
    _verified(member)

    client.post(
        reverse("account_login"), {"login": member.email, "password": "correct-horse-battery"}
    )

    assert client.session["_auth_user_id"] == str(member.pk)


def test_unverified_email_cannot_sign_in_yet(client, org, member):
    client.post(
        reverse("account_login"), {"login": member.email, "password": "correct-horse-battery"}
    )

    assert "_auth_user_id" not in client.session


def test_repeated_failed_logins_lock_out_even_the_right_password(client, settings, org, member):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    _verified(member)
    for _ in range(3):
        client.post(reverse("account_login"), {"login": member.email, "password": "wrong"})

    response = client.post(
        reverse("account_login"), {"login": member.email, "password": "correct-horse-battery"}
    )

    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors


def test_admins_read_the_audit_log_and_members_cannot(client, org, org_admin, member, other_org):
    from organizations.models import AuditLogEntry

    AuditLogEntry.objects.create(
        organization=org, actor=org_admin, action="program.create", target="Ours"
    )
    AuditLogEntry.objects.create(organization=other_org, action="program.create", target="Theirs")
    login(client, org_admin)

    page = client.get(reverse("organizations:audit_log", args=[org.slug]))
    client.force_login(member)
    refused = client.get(reverse("organizations:audit_log", args=[org.slug]))

    assert "Ours" in page.content.decode() and "Theirs" not in page.content.decode()
    assert refused.status_code == 403
