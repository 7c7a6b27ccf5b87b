"""How the API learns who is calling and for which organization (`organizations/api_auth.py`):
the `Api-Key` header read strictly, a key reaching its own organization only, its last use
written at most once a minute, a session's organization chosen by header or by the app, and
each throttle budget keyed by organization, member or nobody."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIRequestFactory

from organizations.api_auth import (
    AnonymousRateThrottle,
    OrganizationRateThrottle,
    _session_organization,
    request_actor,
)
from organizations.middleware import CURRENT_ORG_SESSION_KEY
from organizations.models import OrganizationAPIKey, Role
from tests.factories import MembershipFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

PROGRAMS = "/api/v1/programs/"


def _key(organization, name="sync"):
    key, raw = OrganizationAPIKey.objects.create_key(
        name=name, organization=organization, scopes=["read"]
    )
    return key, raw


def _programs(client, **headers):
    response = client.get(PROGRAMS, **headers)
    if response.status_code != 200:
        return response.status_code, None
    return 200, sorted(p["name"] for p in response.json()["results"])


def _message(response):
    return response.json()["error"]["message"]


def _last_used(key):
    with scopes_disabled():
        return OrganizationAPIKey.objects.get(pk=key.pk).last_used_at


# --- the header ----------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["Api-Key", "Api-Key one two"])
def test_an_api_key_header_without_exactly_one_key_is_refused_with_how_to_send_it(
    api_client, org, header
):
    _key(org)

    response = api_client.get(PROGRAMS, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert "Authorization: Api-Key <key>" in _message(response)


def test_another_authorization_scheme_is_not_read_as_an_api_key(api_client, org):
    response = api_client.get(PROGRAMS, HTTP_AUTHORIZATION="Bearer abc.def")

    assert response.status_code == 401
    assert "API key" not in _message(response)
    assert response["WWW-Authenticate"] == "Api-Key"


def test_a_keys_prefix_with_the_wrong_secret_is_refused(api_client, org):
    key, _raw = _key(org)

    response = api_client.get(PROGRAMS, HTTP_AUTHORIZATION=f"Api-Key {key.prefix}.wrong")

    assert response.status_code == 401
    assert _message(response) == "Invalid, expired or revoked API key."
    assert _last_used(key) is None


def test_each_key_reaches_its_own_organization(api_client, org, other_org):
    ProgramFactory(organization=org, name="Acme's")
    ProgramFactory(organization=other_org, name="Globex's")
    _first, first_raw = _key(org)
    _second, second_raw = _key(other_org)

    assert _programs(api_client, HTTP_AUTHORIZATION=f"Api-Key {first_raw}") == (200, ["Acme's"])
    assert _programs(api_client, HTTP_AUTHORIZATION=f"Api-Key {second_raw}") == (
        200,
        ["Globex's"],
    )


# --- last use: one write a minute at most ---------------------------------------------------


def test_a_keys_first_use_is_recorded_and_no_other_keys(api_client, org):
    key, raw = _key(org)
    other, _other_raw = _key(org, name="other")

    before = timezone.now()
    assert api_client.get(PROGRAMS, HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code == 200

    assert _last_used(key) >= before
    assert _last_used(other) is None


@pytest.mark.parametrize(("seconds_ago", "written"), [(30, False), (60.5, True), (3600, True)])
def test_a_keys_last_use_is_written_again_only_after_a_minute(
    api_client, org, seconds_ago, written
):
    key, raw = _key(org)
    earlier = timezone.now() - timedelta(seconds=seconds_ago)
    with scopes_disabled():
        OrganizationAPIKey.objects.filter(pk=key.pk).update(last_used_at=earlier)

    assert api_client.get(PROGRAMS, HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code == 200

    assert (_last_used(key) != earlier) is written


# --- who a write is audited under ------------------------------------------------------------


def test_the_actor_is_the_key_the_member_or_nobody(org):
    key, _raw = _key(org)
    user = UserFactory()
    factory = APIRequestFactory()

    def request(user, auth=None):
        made = factory.get("/")
        made.user, made.auth = user, auth
        return made

    assert request_actor(request(AnonymousUser(), key)) == key
    assert request_actor(request(user)) == user
    assert request_actor(request(AnonymousUser())) is None
    assert request_actor(request(None)) is None


# --- a session's organization ----------------------------------------------------------------


@pytest.fixture
def two_organizations_member(org, other_org):
    user = UserFactory(email="both@example.test")
    MembershipFactory(organization=org, user=user, role=Role.ADMIN)
    MembershipFactory(organization=other_org, user=user, role=Role.MEMBER)
    ProgramFactory(organization=org, name="Acme's")
    ProgramFactory(organization=other_org, name="Globex's")
    return user


def test_a_session_reaches_the_organization_its_header_names(
    api_client, org, other_org, two_organizations_member
):
    api_client.force_authenticate(two_organizations_member)

    assert _programs(api_client, HTTP_X_ORGANIZATION=org.slug) == (200, ["Acme's"])
    # A plain member of the other organization may not read programs there.
    assert _programs(api_client, HTTP_X_ORGANIZATION=other_org.slug) == (403, None)
    assert _programs(api_client, HTTP_X_ORGANIZATION="no-such-org") == (403, None)


def test_a_session_cannot_borrow_someone_elses_membership_by_naming_their_organization(
    api_client, org, other_org
):
    MembershipFactory(organization=other_org, role=Role.OWNER)
    ProgramFactory(organization=other_org, name="Globex's")
    outsider = MembershipFactory(organization=org, role=Role.ADMIN).user
    api_client.force_authenticate(outsider)

    assert _programs(api_client, HTTP_X_ORGANIZATION=other_org.slug) == (403, None)


def test_a_session_without_a_header_reaches_the_organization_open_in_the_app(
    client, org, other_org, two_organizations_member
):
    client.force_login(two_organizations_member)
    session = client.session
    session[CURRENT_ORG_SESSION_KEY] = org.pk
    session.save()

    response = client.get(PROGRAMS)

    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == ["Acme's"]

    session[CURRENT_ORG_SESSION_KEY] = other_org.pk
    session.save()
    assert client.get(PROGRAMS).status_code == 403


def test_only_a_signed_in_person_has_a_session_organization(org):
    request = APIRequestFactory().get("/", HTTP_X_ORGANIZATION=org.slug)
    request.user = AnonymousUser()

    assert _session_organization(request) is None


def test_an_anonymous_request_is_told_to_authenticate(api_client, org):
    response = api_client.get(PROGRAMS, HTTP_X_ORGANIZATION=org.slug)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- throttle budgets ------------------------------------------------------------------------


def test_each_throttle_keys_a_request_by_who_sent_it(org):
    key, _raw = _key(org)
    user = UserFactory()
    factory = APIRequestFactory()

    def request(user, auth=None):
        made = factory.get("/", REMOTE_ADDR="203.0.113.9")
        made.user, made.auth = user, auth
        return made

    organization_budget = OrganizationRateThrottle()
    anonymous_budget = AnonymousRateThrottle()

    assert organization_budget.get_cache_key(request(AnonymousUser(), key), None) == (
        f"throttle_organization_org-{org.pk}"
    )
    assert organization_budget.get_cache_key(request(user), None) == (
        f"throttle_organization_user-{user.pk}"
    )
    assert organization_budget.get_cache_key(request(AnonymousUser()), None) is None
    assert anonymous_budget.get_cache_key(request(AnonymousUser(), key), None) is None
    assert anonymous_budget.get_cache_key(request(AnonymousUser()), None) == (
        "throttle_anon_203.0.113.9"
    )
