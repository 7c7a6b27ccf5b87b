"""The cohort list's seat counts: active people only, someone enrolled as both counts on both
sides, and nobody from another cohort or organization."""

import pytest
from django_scopes import scope

from programs.selectors import cohort_list
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def test_seat_counts_count_active_people_per_side(org, other_org):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    empty = CohortFactory(program=ProgramFactory(organization=org))
    ParticipantFactory(cohort=cohort, role="mentor")
    ParticipantFactory(cohort=cohort, role="both")
    ParticipantFactory(cohort=cohort, role="mentee")
    ParticipantFactory(cohort=cohort, role="mentee")
    ParticipantFactory(cohort=cohort, role="mentor", status="withdrawn")
    ParticipantFactory(cohort=cohort, role="mentee", status="withdrawn")
    ParticipantFactory(cohort=CohortFactory(program=ProgramFactory(organization=other_org)))

    with scope(organization=org.pk):
        counts = {c.pk: (c.mentor_count, c.mentee_count) for c in cohort_list(organization=org)}

    assert counts == {cohort.pk: (2, 3), empty.pk: (0, 0)}
