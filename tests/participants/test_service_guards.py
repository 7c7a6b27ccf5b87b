"""What the participant services refuse, and what each write leaves behind: answers to a
cohort's own questions, the profile rules, seats, enrollment, and the admin's add, edit,
withdraw and reinstate.

The services are called with no tenant scope: every query must name its organization itself
(a query that forgot it raises instead of reading another organization's rows)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scopes_disabled

from core.errors import DomainError
from organizations.models import AuditLogEntry
from participants import services
from participants.models import Participant
from tests.factories import (
    CohortFactory,
    EnrollmentQuestionFactory,
    MembershipFactory,
    ParticipantFactory,
    UserFactory,
    profile_data,
)

pytestmark = pytest.mark.django_db


def _errors(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


def _audit(action):
    with scopes_disabled():
        return list(AuditLogEntry.objects.filter(action=action).values_list("target", flat=True))


def _row(participant):
    with scopes_disabled():
        return Participant.objects.get(pk=participant.pk)


# Answers to a cohort's own questions -----------------------------------------------------------


def _question(cohort, **fields):
    return EnrollmentQuestionFactory(cohort=cohort, **fields)


def _answer(questions, role="mentee", **answers):
    return services.clean_answers(questions=questions, role=role, answers=answers)


class TestAnswers:
    @pytest.mark.parametrize(
        ("audience", "role", "asked"),
        [
            ("everyone", "mentor", True),
            ("everyone", "mentee", True),
            ("mentors", "mentor", True),
            ("mentors", "both", True),
            ("mentors", "mentee", False),
            ("mentees", "mentee", True),
            ("mentees", "both", True),
            ("mentees", "mentor", False),
        ],
    )
    def test_a_required_question_needs_an_answer_from_those_it_is_asked_of(
        self, cohort, audience, role, asked
    ):
        question = _question(cohort, kind="short_text", audience=audience, required=True)

        if asked:
            errors = _errors(lambda: _answer([question], role=role))
            assert errors == {question.answer_key: ["This question needs an answer."]}
        else:
            assert _answer([question], role=role) == {}

    @pytest.mark.parametrize("empty", [None, "", []])
    def test_an_optional_question_left_empty_is_left_out(self, cohort, empty):
        question = _question(cohort, kind="short_text", required=False)

        assert _answer([question], **{question.answer_key: empty}) == {}

    @pytest.mark.parametrize(("kind", "limit"), [("short_text", 200), ("long_text", 5000)])
    def test_text_answers_are_trimmed_and_held_to_their_kinds_limit(self, cohort, kind, limit):
        question = _question(cohort, kind=kind)
        key = question.answer_key

        assert _answer([question], **{key: "  " + "a" * limit + "  "}) == {key: "a" * limit}
        errors = _errors(lambda: _answer([question], **{key: "a" * (limit + 1)}))
        assert errors == {key: [f"Keep it under {limit} characters."]}

    def test_a_single_choice_must_be_one_of_the_choices(self, cohort):
        question = _question(cohort, kind="single_choice", choices=["Video call", "In person"])
        key = question.answer_key

        assert _answer([question], **{key: "In person"}) == {key: "In person"}
        errors = _errors(lambda: _answer([question], **{key: "By letter"}))
        assert errors == {key: ["Choose one of the listed options."]}

    def test_multiple_choices_come_as_a_list_or_separated_by_semicolons(self, cohort):
        question = _question(cohort, kind="multiple_choice", choices=["a", "b", "c"])
        key = question.answer_key

        assert _answer([question], **{key: ["a", "c"]}) == {key: ["a", "c"]}
        assert _answer([question], **{key: "a ; b"}) == {key: ["a", "b"]}
        errors = _errors(lambda: _answer([question], **{key: "a; z"}))
        assert errors == {key: ["Choose only from the listed options."]}

    @pytest.mark.parametrize(("given", "kept"), [("1", 1), (5, 5), ("3", 3)])
    def test_a_scale_answer_is_a_whole_number_from_one_to_five(self, cohort, given, kept):
        question = _question(cohort, kind="scale", choices=[])

        assert _answer([question], **{question.answer_key: given}) == {question.answer_key: kept}

    @pytest.mark.parametrize("given", ["0", "6", "-1", "three", "2.5"])
    def test_a_scale_answer_outside_one_to_five_is_refused(self, cohort, given):
        question = _question(cohort, kind="scale", choices=[])

        errors = _errors(lambda: _answer([question], **{question.answer_key: given}))
        assert errors == {question.answer_key: ["Choose a number from 1 to 5."]}

    def test_every_bad_answer_is_reported_together(self, cohort):
        first = _question(cohort, kind="short_text", required=True)
        second = _question(cohort, kind="single_choice", choices=["x", "y"])

        errors = _errors(lambda: _answer([first, second], **{second.answer_key: "z"}))

        assert set(errors) == {first.answer_key, second.answer_key}


# The profile -------------------------------------------------------------------------------


def _build(cohort, email="ana@acme.test", **overrides):
    return services.build_participant(
        organization=cohort.organization,
        cohort=cohort,
        email=email,
        data=profile_data(**overrides),
        questions=[],
    )


class TestProfile:
    def test_a_valid_profile_is_built_with_a_trimmed_lower_case_email_and_not_saved(self, cohort):
        participant = _build(cohort, email="  Ana@ACME.test ")

        assert participant.email == "ana@acme.test"
        assert participant.pk is None
        assert participant.full_name == "Ana Silva"

    def test_only_profile_fields_are_taken_from_the_data(self, cohort):
        participant = _build(cohort, status="withdrawn", organization_id=999)

        assert participant.status == "active"
        assert participant.organization_id == cohort.organization_id

    def test_an_unknown_country_code_is_named(self, cohort):
        errors = _errors(lambda: _build(cohort, country="XX"))

        assert errors == {"country": ["“XX” is not a two-letter country code."]}

    def test_a_missing_country_is_required(self, cohort):
        assert set(_errors(lambda: _build(cohort, country=""))) == {"country"}

    def test_no_language_is_refused(self, cohort):
        errors = _errors(lambda: _build(cohort, languages=[]))

        assert errors == {"languages": ["Name at least one language you can work in."]}

    def test_a_malformed_language_is_refused_on_its_field(self, cohort):
        errors = _errors(lambda: _build(cohort, languages=[{"code": "zz", "proficiency": "x"}]))

        assert set(errors) == {"languages"}

    def test_working_hours_must_not_start_and_end_at_the_same_time(self, cohort):
        same = dt.time(9, 0)

        errors = _errors(lambda: _build(cohort, working_hours_start=same, working_hours_end=same))

        assert errors == {
            "working_hours_end": ["Working hours must not start and end at the same time."]
        }

    def test_night_shift_hours_are_allowed(self, cohort):
        participant = _build(
            cohort, working_hours_start=dt.time(22, 0), working_hours_end=dt.time(6, 0)
        )

        assert participant.working_hours_end == dt.time(6, 0)

    @pytest.mark.parametrize("role", ["mentor", "both"])
    def test_a_mentor_takes_at_least_one_mentee(self, cohort, role):
        errors = _errors(lambda: _build(cohort, role=role, mentor_capacity=0))

        assert errors == {"mentor_capacity": ["A mentor takes at least one mentee."]}

    def test_a_mentee_may_take_no_mentees(self, cohort):
        assert _build(cohort, role="mentee", mentor_capacity=0).mentor_capacity == 0

    def test_profile_and_answer_errors_come_together(self, cohort):
        question = _question(cohort, kind="short_text", required=True)

        errors = _errors(
            lambda: services.build_participant(
                organization=cohort.organization,
                cohort=cohort,
                email="ana@acme.test",
                data=profile_data(time_zone="Mars/Olympus", function=""),
                questions=[question],
            )
        )

        assert {"time_zone", "function", question.answer_key} <= set(errors)


# Seats -------------------------------------------------------------------------------------


class TestSeats:
    def test_seats_taken_counts_active_people_per_side_except_the_one_named(self, cohort):
        mentor = ParticipantFactory(cohort=cohort, role="mentor", mentor_capacity=2)
        ParticipantFactory(cohort=cohort, role="both", mentor_capacity=2)
        ParticipantFactory(cohort=cohort, role="mentee", status="withdrawn")
        ParticipantFactory(cohort=CohortFactory(program=cohort.program), role="mentee")

        assert services.seats_taken(cohort.organization, cohort) == (2, 1)
        assert services.seats_taken(cohort.organization, cohort, mentor.pk) == (1, 1)

    @pytest.mark.parametrize(
        ("role", "taken", "field_error"),
        [
            ("mentor", (1, 0), "All mentor seats in this cohort are taken."),
            ("mentee", (0, 1), "All mentee seats in this cohort are taken."),
            ("both", (1, 0), "All mentor seats in this cohort are taken."),
            ("both", (0, 1), "All mentee seats in this cohort are taken."),
        ],
    )
    def test_a_role_needs_a_free_seat_on_each_of_its_sides(self, program, role, taken, field_error):
        cohort = CohortFactory(program=program, mentor_capacity=1, mentee_capacity=1)
        participant = _build(cohort, role=role, mentor_capacity=1)

        errors = _errors(lambda: services.check_seats(cohort, participant, taken=taken))

        assert errors == {"role": [field_error]}
        services.check_seats(cohort, participant, taken=(0, 0))


# Enrollment --------------------------------------------------------------------------------


def _enroll(cohort, user, **overrides):
    return services.participant_enroll(
        organization=cohort.organization, cohort=cohort, user=user, data=profile_data(**overrides)
    )


@pytest.fixture
def ana(org):
    user = UserFactory(email="Ana@Acme.test", full_name="Ana Member")
    MembershipFactory(organization=org, user=user)
    return user


class TestEnroll:
    def test_a_member_enrolls_under_their_own_name_and_address(self, cohort, ana):
        data = profile_data()
        del data["full_name"]

        participant = services.participant_enroll(
            organization=cohort.organization, cohort=cohort, user=ana, data=data
        )

        row = _row(participant)
        assert (row.user, row.email, row.full_name, row.status) == (
            ana,
            "ana@acme.test",
            "Ana Member",
            "active",
        )
        assert _audit("participant.enroll") == ["ana@acme.test"]

    def test_a_user_without_a_name_enrolls_under_their_address(self, cohort, org):
        user = UserFactory(email="noname@acme.test", full_name="")
        data = profile_data()
        del data["full_name"]

        participant = services.participant_enroll(
            organization=org, cohort=cohort, user=user, data=data
        )

        assert participant.full_name == "noname@acme.test"

    def test_another_organizations_cohort_is_not_found(self, org, ana, other_cohort):
        with pytest.raises(DomainError) as raised:
            services.participant_enroll(
                organization=org, cohort=other_cohort, user=ana, data=profile_data()
            )

        assert raised.value.code == "not_found"

    @pytest.mark.parametrize(
        ("status", "opens", "closes"),
        [
            ("enrolling", -10, -1),  # closed
            ("enrolling", 1, 10),  # not yet open
            ("draft", -1, 10),  # open window, cohort not enrolling
        ],
    )
    def test_enrollment_outside_an_open_window_is_refused(
        self, program, ana, status, opens, closes
    ):
        now = timezone.now()
        cohort = CohortFactory(
            program=program,
            status=status,
            enrollment_opens_at=now + dt.timedelta(days=opens),
            enrollment_closes_at=now + dt.timedelta(days=closes),
        )

        with pytest.raises(DomainError, match="Enrollment for this cohort is closed"):
            _enroll(cohort, ana)

        with scopes_disabled():
            assert not Participant.objects.filter(cohort=cohort).exists()

    def test_enrolling_while_enrolled_is_refused(self, cohort, ana):
        _enroll(cohort, ana, role="mentee")

        with pytest.raises(DomainError, match="already enrolled"):
            _enroll(cohort, ana, role="mentor")

        with scopes_disabled():
            assert list(Participant.objects.values_list("role", flat=True)) == ["mentee"]

    def test_enrolling_again_after_withdrawing_revives_the_same_row(self, cohort, ana):
        first = _enroll(cohort, ana, role="mentee")
        services.participant_withdraw(
            organization=cohort.organization, participant=first, actor=None
        )

        again = _enroll(cohort, ana, role="mentor", mentor_capacity=2)

        row = _row(first)
        assert again.pk == first.pk
        assert (row.role, row.status, row.withdrawn_at) == ("mentor", "active", None)

    def test_someone_elses_enrollment_with_the_same_address_elsewhere_does_not_count(
        self, cohort, ana, program
    ):
        ParticipantFactory(cohort=CohortFactory(program=program), email="ana@acme.test")

        assert _enroll(cohort, ana).cohort == cohort


# The admin's add, edit, withdraw and reinstate ---------------------------------------------


def _create(cohort, email, actor=None, **overrides):
    return services.participant_create(
        organization=cohort.organization,
        cohort=cohort,
        actor=actor,
        email=email,
        data=profile_data(**overrides),
    )


class TestCreate:
    def test_an_admin_adds_someone_outside_the_window_and_it_is_audited(self, program, org_admin):
        now = timezone.now()
        closed = CohortFactory(
            program=program,
            enrollment_opens_at=now - dt.timedelta(days=9),
            enrollment_closes_at=now - dt.timedelta(days=1),
        )

        participant = _create(closed, "ken@acme.test", org_admin)

        assert _row(participant).cohort == closed
        with scopes_disabled():
            entry = AuditLogEntry.objects.get(action="participant.create")
        assert (entry.actor, entry.target) == (org_admin, "ken@acme.test")

    def test_the_added_person_is_linked_to_their_membership_by_address(self, cohort, ana):
        assert _create(cohort, " ANA@acme.test").user == ana

    def test_an_address_without_a_membership_here_is_linked_to_nobody(self, cohort, other_org):
        MembershipFactory(organization=other_org, user=UserFactory(email="zoe@globex.test"))

        assert _create(cohort, "zoe@globex.test").user is None
        assert _create(cohort, "new@acme.test").user is None

    def test_another_organizations_cohort_is_not_found(self, org, other_cohort):
        with pytest.raises(DomainError) as raised:
            services.participant_create(
                organization=org,
                cohort=other_cohort,
                actor=None,
                email="a@b.test",
                data=profile_data(),
            )

        assert (raised.value.code, raised.value.field) == ("not_found", "cohort")

    def test_the_same_address_twice_in_a_cohort_is_refused_on_the_email(self, cohort):
        _create(cohort, "ken@acme.test")

        errors = _errors(lambda: _create(cohort, "KEN@acme.test"))

        assert errors == {"email": ["ken@acme.test is already enrolled in this cohort."]}

    def test_no_seat_left_is_refused(self, program):
        full = CohortFactory(program=program, mentee_capacity=1)
        _create(full, "first@acme.test")

        assert set(_errors(lambda: _create(full, "second@acme.test"))) == {"role"}


def _update(participant, **data):
    return services.participant_update(
        organization=participant.organization, participant=participant, actor=None, data=data
    )


class TestUpdate:
    def test_an_edit_is_saved_with_answers_merged_and_audited(self, cohort):
        first = _question(cohort, kind="short_text")
        second = _question(cohort, kind="short_text")
        participant = ParticipantFactory(
            cohort=cohort, answers={first.answer_key: "kept"}, email="ken@acme.test"
        )

        _update(participant, goals="New goals", answers={second.answer_key: "added"})

        row = _row(participant)
        assert row.goals == "New goals"
        assert row.answers == {first.answer_key: "kept", second.answer_key: "added"}
        assert _audit("participant.update") == ["ken@acme.test"]

    def test_the_address_can_be_changed(self, cohort):
        participant = ParticipantFactory(cohort=cohort, email="old@acme.test")

        _update(participant, email="New@Acme.test")

        assert _row(participant).email == "new@acme.test"

    def test_another_organizations_participant_is_not_found(self, org, other_participant):
        with pytest.raises(DomainError) as raised:
            services.participant_update(
                organization=org, participant=other_participant, actor=None, data={}
            )

        assert raised.value.code == "not_found"

    def test_keeping_the_role_in_a_full_cohort_needs_no_free_seat(self, program):
        full = CohortFactory(program=program, mentor_capacity=1)
        mentor = ParticipantFactory(cohort=full, role="mentor", mentor_capacity=1)

        _update(mentor, role="mentor", goals="Still here")

        assert _row(mentor).goals == "Still here"

    def test_a_withdrawn_person_may_change_role_in_a_full_cohort(self, program):
        full = CohortFactory(program=program, mentor_capacity=1)
        ParticipantFactory(cohort=full, role="mentor", mentor_capacity=1)
        gone = ParticipantFactory(cohort=full, role="mentee", status="withdrawn")

        _update(gone, role="mentor", mentor_capacity=1)

        assert _row(gone).role == "mentor"

    def test_a_new_role_without_a_free_seat_is_refused_and_nothing_changes(self, program):
        full = CohortFactory(program=program, mentor_capacity=1)
        ParticipantFactory(cohort=full, role="mentor", mentor_capacity=1)
        mentee = ParticipantFactory(cohort=full, role="mentee")

        assert set(_errors(lambda: _update(mentee, role="mentor", mentor_capacity=1))) == {"role"}
        assert _row(mentee).role == "mentee"


class TestWithdrawAndReinstate:
    def test_withdrawing_records_the_time_once_and_audits_once(self, cohort, org_admin):
        participant = ParticipantFactory(cohort=cohort, email="ken@acme.test")

        first = services.participant_withdraw(
            organization=cohort.organization, participant=participant, actor=org_admin
        )
        again = services.participant_withdraw(
            organization=cohort.organization, participant=participant, actor=org_admin
        )

        assert first.status == "withdrawn"
        assert first.withdrawn_at is not None
        assert again.withdrawn_at == first.withdrawn_at
        assert _audit("participant.withdraw") == ["ken@acme.test"]

    def test_withdrawing_touches_only_that_participant(self, cohort):
        leaving = ParticipantFactory(cohort=cohort)
        staying = ParticipantFactory(cohort=cohort)

        services.participant_withdraw(
            organization=cohort.organization, participant=leaving, actor=None
        )

        assert _row(staying).status == "active"

    def test_reinstating_clears_the_withdrawal_and_audits_once(self, cohort):
        participant = ParticipantFactory(cohort=cohort, email="ken@acme.test")
        services.participant_withdraw(
            organization=cohort.organization, participant=participant, actor=None
        )

        services.participant_reinstate(
            organization=cohort.organization, participant=participant, actor=None
        )
        services.participant_reinstate(
            organization=cohort.organization, participant=participant, actor=None
        )

        row = _row(participant)
        assert (row.status, row.withdrawn_at) == ("active", None)
        assert _audit("participant.reinstate") == ["ken@acme.test"]

    def test_reinstating_without_a_free_seat_is_refused_with_its_code(self, program):
        full = CohortFactory(program=program, mentee_capacity=1)
        gone = ParticipantFactory(cohort=full, role="mentee", status="withdrawn")
        ParticipantFactory(cohort=full, role="mentee")

        with pytest.raises(DomainError) as raised:
            services.participant_reinstate(
                organization=full.organization, participant=gone, actor=None
            )

        assert raised.value.code == "no_seat"
        assert "All mentee seats in this cohort are taken." in str(raised.value)
        assert _row(gone).status == "withdrawn"

    @pytest.mark.parametrize("write", ["participant_withdraw", "participant_reinstate"])
    def test_another_organizations_participant_is_not_found(self, org, other_participant, write):
        with pytest.raises(DomainError) as raised:
            getattr(services, write)(organization=org, participant=other_participant, actor=None)

        assert raised.value.code == "not_found"
        assert _row(other_participant).status == "active"
