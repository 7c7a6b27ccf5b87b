"""The lifecycle's guards, each by itself: an action changes its own mentorship and no other of
the organization, and the organization checks hold with no tenant scope and no row-level
security (the service's own filters alone). Written for the survivors of
`scripts/mutate mentorships/services/lifecycle.py` (docs/testing.md)."""

from __future__ import annotations

import pytest
from django.utils import translation
from django_scopes import scope, scopes_disabled

from core.errors import DomainError
from mentorships import services
from mentorships.models import Mentorship, MentorshipStatus
from mentorships.services import lifecycle
from notifications.models import Notification
from organizations.models import Role
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _mentorship(organization):
    cohort = CohortFactory(program=ProgramFactory(organization=organization))
    mentor = ParticipantFactory(cohort=cohort, role="mentor", user=UserFactory())
    mentee = ParticipantFactory(cohort=cohort, role="mentee", user=UserFactory())
    with scope(organization=organization.pk):
        mentorship = services.mentorship_create_from_match(
            organization=organization, cohort=cohort, mentor=mentor, mentees=[mentee]
        )
    return mentorship, mentor, mentee


def _act(organization, action, mentorship, user, **options):
    with scope(organization=organization.pk):
        return getattr(lifecycle, action)(
            organization=organization, mentorship=mentorship, actor=user, **options
        )


def _state(mentorship):
    with scopes_disabled():
        row = Mentorship.objects.get(pk=mentorship.pk)
    return row.status, row.close_reason, row.rematch_requested_at is not None


def test_each_action_changes_its_own_mentorship_and_no_other(org):
    """Two mentorships in one organization, each acted on in turn: the other one stays as it
    was (the row lock reads the mentorship by its id, not the organization's first)."""
    first, first_mentor, first_mentee = _mentorship(org)
    second, second_mentor, second_mentee = _mentorship(org)
    untouched = (MentorshipStatus.ACTIVE, "", False)

    _act(org, "mentorship_pause", second, second_mentee.user)
    assert _state(first) == untouched
    assert _state(second)[0] == MentorshipStatus.PAUSED

    _act(org, "mentorship_pause", first, first_mentee.user)
    _act(org, "mentorship_resume", first, first_mentor.user)
    assert _state(first)[0] == MentorshipStatus.ACTIVE
    assert _state(second)[0] == MentorshipStatus.PAUSED

    _act(org, "mentorship_request_rematch", first, first_mentee.user, reason="Never free")
    assert _state(second) == (MentorshipStatus.PAUSED, "", False)

    _act(org, "mentorship_close", second, second_mentor.user, reason="no_time")
    assert _state(first) == (MentorshipStatus.ACTIVE, "", True)
    assert _state(second) == (MentorshipStatus.ENDED, "no_time", False)


def test_another_organizations_mentorship_is_not_found_even_without_a_scope(
    org, other_org, org_admin, settings
):
    """The program team of one organization closes nothing in another, when neither a tenant
    scope nor row-level security would hide the row."""
    settings.MERIDIAN_ROW_LEVEL_SECURITY = False
    foreign, *_ = _mentorship(other_org)
    with scopes_disabled(), pytest.raises(DomainError) as refused:
        lifecycle.mentorship_close(
            organization=org, mentorship=foreign, actor=org_admin, reason="program_ended"
        )
    assert refused.value.code == "not_found"
    assert _state(foreign) == (MentorshipStatus.ACTIVE, "", False)


def test_managing_another_organization_gives_no_right_here(org, other_org, settings):
    """An admin of Globex with no role in Acme may not close Acme's mentorship, even when
    nothing but the service's own membership filter stands in the way."""
    settings.MERIDIAN_ROW_LEVEL_SECURITY = False
    mentorship, *_ = _mentorship(org)
    elsewhere = MembershipFactory(organization=other_org, role=Role.ADMIN).user
    with scopes_disabled(), pytest.raises(DomainError) as refused:
        lifecycle.mentorship_close(
            organization=org, mentorship=mentorship, actor=elsewhere, reason="program_ended"
        )
    assert refused.value.code == "permission_denied"
    assert _state(mentorship) == (MentorshipStatus.ACTIVE, "", False)


def test_a_plain_member_may_not_close_even_when_an_admin_exists(org, org_admin):
    """The program-team check reads the actor's own membership, not the organization's first."""
    mentorship, *_ = _mentorship(org)
    plain = MembershipFactory(organization=org, role=Role.MEMBER).user
    with pytest.raises(DomainError) as refused:
        _act(org, "mentorship_close", mentorship, plain, reason="no_time")
    assert refused.value.code == "permission_denied"
    assert _state(mentorship) == (MentorshipStatus.ACTIVE, "", False)


def test_only_a_member_resumes(org, org_admin):
    """Resuming, like pausing, is the members' own decision: the program team and a plain
    member of the organization are refused, and the mentorship stays paused."""
    mentorship, _, mentee = _mentorship(org)
    _act(org, "mentorship_pause", mentorship, mentee.user)
    plain = MembershipFactory(organization=org, role=Role.MEMBER).user
    for user in (org_admin, plain):
        with pytest.raises(DomainError) as refused:
            _act(org, "mentorship_resume", mentorship, user)
        assert refused.value.code == "permission_denied"
    assert _state(mentorship)[0] == MentorshipStatus.PAUSED


def test_each_manager_hears_of_a_rematch_request_in_their_own_language(
    org, org_admin, program_manager, django_capture_on_commit_callbacks
):
    org_admin.language = "es"
    org_admin.save(update_fields=["language"])
    mentorship, _, mentee = _mentorship(org)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        _act(org, "mentorship_request_rematch", mentorship, mentee.user, reason="Never free")
    with scope(organization=org.pk):
        text_of = dict(
            Notification.objects.for_org(org)
            .filter(idempotency_key__startswith="rematch:")
            .values_list("user_id", "text")
        )
    assert "ha pedido un nuevo emparejamiento en" in text_of[org_admin.pk]
    assert "asked for a new match in" in text_of[program_manager.pk]
