"""The API's floor (`core/api.py`): the sealed, organization-scoped viewset base, the strict id,
boolean and empty-parameter filters, the one error mapping, and the JSON 404/500/503 answers."""

import json

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError, connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_scopes import ScopeError
from rest_framework import exceptions
from rest_framework.test import APIClient

from core.api import (
    DATABASE_RETRY_AFTER_SECONDS,
    ID_MAX,
    DatabaseUnavailable,
    OrganizationScopedViewSet,
    RequestTooLarge,
    as_api_exception,
    exception_handler,
    page_not_found,
    server_error,
)
from core.errors import DomainError
from organizations.models import OrganizationAPIKey
from programs.apis import ProgramViewSet
from programs.models import Program
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

# PostgreSQL's largest bigint: every id fits, and the filters and the schema say so.
BIGINT_MAX = 9_223_372_036_854_775_807


@pytest.fixture
def key_client(org):
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="ci", organization=org, scopes=["read", "write"]
    )
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def _error(response):
    return response.json()["error"]


# --- the viewset base ----------------------------------------------------------------------------


def test_a_viewset_that_writes_its_own_get_queryset_is_refused_when_defined():
    with pytest.raises(TypeError, match="organization_queryset"):

        class Careless(OrganizationScopedViewSet):
            def get_queryset(self):  # pragma: no cover - never called
                return Program.objects.all()

    class Careful(OrganizationScopedViewSet):
        model = Program

    with pytest.raises(NotImplementedError):
        Careful().organization_queryset(None)


@pytest.mark.django_db
def test_a_viewset_that_forgot_its_filter_still_sees_one_organization_under_rls(
    org, other_org, key_client, monkeypatch
):
    """Row-level security is set for the request: the database hides the other organization's
    rows even from a query with no organization filter."""
    ProgramFactory(organization=org, name="Ours")
    ProgramFactory(organization=other_org, name="Theirs")
    monkeypatch.setattr(
        ProgramViewSet,
        "organization_queryset",
        lambda self, organization: Program.objects.with_scopes_disabled().order_by("name"),
    )

    response = key_client.get("/api/v1/programs/")

    assert [p["name"] for p in response.json()["results"]] == ["Ours"]


@pytest.mark.django_db
def test_a_request_runs_in_its_organizations_scope_and_leaves_none_behind(
    org, key_client, monkeypatch
):
    ProgramFactory(organization=org, name="Ours")
    seen = []
    real = ProgramViewSet.organization_queryset

    def reads_without_for_org(self, organization):
        # `Program.objects` raises outside a django-scopes scope.
        seen.extend(Program.objects.values_list("name", flat=True))
        return real(self, organization)

    monkeypatch.setattr(ProgramViewSet, "organization_queryset", reads_without_for_org)

    assert key_client.get("/api/v1/programs/").status_code == 200
    assert seen == ["Ours"]
    with pytest.raises(ScopeError):
        list(Program.objects.all())


@pytest.mark.django_db
def test_an_error_no_handler_maps_leaves_no_scope_behind(org, key_client, monkeypatch):
    def fails(self, organization):
        raise ZeroDivisionError

    monkeypatch.setattr(ProgramViewSet, "organization_queryset", fails)

    assert key_client.get("/api/v1/programs/").status_code == 500
    with pytest.raises(ScopeError):
        list(Program.objects.all())


@pytest.mark.django_db(transaction=True)
def test_a_request_sets_row_level_security_in_one_statement_and_never_restores_it(org, key_client):
    """The request's transaction ends right after the response: the setting dies with it."""
    with CaptureQueriesContext(connection) as queries:
        assert key_client.get("/api/v1/programs/").status_code == 200

    assert sum("set_config" in q["sql"] for q in queries.captured_queries) == 1


# --- filters ---------------------------------------------------------------------------


@pytest.fixture
def participant(org):
    return ParticipantFactory(
        cohort=CohortFactory(program=ProgramFactory(organization=org)), country="jp"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("cohort=0", 400),
        ("cohort=1", 200),
        (f"cohort={BIGINT_MAX}", 200),
        (f"cohort={BIGINT_MAX + 1}", 400),
        ("cohort=", 400),
        ("country=", 200),
        ("q=", 200),
        ("role=", 400),
    ],
)
def test_participant_filters_take_ids_in_range_and_refuse_empty_values_but_text(
    key_client, participant, query, status
):
    response = key_client.get(f"/api/v1/participants/?{query}")

    assert response.status_code == status, response.content[:300]
    if status == 400:
        name = query.partition("=")[0]
        assert list(_error(response)["fields"]) == [name]
        assert _error(response)["fields"][name]


@pytest.mark.django_db
def test_an_id_filter_finds_its_rows(key_client, participant):
    response = key_client.get(f"/api/v1/participants/?cohort={participant.cohort_id}")

    assert [p["email"] for p in response.json()["results"]] == [participant.email]


@pytest.mark.django_db
def test_the_boolean_filter_reads_true_and_false_only(org, key_client):
    ProgramFactory(organization=org, name="Archived", is_archived=True)
    ProgramFactory(organization=org, name="Running", is_archived=False)

    def names(value):
        response = key_client.get(f"/api/v1/programs/?is_archived={value}")
        if response.status_code != 200:
            return response.status_code
        return [p["name"] for p in response.json()["results"]]

    assert names("true") == ["Archived"]
    assert names("false") == ["Running"]
    assert names("null") == 400


