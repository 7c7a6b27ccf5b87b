"""Papercuts a tester found walking the fresh demo (issue 8): the participant home's card counts
open goals and unread messages; "My mentorships" has a target before a match and shows for a
program manager who mentors; the booking email names the booker once; plain-text emails are
not HTML-escaped; notice links carry the site's address; messages and notes name the zone as
the check-ins do; a match concern names the pair."""

from __future__ import annotations

import datetime as dt
import re
from datetime import UTC

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django_scopes import scope

from mentorships import services
from mentorships.models import GoalStatus
from mentorships.services import goals
from mentorships.services.concerns import mentorship_flag_match_concern
from notifications.services import email_send
from organizations.models import Role
from tests.conftest import login
from tests.factories import MembershipFactory
from tests.mentorships.factories import GoalFactory, MessageFactory
from tests.mentorships.pages import member_of, tokyo_sao_paulo_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    return tokyo_sao_paulo_pair(org)


def _home(client, org) -> str:
    return client.get(reverse("dashboard", args=[org.slug])).content.decode()


def _text(html: str) -> str:
    """The page's words, tags and runs of whitespace taken out."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class TestParticipantHomeCard:
    def test_the_card_counts_open_goals_and_the_viewers_unread_messages(self, client, org, pair):
        mentorship, mentor, mentee = pair
        GoalFactory(mentorship=mentorship, status=GoalStatus.PROPOSED)
        GoalFactory(mentorship=mentorship, status=GoalStatus.IN_PROGRESS)
        GoalFactory(mentorship=mentorship, status=GoalStatus.DONE)
        GoalFactory(mentorship=mentorship, status=GoalStatus.DROPPED)
        MessageFactory(mentorship=mentorship, author=mentor)
        MessageFactory(mentorship=mentorship, author=mentor)
        MessageFactory(mentorship=mentorship, author=mentee)

        ana = _text(_home(login(client, mentee.user), org))
        assert "2 open goals" in ana
        assert "2 unread messages" in ana  # the mentor's two; her own does not count
        kenji = _text(_home(login(client, mentor.user), org))
        assert "1 unread message" in kenji
        assert "2 open goals" in kenji

    def test_reading_the_thread_clears_the_count(self, client, org, pair):
        mentorship, mentor, mentee = pair
        MessageFactory(mentorship=mentorship, author=mentor)
        login(client, mentee.user)
        client.get(reverse("mentorships:messages", args=[org.slug, mentorship.pk]))

        page = _text(_home(client, org))
        assert "No unread messages" in page
        assert "0 open goals" in page

    def test_my_mentorships_leads_to_a_section_before_the_first_match(self, client, org):
        user = member_of(org, "new@acme.test")
        page = _home(login(client, user), org)

        assert 'href="/o/acme/#mentorships"' in page
        assert 'id="mentorships"' in page
        assert "No mentorship yet" in page


class TestNavigationForTheProgramTeam:
    def test_a_manager_who_mentors_gets_my_mentorships_with_the_unread_count(
        self, client, org, pair
    ):
        mentorship, mentor, mentee = pair
        with scope(organization=org.pk):
            mentor.user.memberships.filter(organization=org).update(role=Role.PROGRAM_MANAGER)
        MessageFactory(mentorship=mentorship, author=mentee)
        MessageFactory(mentorship=mentorship, author=mentee)

        page = _home(login(client, mentor.user), org)

        item = re.search(r'<a [^>]*data-nav="mentorships".*?</a>', page, re.S)
        assert item is not None
        assert 'href="/o/acme/#mentorships"' in item.group(0)
        assert "2<span" in item.group(0)  # the badge, with its words for screen readers
        assert 'data-nav="programs"' in page  # beside the team's own entries

    def test_an_admin_without_a_mentorship_gets_no_such_entry(self, client, org):
        admin = MembershipFactory(organization=org, role=Role.ADMIN).user
        page = _home(login(client, admin), org)

        assert 'data-nav="programs"' in page
        assert 'data-nav="mentorships"' not in page


class TestBookingEmail:
    def test_each_side_reads_who_booked_once(self, org, pair, django_capture_on_commit_callbacks):
        mentorship, _mentor, mentee = pair
        with django_capture_on_commit_callbacks(execute=True), scope(organization=org.pk):
            services.check_in_book(
                organization=org,
                mentorship=mentorship,
                actor=mentee.user,
                starts_at=dt.datetime(2031, 6, 2, 0, tzinfo=UTC),
                duration=dt.timedelta(minutes=45),
            )

        by_recipient = {m.to[0]: " ".join(m.body.split()) for m in mail.outbox}
        assert "Ana Souza booked a check-in with you on" in by_recipient["kenji@acme.test"]
        assert "You booked a check-in with Kenji Watanabe on" in by_recipient["ana@acme.test"]
        for body in by_recipient.values():
            assert "with Ana Souza" not in body


class TestGoalEmail:
    def test_a_proposed_goal_s_email_links_with_the_site_s_address(
        self, org, pair, django_capture_on_commit_callbacks
    ):
        mentorship, _mentor, mentee = pair
        with django_capture_on_commit_callbacks(execute=True), scope(organization=org.pk):
            goals.goal_propose(
                organization=org, mentorship=mentorship, actor=mentee.user, title="Read a P&L"
            )

        (email,) = mail.outbox
        assert email.to == ["kenji@acme.test"]
        assert f"{settings.SITE_URL}/o/{org.slug}/" in email.body


class TestPlainTextEmails:
    def test_a_program_called_p_and_l_reads_as_typed_in_the_email_and_escaped_on_the_page(
        self, client, org, pair, django_capture_on_commit_callbacks
    ):
        mentorship, _mentor, _mentee = pair
        program = mentorship.cohort.program
        program.name = "P&L <Team>"
        program.save(update_fields=["name"])
        manager = MembershipFactory(organization=org, role=Role.PROGRAM_MANAGER).user
        with django_capture_on_commit_callbacks(execute=True), scope(organization=org.pk):
            mentorship_flag_match_concern(
                organization=org, mentorship=mentorship, source="Match check", note="Not a fit"
            )

        (email,) = [m for m in mail.outbox if m.to == [manager.email]]
        assert email.subject == "Match check asked for a new match in P&L <Team>"
        assert "new match in P&L <Team>." in email.body
        assert "&amp;" not in email.body and "&lt;" not in email.body
        assert not email.alternatives  # plain text only: no HTML part to escape
        # The same words in the app's HTML are escaped.
        page = login(client, manager).get(
            reverse("notifications:notification_list", args=[org.slug])
        )
        html = page.content.decode()
        assert "P&amp;L &lt;Team&gt;" in html
        assert "P&L <Team>" not in html

    def test_a_notice_with_a_path_links_with_the_sites_address(self, org):
        person = member_of(org, "lee@acme.test", full_name="Lee Park")
        with scope(organization=org.pk):
            email_send(
                organization=org,
                to=person.email,
                template="notice",
                context={
                    "person": person,
                    "text": "Ana proposed a goal: R&D",
                    "url": "/o/acme/",
                    "site_url": settings.SITE_URL,
                },
                idempotency_key="notice-path",
            )
            email_send(
                organization=org,
                to=person.email,
                template="notice",
                context={"person": person, "text": "Hook off", "url": "https://x.test/o/acme/"},
                idempotency_key="notice-absolute",
            )

        with_path, absolute = mail.outbox
        assert f"\n{settings.SITE_URL}/o/acme/" in with_path.body
        assert "R&D" in with_path.body
        assert "\nhttps://x.test/o/acme/" in absolute.body


class TestZoneNames:
    @pytest.mark.parametrize("page", ["mentorships:messages", "mentorships:notes"])
    def test_messages_and_notes_name_the_zone_as_check_ins_do(self, client, org, pair, page):
        mentorship, _mentor, mentee = pair
        mentee.time_zone = "America/Mexico_City"
        mentee.save(update_fields=["time_zone"])
        MessageFactory(mentorship=mentorship)

        html = login(client, mentee.user).get(reverse(page, args=[org.slug, mentorship.pk]))

        text = html.content.decode()
        assert "Times are in Mexico City." in text
        assert "America/Mexico_City" not in text


class TestMatchConcernEmail:
    def test_the_program_team_reads_which_pair_it_is_about(
        self, org, pair, django_capture_on_commit_callbacks
    ):
        mentorship, _mentor, _mentee = pair
        manager = MembershipFactory(organization=org, role=Role.PROGRAM_MANAGER).user
        with django_capture_on_commit_callbacks(execute=True), scope(organization=org.pk):
            mentorship_flag_match_concern(
                organization=org,
                mentorship=mentorship,
                source="Two-week match check",
                note="Not a good match",
            )

        (email,) = [m for m in mail.outbox if m.to == [manager.email]]
        assert "The mentorship of Kenji Watanabe and Ana Souza." in email.body
