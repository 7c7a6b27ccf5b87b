"""Another organization's rows are unreachable: every tenant model, every page, every endpoint,
for every role. Adding a model, a page or an endpoint without covering it here fails a test.

The page sweeps run twice: with PostgreSQL's row-level security, and without it, so that the
application's own organization filters are what is tested (the database would otherwise hide
a forgotten filter). Every `*_get` selector is also called directly with foreign ids."""

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.http import Http404
from django_scopes import ScopeError, scopes_disabled

from core.errors import DomainError
from core.models import is_tenant_owned
from core.rls import SETTING, organization_rls
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


@pytest.fixture(params=[True, False], ids=["rls-on", "rls-off"])
def rls(request, settings):
    """Row-level security on (production), or off (the app's own filters alone)."""
    settings.MERIDIAN_ROW_LEVEL_SECURITY = request.param
    return request.param


def test_switching_row_level_security_off_leaves_the_database_unfiltered(org, rls):
    with transaction.atomic(), organization_rls(org.pk), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting(%s, true), '')", [SETTING])
        assert cursor.fetchone()[0] == (str(org.pk) if rls else "")


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
def test_no_page_shows_or_changes_another_organizations_rows(client, org, other_org, role, rls):
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
def test_another_organizations_slug_is_404_for_every_page(client, org, other_org, role, rls):
    user = MembershipFactory(organization=org, role=role, user=UserFactory()).user
    client.force_login(user)
    foreign_ids, _rows = build_world(other_org)

    for route, _entry in org_url_patterns():
        url = fill_route(route, other_org.slug, foreign_ids)
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ALL_ROLES)
def test_own_pages_never_list_another_organizations_rows(client, org, other_org, role, rls):
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


def _project_app_configs():
    """The project's own apps: folders at the top of the checkout (a library's app lives in
    site-packages, which may be inside the checkout too, in `.venv`)."""
    root = Path(settings.BASE_DIR).resolve()
    return [c for c in apps.get_app_configs() if Path(c.path).resolve().parent == root]


def _project_selector_modules():
    for config in _project_app_configs():
        try:
            selectors = importlib.import_module(f"{config.name}.selectors")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.selectors":
                raise
            continue
        yield selectors
        # A package of selectors by concern: each of its modules too.
        for info in pkgutil.iter_modules(getattr(selectors, "__path__", [])):
            yield importlib.import_module(f"{selectors.__name__}.{info.name}")


# Modules that are not a read model of their own: what they define is not a selector.
_NOT_SELECTOR_HOMES = {"admin", "apps", "migrations", "management", "tests", "urls"}


def _project_modules_with_get_functions():
    """An app's top-level modules besides `selectors`: a `<entity>_get` written beside the
    feature that reads it (analytics/recognition.py's `mentor_get`) is a selector all the same."""
    for config in _project_app_configs():
        for info in pkgutil.iter_modules([config.path]):
            if info.ispkg or info.name in _NOT_SELECTOR_HOMES or info.name == "selectors":
                continue
            yield importlib.import_module(f"{config.name}.{info.name}")


def _is_get_selector(name, function):
    """`<entity>_get(*, organization, <x>_id, …)`: every argument but the organization an id."""
    if not name.endswith("_get"):
        return False
    parameters = inspect.signature(function).parameters
    if "organization" not in parameters:
        return False
    return all(p == "organization" or p.endswith("_id") for p in parameters)


def organization_get_selectors():
    """Every `<entity>_get(*, organization, <entity>_id)` of every app, found by introspection,
    so a selector is covered from the day it lands."""
    found = []
    for module in _project_selector_modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or not name.endswith("_get"):
                continue
            if "organization" in inspect.signature(function).parameters:
                found.append(function)
    for module in _project_modules_with_get_functions():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and _is_get_selector(name, function):
                found.append(function)
    return found


def test_selector_discovery_finds_the_known_get_selectors():
    names = {f"{f.__module__}.{f.__name__}" for f in organization_get_selectors()}
    assert {
        "programs.selectors.program_get",
        "programs.selectors.cohort_get",
        "participants.selectors.participant_get",
        "matching.selectors.round_get",
        "matching.selectors.mentor_request_get",
        "organizations.selectors.api_key_get",
        "mentorships.selectors.check_ins.check_in_get",
        "surveys.selectors.survey_get",
        "webhooks.selectors.webhook_endpoint_get",
        "webhooks.selectors.webhook_delivery_get",
        # Outside a selectors module, beside the feature that reads it.
        "analytics.recognition.mentor_get",
        "matching.learned.learned_model_get",
    } <= names


def _not_found(selector, organization, ids):
    kwargs = {}
    for parameter in inspect.signature(selector).parameters.values():
        if parameter.name == "organization":
            kwargs["organization"] = organization
        elif parameter.name in ids:
            kwargs[parameter.name] = ids[parameter.name]
        else:
            pytest.fail(f"{selector.__name__}({parameter.name}=): add the row to build_world")
    try:
        found = selector(**kwargs)
    except Http404:
        return True
    except DomainError as error:
        return error.code == "not_found"
    # A selector of an optional row (`learned_model_get`) answers None for "not there".
    return found is None


@pytest.mark.parametrize(
    "selector", organization_get_selectors(), ids=lambda f: f"{f.__module__}.{f.__name__}"
)
def test_every_get_selector_refuses_another_organizations_id(org, other_org, selector):
    """Called with no tenant scope and no row-level security: its own filter is all there is."""
    foreign_ids, _rows = build_world(other_org)

    with scopes_disabled():
        assert _not_found(selector, org, foreign_ids), selector.__name__
        # The same ids in their own organization are found: the call itself is right.
        assert not _not_found(selector, other_org, foreign_ids), selector.__name__
