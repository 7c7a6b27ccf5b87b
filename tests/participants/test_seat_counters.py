"""A cohort's stored seat counts always equal a fresh count of its active participants
(someone enrolled as "both" holds a seat on each side), whichever way people come, go or change
role, also when two of those writes run at the same moment, and a refused write leaves them
alone."""

import contextlib
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Q
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from participants import csv_io, services
from participants.csv_io import ImportRejected, participant_import
from participants.models import Participant
from programs.models import Cohort
from programs.selectors import cohort_list
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    OrganizationFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
    profile_data,
)

MENTORS = Q(role__in=["mentor", "both"], status="active")
MENTEES = Q(role__in=["mentee", "both"], status="active")


def assert_seats_counted(cohort):
    """The stored counts, as the cohort row and the cohort list hold them, equal a count."""
    with scopes_disabled():
        counted = Participant.objects.filter(cohort=cohort).aggregate(
            mentors=Count("pk", filter=MENTORS), mentees=Count("pk", filter=MENTEES)
        )
        stored = Cohort.objects.get(pk=cohort.pk)
        listed = next(c for c in cohort_list(organization=cohort.organization) if c == cohort)
    expected = (counted["mentors"], counted["mentees"])
    assert (stored.mentor_seats_taken, stored.mentee_seats_taken) == expected
    assert (listed.mentor_count, listed.mentee_count) == expected
    return expected


def _user(organization, email):
    return MembershipFactory(organization=organization, user=UserFactory(email=email)).user


def _enroll(cohort, user, role):
    with scope(organization=cohort.organization_id):
        return services.participant_enroll(
            organization=cohort.organization,
            cohort=cohort,
            user=user,
            data=profile_data(role=role, mentor_capacity=2),
        )


def _create(cohort, email, role, actor=None):
    with scope(organization=cohort.organization_id):
        return services.participant_create(
            organization=cohort.organization,
            cohort=cohort,
            actor=actor,
            email=email,
            data=profile_data(role=role, mentor_capacity=2),
        )


def _withdraw(participant):
    with scope(organization=participant.organization_id):
        return services.participant_withdraw(
            organization=participant.organization, participant=participant, actor=None
        )


def _reinstate(participant):
    with scope(organization=participant.organization_id):
        return services.participant_reinstate(
            organization=participant.organization, participant=participant, actor=None
        )


def _change_role(participant, role):
    with scope(organization=participant.organization_id):
        return services.participant_update(
            organization=participant.organization,
            participant=participant,
            actor=None,
            data={"role": role, "mentor_capacity": 2},
        )


