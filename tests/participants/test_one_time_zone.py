"""One time zone per person (docs/i18n.md): the account's. Every page, email and notice shows a
person's times in it, and their participant profiles, in every organization, carry a copy of
it, because the mentorship pages, the booking form and the emails read the profile's."""

from __future__ import annotations

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django_scopes import scope, scopes_disabled

from accounts.services import user_set_time_zone
from mentorships import services as mentorship_services
from participants import services
from participants.models import Participant
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory, UserFactory, profile_data
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db
KOLKATA = ZoneInfo("Asia/Kolkata")


def zones_of(user) -> list[str]:
    with scopes_disabled():
        return sorted(Participant.objects.filter(user=user).values_list("time_zone", flat=True))


def test_a_zone_saved_in_settings_is_the_zone_of_the_home_the_booking_page_and_the_notices(
    client, org, django_capture_on_commit_callbacks
):
    mentorship, mentor, mentee = tokyo_sao_paulo_pair(org)
    # The account names no zone; the program's profile says São Paulo. The mentee now picks
    # Kolkata in their settings.
    login(client, mentee.user).post(
        reverse("accounts:settings"),
        {"full_name": "Ana Souza", "language": "en", "time_zone": "Asia/Kolkata"},
    )
    # 00:00 UTC in three days: 05:30 in Kolkata, 21:00 the day before in São Paulo.
    starts = (timezone.now() + dt.timedelta(days=3)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    with scope(organization=org.pk), django_capture_on_commit_callbacks(execute=True):
        mentorship_services.check_in_book(
            organization=org,
            mentorship=mentorship,
            actor=mentor.user,
            starts_at=starts,
            duration=dt.timedelta(minutes=45),
        )

    home = client.get(reverse("dashboard", args=[org.slug])).content.decode()
    booking = client.get(
        reverse("mentorships:check_ins", args=[org.slug, mentorship.pk])
    ).content.decode()
    notices = client.get(
        reverse("notifications:notification_list", args=[org.slug])
    ).content.decode()

    local = starts.astimezone(KOLKATA)
    day = date_format(local, "D j M")
    assert f"Next check-in: {day}, 5:30 (Kolkata time)" in home
    assert "Times shown in Asia/Kolkata" in home
    assert f"{day} 5:30</span> Kolkata" in booking  # the viewer's zone first
    assert f"booked a check-in on {date_format(local, 'DATETIME_FORMAT')}" in notices
    (email,) = [m for m in mail.outbox if m.to == [mentee.email]]
    assert f"{date_format(local, 'DATETIME_FORMAT')} (Asia/Kolkata)" in email.body
    assert zones_of(mentee.user) == ["Asia/Kolkata"]


def test_every_profile_in_every_organization_follows_the_accounts_zone(org, other_org):
    user = member_of(org, "ana@acme.test")
    ParticipantFactory(cohort=CohortFactory(program__organization=org), user=user)
    ParticipantFactory(cohort=CohortFactory(program__organization=other_org), user=user)
    someone_else = ParticipantFactory(cohort=CohortFactory(program__organization=org))

    user_set_time_zone(user=user, time_zone="Asia/Kathmandu")

    assert zones_of(user) == ["Asia/Kathmandu", "Asia/Kathmandu"]
    someone_else.refresh_from_db()
    assert someone_else.time_zone == "Europe/London"


def test_enrolling_gives_an_account_without_a_zone_the_profiles_zone(cohort):
    user = member_of(cohort.organization, "ana@acme.test")

    services.participant_enroll(
        organization=cohort.organization,
        cohort=cohort,
        user=user,
        data=profile_data(time_zone="Asia/Kolkata"),
    )

    user.refresh_from_db()
    assert user.time_zone == "Asia/Kolkata"


def test_the_zone_chosen_on_enrolling_becomes_the_persons_zone_everywhere(cohort, other_org):
    user = member_of(cohort.organization, "ana@acme.test")
    user_set_time_zone(user=user, time_zone="Europe/Berlin")
    elsewhere = ParticipantFactory(
        cohort=CohortFactory(program__organization=other_org), user=user, time_zone="Europe/Berlin"
    )

    services.participant_enroll(
        organization=cohort.organization,
        cohort=cohort,
        user=user,
        data=profile_data(time_zone="America/Sao_Paulo"),
    )

    user.refresh_from_db()
    assert user.time_zone == "America/Sao_Paulo"
    assert zones_of(user) == ["America/Sao_Paulo", "America/Sao_Paulo"]
    elsewhere.refresh_from_db()
    assert elsewhere.time_zone == "America/Sao_Paulo"


def test_a_zone_an_admin_gives_someone_with_their_own_keeps_theirs(cohort, org_admin):
    user = member_of(cohort.organization, "ana@acme.test")
    user_set_time_zone(user=user, time_zone="Europe/Berlin")

    participant = services.participant_create(
        organization=cohort.organization,
        cohort=cohort,
        actor=org_admin,
        email="ana@acme.test",
        data=profile_data(time_zone="Asia/Tokyo"),
    )

    assert participant.time_zone == "Europe/Berlin"


def test_an_admin_given_zone_stands_for_someone_without_an_account(cohort, org_admin):
    participant = services.participant_create(
        organization=cohort.organization,
        cohort=cohort,
        actor=org_admin,
        email="nobody-yet@acme.test",
        data=profile_data(time_zone="Asia/Tokyo"),
    )

    assert (participant.user, participant.time_zone) == (None, "Asia/Tokyo")


def test_the_migration_leaves_each_person_one_zone(org, other_org):
    migration = importlib.import_module("participants.migrations.0005_one_time_zone_per_person")
    unset = UserFactory(email="unset@acme.test", time_zone="")
    ParticipantFactory(cohort=CohortFactory(program__organization=org), user=unset)
    newest = ParticipantFactory(
        cohort=CohortFactory(program__organization=other_org), user=unset, time_zone="Asia/Kolkata"
    )
    chosen = UserFactory(email="chosen@acme.test", time_zone="Europe/Berlin")
    ParticipantFactory(
        cohort=CohortFactory(program__organization=org), user=chosen, time_zone="Asia/Tokyo"
    )
    no_account = ParticipantFactory(cohort=CohortFactory(program__organization=org), user=None)

    migration.one_time_zone_per_person(apps, None)

    unset.refresh_from_db()
    assert unset.time_zone == newest.time_zone
    assert zones_of(unset) == ["Asia/Kolkata", "Asia/Kolkata"]
    assert zones_of(chosen) == ["Europe/Berlin"]
    no_account.refresh_from_db()
    assert no_account.time_zone == "Europe/London"
