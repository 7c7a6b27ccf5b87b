"""Every API route refuses another organization's ids with 404 and never lists them, for every
role and for API keys: with row-level security, and without it, so that each viewset's own
`organization_queryset` is what is tested."""

import pytest
from django_scopes import scopes_disabled

from mentoring.api_urls import router
from organizations.models import OrganizationAPIKey, Role
from participants.models import Participant
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)
from tests.mentorships.factories import engagement_api_rows
from tests.surveys.results_fixtures import make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[True, False], ids=["rls-on", "rls-off"])
def rls(request, settings):
    """Row-level security on (production), or off (the app's own filters alone)."""
    settings.MERIDIAN_ROW_LEVEL_SECURITY = request.param
    return request.param


def _foreign_rows(other_org):
    program = ProgramFactory(organization=other_org, name="Foreign program")
    cohort = CohortFactory(program=program, name="Foreign cohort")
    participant = ParticipantFactory(cohort=cohort, email="foreign@globex.test")
    survey = make_survey(other_org, program, anonymous=False)
    return {
        "program": program,
        "cohort": cohort,
        "participant": participant,
        "survey": survey,
        **engagement_api_rows(cohort, participant),
    }


def _home_rows(org):
    program = ProgramFactory(organization=org, name="Home program")
    cohort = CohortFactory(program=program, name="Home cohort")
    participant = ParticipantFactory(cohort=cohort, email="home@acme.test")
    survey = make_survey(org, program, anonymous=False)
    return {
        "program": program,
        "cohort": cohort,
        "participant": participant,
        "survey": survey,
        **engagement_api_rows(cohort, participant),
    }


def _clients(api_client, org):
    for role in Role.values:
        user = MembershipFactory(organization=org, role=role, user=UserFactory()).user
        api_client.force_authenticate(user)
        api_client.credentials(HTTP_X_ORGANIZATION=org.slug)
        yield f"session:{role}", api_client
    api_client.force_authenticate(None)
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="all", organization=org, scopes=["read", "write", "reports:read"]
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    yield "api-key", api_client


def test_every_registered_route_is_covered(db):
    assert {basename for _prefix, _viewset, basename in router.registry} == {
        "program",
        "cohort",
        "participant",
        "survey",
        "mentorship",
        "check-in",
        "goal",
        "message",
        "report",  # no ids: tests/analytics/test_reports_api.py sweeps its isolation
    }


def test_foreign_ids_answer_404_on_every_route_for_every_caller(api_client, org, other_org, rls):
    foreign = _foreign_rows(other_org)
    for who, client in _clients(api_client, org):
        for prefix, viewset, basename in router.registry:
            if not hasattr(viewset, "retrieve"):
                continue  # the reports: no detail routes
            row = foreign[basename]
            detail = f"/api/v1/{prefix}/{row.pk}/"
            get = client.get(detail)
            patch = client.patch(detail, {"name": "hacked", "full_name": "hacked"}, format="json")
            put = client.put(detail, {"name": "hacked"}, format="json")
            # Callers without read access are refused before the lookup (403); never 200.
            assert get.status_code in (403, 404), (who, detail, get.status_code)
            assert patch.status_code in (403, 404), (who, detail, patch.status_code)
            assert put.status_code in (403, 404), (who, detail, put.status_code)
            if who in ("session:owner", "session:admin", "api-key"):
                assert get.status_code == 404
                if hasattr(viewset, "partial_update"):  # read-only routes refuse writes first
                    assert patch.status_code == 404
            for extra in getattr(viewset, "get_extra_actions", lambda: [])():
                if extra.detail:
                    url = f"{detail}{extra.url_path}/"
                    assert client.post(url).status_code in (403, 404), (who, url)
                    assert client.get(url).status_code in (403, 404, 405), (who, url)
    with scopes_disabled():
        assert Participant.objects.get(pk=foreign["participant"].pk).status == "active"
        assert Participant.objects.get(pk=foreign["participant"].pk).full_name != "hacked"


def test_lists_never_include_another_organizations_rows(api_client, org, other_org, rls):
    home = _home_rows(org)
    foreign = _foreign_rows(other_org)
    for who, client in _clients(api_client, org):
        for prefix, viewset, basename in router.registry:
            if not hasattr(viewset, "list") or basename == "report":
                # The reports' list is their index, the same for every organization
                # (tests/analytics/test_reports_api_index.py); each report is swept there.
                continue
            response = client.get(f"/api/v1/{prefix}/?page_size=200")
            if response.status_code == 403:
                continue
            ids = {row["id"] for row in response.json()["results"]}
            assert foreign[basename].pk not in ids, (who, prefix)
            # A list holds every row the caller may open (a member's lists hold only their
            # own mentorships' rows).
            if client.get(f"/api/v1/{prefix}/{home[basename].pk}/").status_code == 200:
                assert home[basename].pk in ids, (who, prefix)


def test_filtering_by_a_foreign_cohort_returns_nothing(api_client, org, other_org, rls):
    foreign = _foreign_rows(other_org)
    _key, raw = OrganizationAPIKey.objects.create_key(name="r", organization=org, scopes=["read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")

    response = api_client.get(f"/api/v1/participants/?cohort={foreign['cohort'].pk}")

    assert response.json()["results"] == []


def test_participant_cannot_be_created_in_a_foreign_cohort(api_client, org, other_org, rls):
    foreign = _foreign_rows(other_org)
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="w", organization=org, scopes=["read", "write"]
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")

    response = api_client.post(
        "/api/v1/participants/",
        {
            "cohort": foreign["cohort"].pk,
            "email": "sneaky@acme.test",
            "full_name": "Sneaky",
            "role": "mentee",
            "languages": [{"code": "en"}],
            "time_zone": "UTC",
            "working_hours_start": "09:00",
            "working_hours_end": "17:00",
            "country": "GB",
            "function": "Ops",
            "seniority": 1,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"cohort": ["No such cohort."]}
    with scopes_disabled():
        assert not Participant.objects.filter(email="sneaky@acme.test").exists()
