"""API keys spend their organization's budget, never a per-address one; forged
X-Forwarded-For headers change nothing."""

import pytest
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle

from organizations.api_auth import AnonymousRateThrottle
from organizations.models import OrganizationAPIKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_rates(monkeypatch):
    # Throttles read their rates when DRF loads; patch the class attribute they all share.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "organization": "4/min"}
    )


def _key_client(client_class, organization):
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="ci", organization=organization, scopes=["read"]
    )
    client = client_class()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def _statuses(client, count, **headers):
    return [client.get("/api/v1/programs/", **headers).status_code for _ in range(count)]


def test_an_api_key_reaches_its_organizations_budget_not_the_anonymous_one(
    api_client, org, small_rates
):
    client = _key_client(type(api_client), org)

    assert _statuses(client, 5) == [200, 200, 200, 200, 429]


def test_two_organizations_budgets_are_independent(api_client, org, other_org, small_rates):
    first = _key_client(type(api_client), org)
    second = _key_client(type(api_client), other_org)

    assert _statuses(first, 5)[-1] == 429
    assert _statuses(second, 4) == [200, 200, 200, 200]


def test_a_forged_x_forwarded_for_does_not_reset_the_budget(api_client, org, small_rates):
    client = _key_client(type(api_client), org)

    statuses = [
        client.get("/api/v1/programs/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(5)
    ]

    assert statuses == [200, 200, 200, 200, 429]


def test_the_anonymous_budget_ignores_a_forged_x_forwarded_for():
    factory = APIRequestFactory()
    throttle = AnonymousRateThrottle()

    idents = {
        throttle.get_ident(factory.get("/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"))
        for n in range(3)
    }

    assert idents == {"127.0.0.1"}


def test_one_trusted_proxy_count_for_the_api_and_for_login(settings):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT == 0
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.TRUSTED_PROXY_COUNT


def test_a_throttled_request_answers_429_in_the_error_shape_with_retry_after(
    api_client, org, small_rates
):
    client = _key_client(type(api_client), org)
    _statuses(client, 4)

    response = client.get("/api/v1/programs/")

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert response.json()["error"]["message"]
    assert int(response["Retry-After"]) > 0