@pytest.mark.django_db
def test_the_schema_gives_id_filters_their_bounds(key_client):
    schema = APIClient().get("/api/v1/schema/?format=json").json()

    parameters = schema["paths"]["/api/v1/participants/"]["get"]["parameters"]
    cohort = next(p for p in parameters if p["name"] == "cohort")
    assert cohort["schema"]["minimum"] == 1
    assert cohort["schema"]["maximum"] == ID_MAX == BIGINT_MAX


# --- the error mapping -------------------------------------------------------------------


def test_a_request_too_large_names_the_limit_in_megabytes(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024 // 2

    assert str(RequestTooLarge().detail) == "The request body is larger than 1.5 MB."


@pytest.mark.parametrize(
    ("error", "mapped", "detail"),
    [
        (Http404("No Program matches"), exceptions.NotFound, "Not found."),
        (RequestDataTooBig(), RequestTooLarge, None),
        (OperationalError("server closed the connection unexpectedly"), DatabaseUnavailable, None),
        (
            DjangoValidationError({"name": ["Taken."]}),
            exceptions.ValidationError,
            {"name": ["Taken."]},
        ),
        (
            DjangoValidationError("Dates out of order."),
            exceptions.ValidationError,
            {"non_field_errors": ["Dates out of order."]},
        ),
        (DomainError("No such cohort.", code="not_found"), exceptions.NotFound, "No such cohort."),
        (
            DomainError("No such cohort.", code="not_found", field="cohort"),
            exceptions.ValidationError,
            {"cohort": ["No such cohort."]},
        ),
        (
            DomainError("Managers only.", code="permission_denied"),
            exceptions.PermissionDenied,
            "Managers only.",
        ),
        (
            DomainError("Too long.", field="name"),
            exceptions.ValidationError,
            {"name": ["Too long."]},
        ),
        (
            DomainError("Closed."),
            exceptions.ValidationError,
            {"non_field_errors": ["Closed."]},
        ),
    ],
)
def test_each_error_maps_to_the_api_error_it_means(error, mapped, detail):
    result = as_api_exception(error)

    assert type(result) is mapped
    if detail is not None:
        assert result.detail == detail


def test_an_error_the_mapping_does_not_know_passes_unchanged():
    error = ZeroDivisionError()

    assert as_api_exception(error) is error
    assert exception_handler(error, {}) is None


def test_the_handler_keeps_a_details_own_code_and_falls_back_to_error():
    coded = exception_handler(exceptions.NotFound("Gone for good.", code="gone"), {})
    django_denied = exception_handler(DjangoPermissionDenied(), {})

    assert coded.data == {"error": {"code": "gone", "message": "Gone for good.", "fields": {}}}
    assert django_denied.status_code == 403
    assert django_denied.data["error"]["code"] == "error"


def test_a_database_error_on_a_working_connection_is_not_called_lost():
    timeout = OperationalError("canceling statement due to statement timeout")

    assert as_api_exception(timeout) is timeout
    assert exception_handler(timeout, {}) is None  # the server error: logged, a 500


def test_a_lost_database_answers_503_with_retry_after():
    response = exception_handler(OperationalError("server closed the connection unexpectedly"), {})

    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert response.data["error"]["code"] == "service_unavailable"


# --- 404 and 500 outside the viewsets ------------------------------------------------------------


@pytest.mark.django_db
def test_a_path_without_its_slash_that_is_no_route_gets_the_plain_404(api_client):
    response = api_client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert _error(response)["message"] == "Not found."


@pytest.mark.django_db
def test_a_path_with_its_slash_is_never_offered_another(api_client):
    response = api_client.get("/api/v1/nothing-here/")

    assert response.status_code == 404
    assert _error(response) == {"code": "not_found", "message": "Not found.", "fields": {}}


@pytest.mark.parametrize("method", ["get", "post", "delete"])
@pytest.mark.django_db
def test_a_missing_path_is_404_whatever_the_method(api_client, method):
    response = getattr(api_client, method)("/api/v1/programs")

    assert response.status_code == 404
    assert _error(response)["message"] == "Not found. Did you mean /api/v1/programs/?"


def test_django_404_under_the_api_is_the_json_error_and_a_page_elsewhere():
    factory = RequestFactory()

    api = page_not_found(factory.get("/api/v1/x"), Http404())
    page = page_not_found(factory.get("/o/acme/x"), Http404())

    assert api.status_code == 404
    assert json.loads(api.content)["error"]["code"] == "not_found"
    assert page.status_code == 404
    assert not page["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(("path", "json_body"), [("/api/v1/programs/", True), ("/o/acme/", False)])
def test_a_lost_database_connection_is_a_503_with_retry_after(path, json_body):
    try:
        raise OperationalError("terminating connection")
    except OperationalError:
        response = server_error(RequestFactory().get(path))

    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("application/json") is json_body
    if json_body:
        assert json.loads(response.content)["error"]["code"] == "service_unavailable"


@pytest.mark.parametrize(("path", "json_body"), [("/api/v1/programs/", True), ("/o/acme/", False)])
def test_any_other_server_error_is_a_500(path, json_body):
    try:
        raise ZeroDivisionError
    except ZeroDivisionError:
        response = server_error(RequestFactory().get(path))

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert response["Content-Type"].startswith("application/json") is json_body
