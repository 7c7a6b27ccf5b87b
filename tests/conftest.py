"""The cast (after healthchecks' Alice/Bob/Charlie): one organization with a person in every
role, a second organization with its own data, and an outsider who belongs to neither."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from organizations.models import Role
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    OrganizationFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language_and_zone():
    """The test client runs requests in this thread, and a Spanish-speaking user's request leaves
    Spanish active for whatever test the worker runs next; start and end every test in English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture
def unscoped():
    """For test set-up and assertions that read across organizations on purpose."""
    with scopes_disabled():
        yield


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Globex", slug="globex")


def _member(organization, role, email):
    return MembershipFactory(
        organization=organization, role=role, user=UserFactory(email=email)
    ).user


@pytest.fixture
def owner(org):
    return _member(org, Role.OWNER, "owner@acme.test")


@pytest.fixture
def org_admin(org):
    return _member(org, Role.ADMIN, "admin@acme.test")


@pytest.fixture
def program_manager(org):
    return _member(org, Role.PROGRAM_MANAGER, "pm@acme.test")


@pytest.fixture
def hr_analyst(org):
    return _member(org, Role.HR_ANALYST, "analyst@acme.test")


@pytest.fixture
def member(org):
    return _member(org, Role.MEMBER, "member@acme.test")


@pytest.fixture
def outsider(other_org):
    return _member(other_org, Role.OWNER, "owner@globex.test")


@pytest.fixture
def program(org):
    return ProgramFactory(organization=org, name="Bridges")


@pytest.fixture
def cohort(program):
    return CohortFactory(program=program, name="Spring")


@pytest.fixture
def other_cohort(other_org):
    return CohortFactory(program=ProgramFactory(organization=other_org, name="Globex program"))


@pytest.fixture
def other_participant(other_cohort):
    return ParticipantFactory(cohort=other_cohort, email="secret@globex.test")


@pytest.fixture
def api_client():
    return APIClient()


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def redis_worker():
    """A real Celery worker thread on the Redis broker (see tests/celery_helpers.py)."""
    from tests.celery_helpers import redis_worker_thread

    yield from redis_worker_thread()
