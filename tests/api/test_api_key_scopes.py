"""An API key does only what its scopes say, on every registered route and method.

Routes come from the DRF router itself, so a new viewset or extra action is covered the day it is
registered. A viewset is a report route when it declares `read_scope = "reports:read"`.
"""

import pytest
from django_scopes import scopes_disabled

from mentoring.api_urls import router
from organizations.models import APIKeyScope, OrganizationAPIKey
from participants.models import Participant, ParticipantStatus
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory
from tests.mentorships.factories import engagement_api_rows
from tests.surveys.results_fixtures import make_survey

pytestmark = pytest.mark.django_db

SAFE_METHODS = {"get", "head", "options"}


def is_report_route(viewset) -> bool:
    return getattr(viewset, "read_scope", None) == APIKeyScope.REPORTS_READ.value


def api_routes():
    """(url template with `{pk}`, viewset, basename, method) for every route and method."""
    for pattern in router.urls:
        regex = str(pattern.pattern)
        actions = getattr(pattern.callback, "actions", None)
        if actions is None or "(?P<format>" in regex:
            continue  # the router's index page, and the `.json` twins of the same views
        url = "/api/v1/" + regex.lstrip("^").rstrip("$").replace("(?P<pk>[^/.]+)", "{pk}")
        viewset = pattern.callback.cls
        basename = pattern.name.rsplit("-", 1)[0]
        # A copy: DRF adds `head` to the mapping the first time the view answers.
        for method in [m for m in actions if m not in ("head", "options")]:
            yield url, viewset, basename, method


def _home_rows(org):
    program = ProgramFactory(organization=org, name="Home program")
    cohort = CohortFactory(program=program, name="Home cohort")
    participant = ParticipantFactory(cohort=cohort, email="home@acme.test")
    survey = make_survey(org, program, anonymous=False)  # named: its responses route answers
    return {
        "program": program,
        "cohort": cohort,
        "participant": participant,
        "survey": survey,
        **engagement_api_rows(cohort, participant),
    }


def _key_client(api_client, org, scopes):
    _key, raw = OrganizationAPIKey.objects.create_key(name="k", organization=org, scopes=scopes)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api_client


def _call(client, url, method, rows, basename):
    if "{pk}" in url:
        assert basename in rows, f"no row for {basename}: add one to _home_rows"
        url = url.format(pk=rows[basename].pk)
    if method in SAFE_METHODS:
        return getattr(client, method)(url)
    return getattr(client, method)(url, {}, format="json")


def test_route_discovery_sees_every_viewset_and_extra_action():
    routes = {(url, method) for url, _viewset, _basename, method in api_routes()}
    assert ("/api/v1/participants/{pk}/withdraw/", "post") in routes
    assert ("/api/v1/programs/", "post") in routes
    assert {basename for _prefix, _viewset, basename in router.registry} <= {
        basename for _url, _viewset, basename, _method in api_routes()
    }


def test_a_read_key_is_refused_every_write_and_allowed_every_non_report_read(api_client, org):
    rows = _home_rows(org)
    client = _key_client(api_client, org, [APIKeyScope.READ.value])
    writes = 0
    for url, viewset, basename, method in api_routes():
        response = _call(client, url, method, rows, basename)
        if method in SAFE_METHODS and not is_report_route(viewset):
            assert response.status_code == 200, (url, method, response.status_code)
        else:
            assert response.status_code == 403, (url, method, response.status_code)
            writes += method not in SAFE_METHODS
    assert writes >= 10
    with scopes_disabled():
        participant = Participant.objects.get(pk=rows["participant"].pk)
    assert participant.status == ParticipantStatus.ACTIVE


def test_a_reports_only_key_is_refused_every_non_report_route(api_client, org):
    rows = _home_rows(org)
    client = _key_client(api_client, org, [APIKeyScope.REPORTS_READ.value])
    checked = 0
    for url, viewset, basename, method in api_routes():
        response = _call(client, url, method, rows, basename)
        if is_report_route(viewset) and method in SAFE_METHODS:
            assert response.status_code == 200, (url, method, response.status_code)
        else:
            assert response.status_code == 403, (url, method, response.status_code)
        checked += 1
    assert checked >= 15
    with scopes_disabled():
        participant = Participant.objects.get(pk=rows["participant"].pk)
    assert participant.status == ParticipantStatus.ACTIVE
