"""The program team's notice that a pair may need a new match names the pair as each reader's
language joins names ("Ana e Inés" in Spanish, not "Ana y Inés")."""

from __future__ import annotations

import pytest
from django.core import mail
from django_scopes import scope

from mentorships import services
from mentorships.services.concerns import mentorship_flag_match_concern
from organizations.models import Role
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "pair"), [("es", "Ana e Inés"), ("en", "Ana and Inés")])
def test_the_notice_joins_the_pair_in_the_readers_language(
    org, django_capture_on_commit_callbacks, language, pair
):
    cohort = CohortFactory(program=ProgramFactory(organization=org, name="Puentes"))
    mentor = ParticipantFactory(cohort=cohort, role="mentor", full_name="Ana")
    mentee = ParticipantFactory(cohort=cohort, role="mentee", full_name="Inés")
    manager = UserFactory(email="pm@acme.test", language=language)
    MembershipFactory(organization=org, role=Role.PROGRAM_MANAGER, user=manager)
    with scope(organization=org.pk):
        mentorship = services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            flagged = mentorship_flag_match_concern(
                organization=org, mentorship=mentorship, source="Check", note="no"
            )

    assert flagged
    to_manager = [m for m in mail.outbox if m.to == [manager.email]]
    assert len(to_manager) == 1
    assert pair in to_manager[0].body
