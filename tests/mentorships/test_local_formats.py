"""Times and numbers as the viewer reads them: the notes page (document, versions, reflections)
in the viewer's own zone, whatever zone the server or the browser is in, and the at-risk list's
average rating in the reader's number format."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django_scopes import scope

from accounts.middleware import BROWSER_TIME_ZONE_COOKIE
from mentorships.models import (
    CheckIn,
    CheckInRecord,
    DocumentRevision,
    EngagementSettings,
    Reflection,
    SharedDocument,
)
from mentorships.services import documents as document_services
from organizations.models import Role
from tests.conftest import login
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db
KOLKATA = ZoneInfo("Asia/Kolkata")
# 20:50 UTC is 02:20 the next day in Kolkata: the day and the clock both differ from UTC's.
SAVED_AT = dt.datetime(2026, 3, 9, 20, 50, tzinfo=dt.UTC)


@pytest.fixture
def pair(org):
    mentorship, mentor, mentee = tokyo_sao_paulo_pair(org, windows=False)
    mentee.time_zone = "Asia/Kolkata"
    mentee.save(update_fields=["time_zone"])
    return mentorship, mentor, mentee


def written_at(org, mentorship, mentee, instant):
    """A saved document (one version) and a reflection, all stamped at `instant`."""
    with scope(organization=org.pk):
        document_services.document_save(
            organization=org, mentorship=mentorship, actor=mentee.user, body="# Plan",
            base_version=0,
        )  # fmt: skip
        document_services.reflection_write(
            organization=org, mentorship=mentorship, actor=mentee.user, body="Felt good"
        )
        SharedDocument.objects.for_org(org).update(updated_at=instant)
        DocumentRevision.objects.for_org(org).update(created_at=instant)
        Reflection.objects.for_org(org).update(created_at=instant)


def test_the_notes_page_shows_every_time_in_the_viewers_zone(client, org, pair):
    mentorship, _mentor, mentee = pair
    written_at(org, mentorship, mentee, SAVED_AT)
    # The account names no zone and the browser says Berlin: the page still reads Kolkata.
    client.cookies[BROWSER_TIME_ZONE_COOKIE] = "Europe%2FBerlin"
    page = login(client, mentee.user).get(
        reverse("mentorships:notes", args=[org.slug, mentorship.pk])
    )
    body = page.content.decode()
    local = SAVED_AT.astimezone(KOLKATA)
    shown = date_format(local, "DATETIME_FORMAT")
    assert "Times are in Kolkata" in body
    assert body.count(shown) == 3  # last saved, the version, the reflection
    assert f'datetime="{local.isoformat()}"' in body
    utc_shown = date_format(SAVED_AT, "DATETIME_FORMAT")
    assert utc_shown not in body


def test_a_version_page_shows_when_it_was_saved_in_the_viewers_zone(client, org, pair):
    mentorship, _mentor, mentee = pair
    written_at(org, mentorship, mentee, SAVED_AT)
    with scope(organization=org.pk):
        revision = DocumentRevision.objects.for_org(org).get()
    page = login(client, mentee.user).get(
        reverse("mentorships:notes_version", args=[org.slug, revision.pk])
    )
    assert date_format(SAVED_AT.astimezone(KOLKATA), "DATETIME_FORMAT") in page.content.decode()


def rated(org, mentorship, ratings):
    now = timezone.now()
    for n, (person, rating) in enumerate(ratings):
        ends = now - dt.timedelta(days=3 + n)
        check_in = CheckIn.objects.create(
            organization=org, mentorship=mentorship, organizer=mentorship.mentor,
            time_zone="UTC", starts_at=ends - dt.timedelta(minutes=30), ends_at=ends,
            ical_uid=f"rated{n}-{mentorship.pk}@meridian",
        )  # fmt: skip
        CheckInRecord.objects.create(
            organization=org, check_in=check_in, participant=person, happened=True, rating=rating
        )


@pytest.mark.parametrize(("language", "average"), [("es", "3,5"), ("en", "3.5")])
def test_the_at_risk_average_rating_is_in_the_readers_number_format(
    client, org, pair, language, average
):
    mentorship, mentor, mentee = pair
    EngagementSettings.objects.create(
        organization=org, program_id=mentorship.cohort.program_id, low_rating_below=4
    )
    rated(org, mentorship, [(mentor, 3), (mentee, 4)])
    manager = member_of(org, "pm@acme.test", role=Role.PROGRAM_MANAGER)
    manager.language = language
    manager.save(update_fields=["language"])
    body = login(client, manager).get(reverse("mentorships:at_risk", args=[org.slug]))
    text = body.content.decode()
    assert f" {average} " in text
    other = "3.5" if average == "3,5" else "3,5"
    assert other not in text