@pytest.mark.django_db
class TestEachWriteKeepsTheCount:
    def test_a_new_cohort_has_no_seats_taken(self, cohort):
        assert assert_seats_counted(cohort) == (0, 0)

    @pytest.mark.parametrize(
        ("role", "seats"), [("mentor", (1, 0)), ("mentee", (0, 1)), ("both", (1, 1))]
    )
    def test_enrolling_takes_the_roles_seats(self, org, cohort, role, seats):
        _enroll(cohort, _user(org, "ana@acme.test"), role)

        assert assert_seats_counted(cohort) == seats

    def test_enrolling_again_after_withdrawing_takes_the_seat_again(self, org, cohort):
        user = _user(org, "ana@acme.test")
        _withdraw(_enroll(cohort, user, "mentor"))
        assert assert_seats_counted(cohort) == (0, 0)

        _enroll(cohort, user, "both")

        assert assert_seats_counted(cohort) == (1, 1)

    def test_a_refused_enrollment_changes_nothing(self, org, program):
        full = CohortFactory(program=program, mentee_capacity=1)
        ParticipantFactory(cohort=full, role="mentee")

        with pytest.raises(ValidationError):
            _enroll(full, _user(org, "ana@acme.test"), "mentee")

        assert assert_seats_counted(full) == (0, 1)

    def test_an_admin_adding_people_takes_their_seats(self, cohort, org_admin):
        _create(cohort, "ana@acme.test", "mentee", org_admin)
        _create(cohort, "ken@acme.test", "both", org_admin)

        assert assert_seats_counted(cohort) == (1, 2)

    def test_adding_someone_already_enrolled_changes_nothing(self, cohort, org_admin):
        _create(cohort, "ana@acme.test", "mentee", org_admin)

        with pytest.raises(ValidationError):
            _create(cohort, "ana@acme.test", "mentor", org_admin)

        assert assert_seats_counted(cohort) == (0, 1)

    @pytest.mark.parametrize(
        ("before", "after", "seats"),
        [
            ("mentor", "mentee", (0, 1)),
            ("mentee", "mentor", (1, 0)),
            ("mentee", "both", (1, 1)),
            ("both", "mentor", (1, 0)),
        ],
    )
    def test_a_role_change_moves_the_seat(self, cohort, before, after, seats):
        participant = ParticipantFactory(cohort=cohort, role=before, mentor_capacity=2)

        _change_role(participant, after)

        assert assert_seats_counted(cohort) == seats

    def test_a_role_change_beyond_the_seats_is_refused_and_changes_nothing(self, program):
        small = CohortFactory(program=program, mentor_capacity=1)
        ParticipantFactory(cohort=small, role="mentor", mentor_capacity=2)
        mentee = ParticipantFactory(cohort=small, role="mentee")

        with pytest.raises(ValidationError):
            _change_role(mentee, "both")

        assert assert_seats_counted(small) == (1, 1)

    def test_a_withdrawn_persons_role_change_takes_no_seat(self, cohort):
        participant = ParticipantFactory(cohort=cohort, role="mentee", status="withdrawn")

        _change_role(participant, "both")

        assert assert_seats_counted(cohort) == (0, 0)

    def test_a_role_change_on_a_copy_read_before_a_withdrawal_keeps_them_withdrawn(self, cohort):
        participant = ParticipantFactory(cohort=cohort, role="mentee")
        with scopes_disabled():
            copy = Participant.objects.select_related("cohort").get(pk=participant.pk)
        _withdraw(participant)

        updated = _change_role(copy, "mentor")

        assert updated.status == "withdrawn"
        assert assert_seats_counted(cohort) == (0, 0)

    def test_withdrawing_frees_the_seat_once(self, cohort):
        both = ParticipantFactory(cohort=cohort, role="both", mentor_capacity=2)
        ParticipantFactory(cohort=cohort, role="mentee")

        _withdraw(both)
        _withdraw(both)

        assert assert_seats_counted(cohort) == (0, 1)

    def test_reinstating_takes_the_seat_back_once(self, cohort):
        participant = ParticipantFactory(cohort=cohort, role="both", mentor_capacity=2)
        _withdraw(participant)

        _reinstate(participant)
        _reinstate(participant)

        assert assert_seats_counted(cohort) == (1, 1)

    def test_a_refused_reinstatement_changes_nothing(self, program):
        small = CohortFactory(program=program, mentee_capacity=1)
        withdrawn = ParticipantFactory(cohort=small, role="mentee")
        _withdraw(withdrawn)
        ParticipantFactory(cohort=small, role="mentee", email="taker@acme.test")

        with pytest.raises(DomainError):
            _reinstate(withdrawn)

        assert assert_seats_counted(small) == (0, 1)

    def test_counts_are_per_cohort(self, org, cohort, program, other_cohort):
        neighbour = CohortFactory(program=program)
        ParticipantFactory(cohort=neighbour, role="mentor", mentor_capacity=2)
        ParticipantFactory(cohort=other_cohort, role="mentee")

        _enroll(cohort, _user(org, "ana@acme.test"), "mentee")

        assert assert_seats_counted(cohort) == (0, 1)
        assert assert_seats_counted(neighbour) == (1, 0)
        assert assert_seats_counted(other_cohort) == (0, 1)

    def test_a_recount_repairs_counts_written_around_the_services(self, cohort):
        ParticipantFactory(cohort=cohort, role="mentee")
        with scopes_disabled():
            Cohort.objects.filter(pk=cohort.pk).update(mentor_seats_taken=7, mentee_seats_taken=7)

        services.cohort_seats_recount(organization=cohort.organization, cohort=cohort)

        assert assert_seats_counted(cohort) == (0, 1)


HEADER = (
    "email,full_name,role,languages,time_zone,working_hours_start,working_hours_end,"
    "country,function,seniority,mentor_capacity"
)


def _row(email, role):
    return f"{email},Someone,{role},en:fluent,Europe/London,09:00,17:00,GB,Sales,2,2"


def _import(cohort, *rows):
    text = "\n".join([HEADER, *rows]).encode()
    with scope(organization=cohort.organization_id):
        return participant_import(
            organization=cohort.organization,
            cohort=cohort,
            actor=None,
            upload=io.BytesIO(text),
            name="people.csv",
            content_type="text/csv",
            size=len(text),
        )


