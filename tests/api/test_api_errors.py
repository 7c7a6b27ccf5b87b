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


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        # A date that is not one: the report's filter refuses it.
        ("/api/v1/reports/summary/?start=soon", 400, "invalid"),
        # Another organization's survey, or none: the same 404 either way.
        ("/api/v1/surveys/999999/results/", 404, "not_found"),
    ],
)
def test_an_error_asked_for_as_csv_answers_the_json_shape(api_client, org, path, status, code):
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="hr", organization=org, scopes=["reports:read"]
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    separator = "&" if "?" in path else "?"

    by_parameter = api_client.get(f"{path}{separator}format=csv")
    by_header = api_client.get(path, HTTP_ACCEPT="text/csv")

    for response in (by_parameter, by_header):
        assert response.status_code == status
        assert _error(response)["code"] == code


def test_a_csv_only_viewset_still_answers_errors_as_json(rf, org):
    """The scoped viewset base maps errors to JSON once, for every viewset (none re-declares
    it), even one that renders nothing but CSV."""
    from rest_framework import exceptions
    from rest_framework.renderers import BaseRenderer
    from rest_framework.test import force_authenticate

    from accounts.models import User
    from core.api import OrganizationScopedViewSet
    from organizations.models import Organization

    class CSVOnly(BaseRenderer):
        media_type = "text/csv"
        format = "csv"

        def render(self, data, accepted_media_type=None, renderer_context=None):
            return b"should,not,render\r\n"

    class Refusing(OrganizationScopedViewSet[Organization]):
        model = Organization
        renderer_classes = [CSVOnly]
        permission_classes = []

        def initial(self, request, *args, **kwargs):
            request.organization = org
            super().initial(request, *args, **kwargs)

        def list(self, request):
            raise exceptions.ValidationError({"start": ["Not a date."]})

    request = rf.get("/api/v1/anything/", HTTP_ACCEPT="text/csv")
    force_authenticate(request, user=User(email="x@example.com"))

    response = Refusing.as_view({"get": "list"})(request)
    response.render()

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["error"] == {
        "code": "invalid",
        "message": "The request has invalid fields.",
        "fields": {"start": ["Not a date."]},
    }


@pytest.mark.parametrize(
    "accept",
    [
        "text/csv",  # a format the API renders elsewhere (reports), not here
        "application/xml",  # one it renders nowhere
        "text/html",  # a browser: the browsable API would answer a page
        "not a media type",
        "application/json; indent=banana",
    ],
)
def test_an_unknown_api_path_answers_the_json_404_whatever_is_accepted(api_client, accept):
    for method in ("get", "post"):
        response = getattr(api_client, method)("/api/v1/nope/", HTTP_ACCEPT=accept)

        assert response.status_code == 404
        assert _error(response) == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_an_unknown_api_path_asked_for_as_csv_answers_the_json_404(api_client):
    response = api_client.get("/api/v1/nope/?format=csv")

    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_a_path_missing_its_slash_is_named_whatever_is_accepted(api_client):
    response = api_client.get("/api/v1/programs", HTTP_ACCEPT="text/csv")

    assert response.status_code == 404
    assert "/api/v1/programs/" in _error(response)["message"]
