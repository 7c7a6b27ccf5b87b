"""The cast of the mentorship page tests: a mentor in Tokyo and a mentee in São Paulo, both
members of the organization, with weekly windows that overlap on the Tokyo morning, which is
the São Paulo evening of the day before."""

from __future__ import annotations

import datetime as dt

from django_scopes import scope

from mentorships import services
from organizations.models import Role
from participants.models import WeeklyAvailability
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)


def member_of(org, email, role=Role.MEMBER, full_name="Sam Member"):
    user = UserFactory(email=email, full_name=full_name)
    return MembershipFactory(organization=org, role=role, user=user).user


def tokyo_sao_paulo_pair(org, *, cadence="biweekly", windows=True):
    """(mentorship, mentor, mentee); each has an account in `org`."""
    program = ProgramFactory(organization=org, name="Bridges", default_check_in_cadence=cadence)
    cohort = CohortFactory(program=program, name="Spring")
    mentor = ParticipantFactory(
        cohort=cohort,
        role="mentor",
        full_name="Kenji Watanabe",
        email="kenji@acme.test",
        user=member_of(org, "kenji@acme.test", full_name="Kenji Watanabe"),
        time_zone="Asia/Tokyo",
        country="JP",
        function="Engineering",
        languages=[
            {"code": "ja", "proficiency": "native"},
            {"code": "en", "proficiency": "fluent"},
        ],
    )
    mentee = ParticipantFactory(
        cohort=cohort,
        role="mentee",
        full_name="Ana Souza",
        email="ana@acme.test",
        user=member_of(org, "ana@acme.test", full_name="Ana Souza"),
        time_zone="America/Sao_Paulo",
        country="BR",
        function="Sales",
        languages=[
            {"code": "pt", "proficiency": "native"},
            {"code": "en", "proficiency": "fluent"},
        ],
    )
    with scope(organization=org.pk):
        mentorship = services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
    if windows:
        for weekday in range(5):  # Tokyo: weekday mornings, 8:00-11:00
            WeeklyAvailability.objects.create(
                organization=org,
                participant=mentor,
                weekday=weekday,
                starts_at=dt.time(8),
                ends_at=dt.time(11),
            )
        for weekday in (6, 0, 1, 2, 3):  # São Paulo: Sunday to Thursday evenings, 19:00-23:00
            WeeklyAvailability.objects.create(
                organization=org,
                participant=mentee,
                weekday=weekday,
                starts_at=dt.time(19),
                ends_at=dt.time(23),
            )
    return mentorship, mentor, mentee