@pytest.mark.django_db
class TestCsvImportKeepsTheCount:
    def test_an_import_adds_its_rows_seats_to_those_already_taken(self, cohort):
        ParticipantFactory(cohort=cohort, role="mentor", mentor_capacity=2)
        ParticipantFactory(cohort=cohort, role="mentee", status="withdrawn")

        _import(cohort, _row("a@acme.test", "mentee"), _row("b@acme.test", "both"))

        assert assert_seats_counted(cohort) == (2, 2)

    def test_an_import_with_a_bad_row_changes_nothing(self, cohort):
        ParticipantFactory(cohort=cohort, role="mentee")

        with pytest.raises(ImportRejected):
            _import(cohort, _row("a@acme.test", "mentor"), _row("b@acme.test", "captain"))

        assert assert_seats_counted(cohort) == (0, 1)

    def test_an_import_beyond_the_seats_changes_nothing(self, program):
        small = CohortFactory(program=program, mentor_capacity=1)

        with pytest.raises(ImportRejected):
            _import(small, _row("a@acme.test", "mentor"), _row("b@acme.test", "both"))

        assert assert_seats_counted(small) == (0, 0)


# Two writes at the same moment ---------------------------------------------------------------


def _two_at_once(monkeypatch, first, second):
    """Run both writes on their own connections, each held right after it counts the seats
    until both have counted or two seconds pass: without the cohort's row lock both count the
    same seats and the one that stores last forgets the other; with it the second waits at
    the lock, then counts the first."""
    both_counted = threading.Barrier(2, timeout=2)
    seats_taken = services.seats_taken

    def counted_then_held(*args, **kwargs):
        taken = seats_taken(*args, **kwargs)
        # A broken barrier: the other write is waiting for the row lock, as it should.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counted.wait()
        return taken

    monkeypatch.setattr(services, "seats_taken", counted_then_held)
    monkeypatch.setattr(csv_io, "seats_taken", counted_then_held)
    errors: list[BaseException] = []

    def run(write):
        try:
            write()
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(write,)) for write in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []


@pytest.fixture
def race_cohort(transactional_db):
    organization = OrganizationFactory(slug="race")
    return CohortFactory(program=ProgramFactory(organization=organization, name="Race"))


@pytest.mark.django_db(transaction=True)
def test_two_enrollments_at_once_both_count(monkeypatch, race_cohort):
    users = [_user(race_cohort.organization, f"p{n}@race.test") for n in range(2)]

    _two_at_once(
        monkeypatch,
        lambda: _enroll(race_cohort, users[0], "mentee"),
        lambda: _enroll(race_cohort, users[1], "both"),
    )

    assert assert_seats_counted(race_cohort) == (1, 2)


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_and_an_enrollment_at_once_both_count(monkeypatch, race_cohort):
    leaving = ParticipantFactory(cohort=race_cohort, role="mentee")
    user = _user(race_cohort.organization, "new@race.test")

    _two_at_once(
        monkeypatch,
        lambda: _withdraw(leaving),
        lambda: _enroll(race_cohort, user, "mentee"),
    )

    assert assert_seats_counted(race_cohort) == (0, 1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("write", ["add", "reinstate", "role change", "import", "recount"])
def test_every_seat_write_at_once_with_an_enrollment_both_count(monkeypatch, race_cohort, write):
    """Each other write that stores the seats, racing an enrollment of one mentee: the
    result is one mentor and one more mentee than before, whichever commits first."""
    cohort = race_cohort
    user = _user(cohort.organization, "new@race.test")
    if write == "add":
        expected = (1, 1)

        def other():
            _create(cohort, "added@race.test", "mentor")
    elif write == "reinstate":
        back = ParticipantFactory(cohort=cohort, role="both", status="withdrawn", mentor_capacity=2)
        expected = (1, 2)

        def other():
            _reinstate(back)
    elif write == "role change":
        changing = ParticipantFactory(cohort=cohort, role="mentee", mentor_capacity=2)
        expected = (1, 2)

        def other():
            _change_role(changing, "both")
    elif write == "import":
        expected = (1, 1)

        def other():
            _import(cohort, _row("imported@race.test", "mentor"))
    else:
        ParticipantFactory(cohort=cohort, role="mentor", mentor_capacity=2)
        expected = (1, 1)

        def other():
            with scope(organization=cohort.organization_id):
                services.cohort_seats_recount(organization=cohort.organization, cohort=cohort)

    _two_at_once(monkeypatch, other, lambda: _enroll(cohort, user, "mentee"))

    assert assert_seats_counted(cohort) == expected
