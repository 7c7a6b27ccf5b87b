"""Program managers set a program's engagement rules on their own page; the reminder hours
decide when reminders of check-ins booked afterwards go out."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from core.errors import DomainError
from mentorships.models import EngagementSettings
from mentorships.services import engagement_settings as service
from organizations.models import Role
from tests.conftest import login
from tests.factories import ProgramFactory
from tests.mentorships.pages import member_of
from tests.mentorships.test_reminder_hours import hours_before
from tests.mentorships.test_reminders import book, in_days, make_pair

pytestmark = pytest.mark.django_db

VALID = {
    "reminder_hours": "48, 2",
    "first_check_in_nudge_days": "7, 3",
    "quiet_after_days": "21",
    "unanswered_message_days": "5",
    "low_rating_below": "3",
    "overdue_goal_nudges": "on",
}


def update(org, program, **changes):
    values = {
        "reminder_hours": [24, 1], "first_check_in_nudge_days": [3, 7, 14],
        "quiet_after_days": 30, "low_rating_below": 3, "unanswered_message_days": 7,
        "overdue_goal_nudges": True, **changes,
    }  # fmt: skip
    with scope(organization=org.pk):
        return service.engagement_settings_update(
            organization=org, program=program, actor=None, **values
        )


def test_a_manager_saves_the_settings_and_new_bookings_use_them(client, org):
    mentorship, mentor, _ = make_pair(org)
    program = mentorship.cohort.program
    url = reverse("mentorships:engagement_settings", args=[org.slug, program.pk])
    login(client, member_of(org, "pm@acme.test", role=Role.PROGRAM_MANAGER))
    page = client.get(url)
    assert page.status_code == 200 and "24, 1" in page.content.decode()
    assert client.post(url, VALID).status_code == 302
    with scope(organization=org.pk):
        saved = EngagementSettings.objects.get(program=program)
    assert saved.reminder_hours == [48, 2]
    assert saved.first_check_in_nudge_days == [3, 7]
    assert saved.quiet_after_days == 21
    starts_at = in_days(3)
    book(org, mentorship, mentor.user, starts_at)
    assert hours_before(starts_at, org) == [("48h", 48), ("2h", 2)]


def test_refusals_land_on_the_fields(client, org):
    program = ProgramFactory(organization=org)
    url = reverse("mentorships:engagement_settings", args=[org.slug, program.pk])
    login(client, member_of(org, "pm@acme.test", role=Role.PROGRAM_MANAGER))
    page = client.post(url, {**VALID, "reminder_hours": "1000"})
    assert page.status_code == 200
    assert "between 1 and 336" in page.content.decode()
    page = client.post(url, {**VALID, "reminder_hours": "a day"})
    assert "whole numbers" in page.content.decode()
    with scope(organization=org.pk):
        assert not EngagementSettings.objects.filter(program=program).exists()


def test_the_service_refuses_too_many_reminders_and_another_organizations_program(org, other_org):
    program = ProgramFactory(organization=org)
    with pytest.raises(DomainError) as refused:
        update(org, program, reminder_hours=[1, 2, 3, 4, 5])
    assert refused.value.field == "reminder_hours"
    with pytest.raises(DomainError) as refused:
        update(org, ProgramFactory(organization=other_org))
    assert refused.value.code == "not_found"


def test_members_and_other_organizations_get_no_settings_page(client, org, other_org):
    mentorship, _, mentee = make_pair(org)
    url = reverse("mentorships:engagement_settings", args=[org.slug, mentorship.cohort.program_id])
    assert login(client, mentee.user).get(url).status_code in (403, 404)
    foreign = ProgramFactory(organization=other_org)
    login(client, member_of(org, "pm@acme.test", role=Role.PROGRAM_MANAGER))
    other = reverse("mentorships:engagement_settings", args=[org.slug, foreign.pk])
    assert client.get(other).status_code == 404
