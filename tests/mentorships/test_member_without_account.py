"""A caller with no account (an API key's anonymous user) is never taken for a member who has
no account either."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django_scopes import scope

from core.errors import DomainError
from mentorships import services
from mentorships.selectors import mentorship_get_for_member, mentorship_member
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentorship_with_an_accountless_mentee(org):
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    mentor = ParticipantFactory(cohort=cohort, role="mentor", user=UserFactory())
    mentee = ParticipantFactory(cohort=cohort, role="mentee", user=None)
    with scope(organization=org.pk):
        return services.mentorship_create_from_match(
            organization=org, cohort=cohort, mentor=mentor, mentees=[mentee]
        )


def test_an_anonymous_caller_is_no_member(org, mentorship_with_an_accountless_mentee):
    mentorship = mentorship_with_an_accountless_mentee
    with scope(organization=org.pk), pytest.raises(DomainError) as refused:
        mentorship_member(organization=org, mentorship=mentorship, user=AnonymousUser())
    assert refused.value.code == "permission_denied"


def test_an_anonymous_caller_cannot_open_the_mentorship(org, mentorship_with_an_accountless_mentee):
    mentorship = mentorship_with_an_accountless_mentee
    with scope(organization=org.pk), pytest.raises(DomainError) as refused:
        mentorship_get_for_member(
            organization=org, mentorship_id=mentorship.pk, user=AnonymousUser()
        )
    assert refused.value.code == "not_found"
