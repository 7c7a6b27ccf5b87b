import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scopes_disabled

from organizations.models import Membership, Organization, Role

pytestmark = pytest.mark.django_db


def _signup(client, **overrides):
    data = {
        "full_name": "Nadia Founder",
        "email": "nadia@newco.test",
        "organization_name": "NewCo",
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
    }
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


def test_signup_creates_organization_with_the_user_as_owner(client):
    _signup(client)

    organization = Organization.objects.get(name="NewCo")
    with scopes_disabled():
        membership = Membership.objects.get(organization=organization)
    assert membership.user.email == "nadia@newco.test"
    assert membership.role == Role.OWNER


def test_signup_sends_a_verification_email(client):
    _signup(client)

    assert len(mail.outbox) == 1
    assert "nadia@newco.test" in mail.outbox[0].to
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_signup_without_organization_name_is_refused_with_a_field_error(client):
    response = _signup(client, organization_name="")

    assert response.status_code == 200
    assert "organization_name" in response.context["form"].errors
    assert not Organization.objects.exists()


def test_signup_with_mismatched_passwords_is_refused(client):
    response = _signup(client, password2="something-else-entirely")

    assert "password2" in response.context["form"].errors
    assert not Organization.objects.exists()


def test_password_reset_emails_a_link_that_sets_a_new_password(client):
    from allauth.account.models import EmailAddress

    from tests.factories import UserFactory

    user = UserFactory(email="forgetful@acme.test")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    client.post(reverse("account_reset_password"), {"email": user.email})
    link = next(
        word for word in mail.outbox[-1].body.split() if "/accounts/password/reset/key/" in word
    )
    form_page = client.get(link.split("testserver")[-1], follow=True)
    client.post(
        form_page.redirect_chain[-1][0]
        if form_page.redirect_chain
        else link.split("testserver")[-1],
        {"password1": "brand-new-passphrase-42", "password2": "brand-new-passphrase-42"},
    )

    user.refresh_from_db()
    assert user.check_password("brand-new-passphrase-42")
