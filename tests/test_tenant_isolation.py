"""Another organization's rows are unreachable: every tenant model, every page, every endpoint,
for every role. Adding a model, a page or an endpoint without covering it here fails a test."""

import pytest
from django.apps import apps
from django_scopes import ScopeError, scopes_disabled

from core.models import is_tenant_owned
from organizations.models import (
    Membership,
    OrganizationAPIKey,
    Role,
)
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    OrganizationFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)
from tests.world import build_world, fill_route, org_url_patterns

pytestmark = pytest.mark.django_db

ALL_ROLES = list(Role.values)


def tenant_models():
    found = [m for m in apps.get_models() if is_tenant_owned(m)]
    assert OrganizationAPIKey in found
    return found


def test_every_tenant_model_has_a_required_organization_and_a_scoped_manager(db):
    for model in tenant_models():
        field = model._meta.get_field("organization")
        assert not field.null, model
        manager = model.scoped if model is OrganizationAPIKey else model.objects
        with pytest.raises(ScopeError):
            list(manager.all())


def test_the_foreign_world_covers_every_tenant_model(db):
    _by_kwarg, rows = build_world(OrganizationFactory())

    assert {type(row) for row in rows} == set(tenant_models())


@pytest.mark.parametrize("role", ALL_ROLES)
def test_no_page_shows_or_changes_another_organizations_rows(client, org, other_org, role):
    foreign_ids, _rows = build_world(other_org)
    user = MembershipFactory(organization=org, role=role, user=UserFactory()).user
    client.force_login(user)
    checked = 0
    for route, _entry in org_url_patterns():
        if "<" not in route.replace("<slug:org_slug>", ""):
            continue  # pages without object ids are checked by the listing tests
        url = fill_route(route, org.slug, foreign_ids)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            # 404 (missing and foreign look alike) or 403/405 before any lookup; never content.
            assert response.status_code in (403, 404, 405), (
                role,
                method,
                url,
                response.status_code,
            )
            checked += 1
    assert checked > 10
    with scopes_disabled():
        assert Membership.objects.filter(organization=other_org).count() == 1
        assert OrganizationAPIKey.objects.get(organization=other_org).revoked is False


@pytest.mark.parametrize("role", ALL_ROLES)
def test_another_organizations_slug_is_404_for_every_page(client, org, other_org, role):
    user = MembershipFactory(organization=org, role=role, user=UserFactory()).user
    client.force_login(user)
    foreign_ids, _rows = build_world(other_org)

    for route, _entry in org_url_patterns():
        url = fill_route(route, other_org.slug, foreign_ids)
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ALL_ROLES)
def test_own_pages_never_list_another_organizations_rows(client, org, other_org, role):
    program = ProgramFactory(organization=org, name="Home program")
    cohort = CohortFactory(program=program, name="Home cohort")
    ParticipantFactory(cohort=cohort, email="home@acme.test")
    build_world(other_org)
    user = MembershipFactory(organization=org, role=role, user=UserFactory()).user
    client.force_login(user)
    ids = {"program_id": program.pk, "cohort_id": cohort.pk}

    for route, _entry in org_url_patterns():
        other_ids = route.replace("<slug:org_slug>", "")
        for kwarg in ids:
            other_ids = other_ids.replace(f"<int:{kwarg}>", "")
        if "<" in other_ids:
            continue  # detail pages of other objects: covered by the 404 test above
        response = client.get(fill_route(route, org.slug, ids))
        if response.status_code != 200:
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for marker in (
            b"Foreign program",
            b"Foreign cohort",
            b"foreign@globex.test",
            b"invitee@globex.test",
        ):
            assert marker not in body, (route, marker)
