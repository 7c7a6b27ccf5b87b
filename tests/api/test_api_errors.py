"""Every API answer that is not a success is the JSON error shape, whatever went wrong."""

import json

import pytest

from organizations.models import OrganizationAPIKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_client(api_client, org):
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="ci", organization=org, scopes=["read", "write"]
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api_client


def _error(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["error"]


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/programs/1/nope/", "/api/other"])
def test_an_unknown_api_path_answers_the_json_404(api_client, path):
    for method in ("get", "post"):
        response = getattr(api_client, method)(path)

        assert response.status_code == 404
        assert _error(response)["code"] == "not_found"
        assert _error(response)["message"]


def test_a_path_missing_its_slash_names_the_address_with_it(api_client):
    response = api_client.get("/api/v1/programs")

    assert response.status_code == 404
    assert "/api/v1/programs/" in _error(response)["message"]


def test_the_api_root_lists_the_resources_as_json(api_client):
    response = api_client.get("/api/v1/")

    assert response.status_code == 200
    body = response.json()
    assert {"programs", "cohorts", "participants", "schema"} <= set(body)
    assert body["programs"].endswith("/api/v1/programs/")


def test_a_non_integer_id_answers_404_with_a_message(key_client):
    response = key_client.get("/api/v1/programs/abc/")

    assert response.status_code == 404
    assert _error(response) == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_a_json_body_nested_a_thousand_deep_is_a_400(key_client):
    body = "[" * 1000 + "]" * 1000

    response = key_client.generic("POST", "/api/v1/programs/", body, "application/json")

    assert response.status_code == 400
    assert _error(response)["code"] == "parse_error"


def test_a_json_body_nested_deeper_than_any_resource_is_a_400(key_client):
    body = '{"a":' * 40 + "1" + "}" * 40

    response = key_client.generic("POST", "/api/v1/programs/", body, "application/json")

    assert response.status_code == 400
    assert _error(response)["code"] == "parse_error"


def test_a_six_megabyte_body_answers_413_in_the_json_shape(key_client):
    body = json.dumps({"name": "Big", "description": "a" * (6 * 1024 * 1024)})

    response = key_client.generic("POST", "/api/v1/programs/", body, "application/json")

    assert response.status_code == 413
    error = _error(response)
    assert error["code"] == "too_large"
    assert "5 MB" in error["message"]
