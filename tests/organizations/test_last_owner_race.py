"""Two owners demoting or removing each other at the same moment never leave the organization
without an owner: every membership change takes the organization's row lock before it counts
the owners, so the second waits for the first to commit, then counts one owner and refuses."""

import contextlib
import threading

import pytest
from django.db import connection, transaction
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from organizations import services
from organizations.models import Membership, Organization, Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _two_owners():
    organization = OrganizationFactory(name="Zephyr", slug="zephyr")
    owners = [
        MembershipFactory(
            organization=organization, role=Role.OWNER, user=UserFactory(email=f"{name}@z.test")
        )
        for name in ("ada", "bob")
    ]
    return organization, owners


def _roles(organization):
    with scopes_disabled():
        return sorted(
            Membership.objects.filter(organization=organization).values_list("user__email", "role")
        )


def _at_once(monkeypatch, organization, calls):
    """Runs each call on its own thread and database connection. Each is held right after
    counting the owners until both have counted or two seconds pass: without the lock both count
    two owners and both go ahead; with it the second waits at the lock, then counts one."""
    both_counted = threading.Barrier(2, timeout=2)
    owner_count = services._owner_count

    def counted_then_held(organization):
        owners = owner_count(organization)
        # A broken barrier: the other thread is waiting for the lock, as it should.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counted.wait()
        return owners

    monkeypatch.setattr(services, "_owner_count", counted_then_held)
    outcomes: list[object] = []

    def run(call):
        try:
            with scope(organization=organization.pk):
                call()
            outcomes.append("done")
        except DomainError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def test_two_owners_demoting_each_other_at_once_leave_one_owner(monkeypatch):
    organization, (ada, bob) = _two_owners()

    def demote(actor, target):
        return lambda: services.membership_change_role(
            organization=organization, actor=actor, membership=target, role=Role.ADMIN
        )

    outcomes = _at_once(monkeypatch, organization, [demote(ada, bob), demote(bob, ada)])

    assert outcomes == ["An organization needs at least one owner.", "done"]
    assert sorted(role for _email, role in _roles(organization)) == [Role.ADMIN, Role.OWNER]


def test_two_owners_removing_each_other_at_once_leave_one_owner(monkeypatch):
    organization, (ada, bob) = _two_owners()

    def remove(actor, target):
        return lambda: services.membership_remove(
            organization=organization, actor=actor, membership=target
        )

    outcomes = _at_once(monkeypatch, organization, [remove(ada, bob), remove(bob, ada)])

    assert outcomes == ["An organization needs at least one owner.", "done"]
    assert [role for _email, role in _roles(organization)] == [Role.OWNER]


def test_a_membership_change_does_not_wait_for_another_organizations_lock():
    """The lock is the organization's own row, not a lock on every organization: another
    organization holding its row lock (a membership change in flight there) delays nothing."""
    other = OrganizationFactory(name="Aardvark", slug="aardvark")
    organization, (ada, bob) = _two_owners()
    locked, release = threading.Event(), threading.Event()

    def hold_the_other_organizations_lock():
        try:
            with transaction.atomic():
                Organization.objects.select_for_update().filter(pk=other.pk).first()
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_other_organizations_lock)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        with scope(organization=organization.pk):
            services.membership_change_role(
                organization=organization, actor=ada, membership=bob, role=Role.ADMIN
            )
    finally:
        release.set()
        holder.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert _roles(organization) == [("ada@z.test", Role.OWNER), ("bob@z.test", Role.ADMIN)]
