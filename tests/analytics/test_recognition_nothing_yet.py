"""Recognition with nothing to recognise yet: the team page says why there is no chart of hours
and what to do, instead of an empty frame; a mentor who has held no check-in is offered no
certificate (a certificate of mentoring certifies mentoring), and its address sends them back
to their page with why."""

# `world` is imported from tests/analytics/test_recognition.py: the parameters shadow it.
# ruff: noqa: F811

import pytest
from django.urls import reverse

from organizations.models import Role
from tests.analytics.test_recognition import world  # noqa: F401
from tests.conftest import login
from tests.factories import MembershipFactory, ParticipantFactory, UserFactory
from tests.mentorships.factories import MentorshipFactory

pytestmark = pytest.mark.django_db


def _bo_signs_in(client, org, world):
    bo_user = UserFactory()
    MembershipFactory(organization=org, user=bo_user, role=Role.MEMBER)
    world["bo"].user = bo_user
    world["bo"].save(update_fields=["user"])
    return login(client, bo_user)


def test_a_team_page_where_nobody_has_hours_shows_what_to_do_not_an_empty_chart(
    client, org, cohort, org_admin
):
    mentor = ParticipantFactory(cohort=cohort, role="mentor", full_name="Bo")
    MentorshipFactory(cohort=cohort, mentor=mentor, mentees=[ParticipantFactory(cohort=cohort)])

    html = login(client, org_admin).get(reverse("analytics:recognition", args=[org.slug]))
    html = html.content.decode()

    assert 'data-testid="recognition-no-hours"' in html
    assert "No hours mentored yet" in html
    assert reverse("mentorships:at_risk", args=[org.slug]) in html
    assert "<canvas" not in html
    assert 'data-testid="recognition-table"' in html  # the mentors are still listed


def test_the_chart_shows_once_someone_has_hours(client, org, world, org_admin):
    html = login(client, org_admin).get(reverse("analytics:recognition", args=[org.slug]))

    assert "<canvas" in html.content.decode()
    assert 'data-testid="recognition-no-hours"' not in html.content.decode()


def test_a_mentor_without_a_held_check_in_is_offered_no_certificate(client, org, world):
    client = _bo_signs_in(client, org, world)

    html = client.get(reverse("analytics:recognition_me", args=[org.slug])).content.decode()

    certificate = reverse("analytics:recognition_certificate", args=[org.slug, world["bo"].pk])
    assert certificate not in html
    assert 'data-testid="no-certificate"' in html


def test_their_certificate_address_sends_them_back_saying_why(client, org, world):
    client = _bo_signs_in(client, org, world)
    url = reverse("analytics:recognition_certificate", args=[org.slug, world["bo"].pk])

    response = client.get(url, follow=True)

    assert response.redirect_chain[-1][0] == reverse("analytics:recognition_me", args=[org.slug])
    assert "ready once you have held a check-in" in response.content.decode()


def test_a_mentor_with_hours_gets_a_printable_certificate_named_honestly(
    client,
    org,
    world,
    member,
):
    me = login(client, member).get(reverse("analytics:recognition_me", args=[org.slug]))
    url = reverse("analytics:recognition_certificate", args=[org.slug, world["ada"].pk])
    assert url in me.content.decode()

    html = client.get(url).content.decode()

    assert "Print or save as PDF" in html
    assert "Download as PDF" not in html
    assert 'class="ui-plainbar certificate-actions"' in html
    assert "css/design.css" in html
