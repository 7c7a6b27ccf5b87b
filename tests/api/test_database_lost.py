"""A request whose database connection died answers 503 with Retry-After, never a 500."""

import psycopg2
import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from rest_framework.test import APIClient

from organizations.models import OrganizationAPIKey
from programs import selectors

pytestmark = pytest.mark.django_db

TERMINATED = "terminating connection due to administrator command"


def _raise(error):
    def fail(*args, **kwargs):
        raise error

    return fail


@pytest.mark.parametrize("error", [OperationalError(TERMINATED), InterfaceError("closed")])
def test_an_api_request_on_a_lost_connection_is_a_json_503(org, monkeypatch, error):
    _key, raw = OrganizationAPIKey.objects.create_key(name="ci", organization=org, scopes=["read"])
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    monkeypatch.setattr("programs.selectors.program_list", _raise(error))

    response = client.get("/api/v1/programs/")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response.json()["error"]["message"]
    assert int(response["Retry-After"]) > 0


def test_a_page_on_a_lost_connection_is_a_plain_503(org, member, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(member)
    monkeypatch.setattr(
        "mentoring.views.membership_list_for_user", _raise(OperationalError(TERMINATED))
    )

    response = client.get("/")

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert b"Try again" in response.content


def test_other_api_errors_stay_a_json_500(org, monkeypatch):
    _key, raw = OrganizationAPIKey.objects.create_key(name="ci", organization=org, scopes=["read"])
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    monkeypatch.setattr("programs.selectors.program_list", _raise(ZeroDivisionError()))

    response = client.get("/api/v1/programs/")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "error"
    assert "Retry-After" not in response


def test_the_database_connection_is_health_checked_before_reuse(settings):
    database = settings.DATABASES["default"]

    assert database["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db(transaction=True)
def test_a_backend_terminated_mid_request_answers_503(org, monkeypatch):
    """A real lost connection: a superuser terminates the request's backend between two queries."""
    _key, raw = OrganizationAPIKey.objects.create_key(name="ci", organization=org, scopes=["read"])
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    real_program_list = selectors.program_list

    def program_list_after_termination(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        admin = psycopg2.connect(
            host=connection.settings_dict["HOST"] or "127.0.0.1",
            port=connection.settings_dict["PORT"] or 5432,
            user="postgres",
            dbname=connection.settings_dict["NAME"],
        )
        try:
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            admin.close()
        return real_program_list(**kwargs)

    monkeypatch.setattr(selectors, "program_list", program_list_after_termination)

    response = client.get("/api/v1/programs/")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert "Retry-After" in response

    monkeypatch.setattr(selectors, "program_list", real_program_list)
    assert client.get("/api/v1/programs/").status_code == 200


def _key_client(org):
    _key, raw = OrganizationAPIKey.objects.create_key(name="ci", organization=org, scopes=["read"])
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.mark.parametrize(
    "message",
    [
        "database is locked",
        "no such function: timezone",
        "canceling statement due to lock timeout",
        "deadlock detected",
    ],
)
def test_a_database_error_on_a_working_connection_is_a_logged_json_500(
    org, monkeypatch, caplog, message
):
    client = _key_client(org)
    monkeypatch.setattr("programs.selectors.program_list", _raise(OperationalError(message)))

    with caplog.at_level("ERROR", logger="django.request"):
        response = client.get("/api/v1/programs/")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "error"
    assert "lost" not in response.json()["error"]["message"]
    assert "Retry-After" not in response
    logged = [record for record in caplog.records if record.exc_info]
    assert logged, "the failure is logged with its traceback"
    assert isinstance(logged[0].exc_info[1], OperationalError)


def test_a_real_statement_timeout_is_a_500_not_a_lost_connection(org, monkeypatch):
    """PostgreSQL cancels the query (SQLSTATE 57014, an OperationalError) on a connection that
    keeps working: a retry would time out again, so it is no 503."""
    client = _key_client(org)
    real_program_list = selectors.program_list

    def program_list_too_slow(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 10")
            cursor.execute("SELECT pg_sleep(1)")
        return real_program_list(**kwargs)

    monkeypatch.setattr(selectors, "program_list", program_list_too_slow)

    response = client.get("/api/v1/programs/")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "error"
    assert "Retry-After" not in response


def test_a_page_with_a_database_error_on_a_working_connection_is_a_500(org, member, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(member)
    monkeypatch.setattr(
        "mentoring.views.membership_list_for_user", _raise(OperationalError("database is locked"))
    )

    response = client.get("/")

    assert response.status_code == 500
    assert "Retry-After" not in response


def test_an_error_from_a_closed_psycopg2_connection_is_lost_whatever_its_message():
    from core.api import database_connection_lost

    closed = psycopg2.connect(
        host=connection.settings_dict["HOST"] or "127.0.0.1",
        port=connection.settings_dict["PORT"] or 5432,
        user=connection.settings_dict["USER"],
        dbname=connection.settings_dict["NAME"],
    )
    closed.close()
    wrapper = type("Wrapper", (), {"connection": closed})()

    assert database_connection_lost(OperationalError("SSL error: decryption failed"), wrapper)
    assert not database_connection_lost(OperationalError("SSL error: decryption failed"))


def test_a_connection_sqlstate_is_lost_and_a_cancelled_statement_is_not():
    from core.api import database_connection_lost

    def with_sqlstate(code):
        error = OperationalError("failed")
        error.__cause__ = type("DriverError", (Exception,), {"pgcode": code})()
        return error

    assert database_connection_lost(with_sqlstate("57P01"))  # admin_shutdown
    assert database_connection_lost(with_sqlstate("08006"))  # connection_failure
    assert not database_connection_lost(with_sqlstate("57014"))  # query_canceled
    assert not database_connection_lost(with_sqlstate("55P03"))  # lock_not_available
