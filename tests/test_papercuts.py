"""What a new user tripped on (issue 6 §4): server-side checks. Page behaviour is checked in
tests/browser/test_papercuts.py."""

import datetime as dt
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django_scopes import scope, scopes_disabled

from core.api import server_error
from core.errors import DomainError
from matching import services as matching_services
from matching.config import config_from_json
from matching.models import MatchProposal, MatchRound, RoundStatus
from mentorships.models import Mentorship, MentorshipMentee
from organizations.models import OrganizationAPIKey
from organizations.services import audit_log_record
from participants import services as participant_services
from tests.conftest import login
from tests.factories import CohortFactory, EnrollmentQuestionFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def proposed_round(org, cohort, capture, pairs: int = 2):
    for n in range(pairs):
        ParticipantFactory(
            cohort=cohort,
            role="mentor",
            full_name=f"Mentor {n}",
            skills_offered=["SQL"],
            seniority=4,
        )
        ParticipantFactory(
            cohort=cohort,
            role="mentee",
            full_name=f"Mentee {n}",
            skills_wanted=["SQL"],
            seniority=1,
        )
    with scope(organization=org.pk):
        with capture():
            match_round = matching_services.round_start(organization=org, cohort=cohort, actor=None)
        return matching_services.round_run(organization=org, round_id=match_round.pk)


def _proposals(match_round):
    with scopes_disabled():
        return list(
            MatchProposal.objects.filter(match_round=match_round)
            .select_related("mentor", "mentee")
            .order_by("mentee__full_name")
        )


# 3. Swap


def test_swap_with_an_unknown_proposal_is_a_form_error_on_the_round_page(
    client, org, program_manager, cohort, django_capture_on_commit_callbacks
):
    match_round = proposed_round(org, cohort, django_capture_on_commit_callbacks)
    first, _second = _proposals(match_round)
    login(client, program_manager)

    response = client.post(
        reverse("matching:proposal_swap", args=[org.slug, first.pk]), {"other": "99999"}
    )

    assert response.status_code == 400
    assert response.templates[0].name == "matching/round_detail.html"
    assert "Choose one of the listed mentors." in response.content.decode()


def test_swap_offers_the_other_pairs_mentors_by_name_and_current_mentee(
    client, org, program_manager, cohort, django_capture_on_commit_callbacks
):
    match_round = proposed_round(org, cohort, django_capture_on_commit_callbacks)
    first, second = _proposals(match_round)
    login(client, program_manager)

    fragment = client.get(
        reverse("matching:proposal_swap", args=[org.slug, first.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    client.post(reverse("matching:proposal_swap", args=[org.slug, first.pk]), {"other": second.pk})

    assert f"{second.mentor.full_name} (now with {second.mentee.full_name})" in fragment
    # The choices are radio buttons (a search narrows them): one per other pair, by name.
    choices = re.findall(r'<input type="radio" name="other" value="(\d+)"[^>]*>([^<]*)<', fragment)
    assert [int(pk) for pk, _label in choices] == [second.pk]
    assert not any(first.mentor.full_name in label for _pk, label in choices)
    assert 'type="search"' in fragment
    with scopes_disabled():
        pairs = set(
            MatchProposal.objects.filter(match_round=match_round).values_list(
                "mentee_id", "mentor_id"
            )
        )
    assert pairs == {(first.mentee_id, second.mentor_id), (second.mentee_id, first.mentor_id)}


# 6. Links that no longer apply


def test_catalog_and_dashboard_say_enrolled_instead_of_offering_enroll(client, org, member, cohort):
    ParticipantFactory(cohort=cohort, user=member, email=member.email)
    login(client, member)
    enroll_url = reverse("participants:enroll", args=[org.slug, cohort.pk])

    catalog = client.get(reverse("programs:catalog", args=[org.slug])).content.decode()
    assert enroll_url not in catalog
    assert "Enrolled" in catalog
    # The home lists the cohort among the person's participations, never as one to join.
    home = client.get(reverse("dashboard", args=[org.slug])).content.decode()
    assert enroll_url not in home
    participations = home.split("Your participations", 1)[1].split("Open for enrollment", 1)[0]
    assert cohort.name in participations


def test_rank_your_matches_goes_once_the_round_is_published(client, org, member, cohort):
    config = config_from_json(cohort.matching_settings).to_json()
    config["objective"] = "stable"
    cohort.matching_settings = config
    cohort.save()
    ParticipantFactory(cohort=cohort, user=member, email=member.email)
    login(client, member)
    rank_url = reverse("matching:preferences", args=[org.slug, cohort.pk])

    before = client.get(reverse("dashboard", args=[org.slug])).content.decode()
    MatchRound.objects.create(organization=org, cohort=cohort, status=RoundStatus.PUBLISHED)
    after = client.get(reverse("dashboard", args=[org.slug])).content.decode()

    assert rank_url in before
    assert rank_url not in after


def test_find_a_mentor_goes_once_a_request_is_accepted(client, org, member, cohort):
    config = config_from_json(cohort.matching_settings).to_json()
    config["self_match"] = {**config["self_match"], "enabled": True}
    cohort.matching_settings = config
    cohort.save()
    mentee = ParticipantFactory(cohort=cohort, user=member, email=member.email)
    mentor = ParticipantFactory(cohort=cohort, role="mentor")
    login(client, member)
    find_url = reverse("matching:find_mentor", args=[org.slug, cohort.pk])

    before = client.get(reverse("dashboard", args=[org.slug])).content.decode()
    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=org, cohort=cohort, mentor=mentor, started_on=dt.date(2027, 1, 13)
        )
        MentorshipMentee.objects.create(organization=org, mentorship=mentorship, mentee=mentee)
    after = client.get(reverse("dashboard", args=[org.slug])).content.decode()

    assert find_url in before
    assert find_url not in after


# 7. Where emails point, and whose name they carry


def _site_url(**environment) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "MERIDIAN_ADDR")}
    env.update(environment, DJANGO_SETTINGS_MODULE="mentoring.settings.local")
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_site_url_defaults_to_the_address_scripts_run_serves():
    assert _site_url() == "http://127.0.0.1:8000"
    assert _site_url(MERIDIAN_ADDR="0.0.0.0:8123") == "http://0.0.0.0:8123"
    assert _site_url(SITE_URL="https://mentoring.acme.test") == "https://mentoring.acme.test"


def test_verification_email_names_the_product(client):
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Nadia Founder",
            "email": "nadia@newco.test",
            "organization_name": "NewCo",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )

    (message,) = mail.outbox
    assert message.subject.startswith("[Meridian] ")
    assert "example.com" not in message.subject + message.body


# 8. Ask before far-reaching actions; undo a withdrawal


def test_reinstate_brings_a_withdrawn_participant_back_only_while_a_seat_is_free(org, program):
    cohort = CohortFactory(program=program, mentee_capacity=1)
    first = ParticipantFactory(cohort=cohort, role="mentee")
    with scope(organization=org.pk):
        participant_services.participant_withdraw(organization=org, participant=first, actor=None)
        second = ParticipantFactory(cohort=cohort, role="mentee")

        with pytest.raises(DomainError, match="All mentee seats"):
            participant_services.participant_reinstate(
                organization=org, participant=first, actor=None
            )
        participant_services.participant_withdraw(organization=org, participant=second, actor=None)
        reinstated = participant_services.participant_reinstate(
            organization=org, participant=first, actor=None
        )

    assert reinstated.status == "active"
    assert reinstated.withdrawn_at is None


def test_far_reaching_buttons_ask_first(client, org, owner, program, cohort):
    EnrollmentQuestionFactory(cohort=cohort)
    ParticipantFactory(cohort=cohort)
    OrganizationAPIKey.objects.create_key(name="reporting", organization=org, scopes=["read"])
    login(client, owner)
    pages = {
        "archive program": reverse("programs:program_detail", args=[org.slug, program.pk]),
        "delete question": reverse("programs:cohort_detail", args=[org.slug, cohort.pk]),
        "withdraw": reverse("participants:participant_list", args=[org.slug, cohort.pk]),
        "revoke key": reverse("organizations:api_key_list", args=[org.slug]),
        "leave": reverse("organizations:member_list", args=[org.slug]),
    }
    actions = {
        "archive program": "/archive/",
        "delete question": "/delete/",
        "withdraw": "/withdraw/",
        "revoke key": "/revoke/",
        "leave": "/remove/",
    }

    unasked = []
    for name, url in pages.items():
        html = client.get(url).content.decode()
        forms = re.findall(r"<form[^>]*>", html)
        asking = [f for f in forms if actions[name] in f and "data-confirm=" in f]
        if not asking:
            unasked.append(name)
    assert unasked == []


# 9. Error pages in the app's look


def test_not_found_renders_the_apps_404_page(client, member, org):
    login(client, member)

    response = client.get(reverse("programs:catalog", args=[org.slug]) + "no-such-page/")

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "We could not find that page" in response.content.decode()


def test_forbidden_renders_the_apps_403_page(client, member, org):
    login(client, member)

    response = client.get(reverse("organizations:api_key_list", args=[org.slug]))

    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert "You do not have access to this page" in response.content.decode()


def test_server_error_renders_the_apps_500_page_in_the_viewers_language(rf):
    request = rf.get("/o/acme/")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        with translation.override("es"):
            response = server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert 'lang="es"' in html
    assert "/static/css/meridian.css" in html
    with translation.override("es"):
        heading = translation.gettext("Something went wrong on our side")
    assert heading != "Something went wrong on our side"
    assert heading in html


# 10. Favicon


def test_pages_link_a_favicon_that_is_served(client, member, org):
    login(client, member)

    html = client.get(reverse("dashboard", args=[org.slug])).content.decode()
    links = re.findall(r'<link rel="icon" href="([^"]+)"', html)

    assert [link.rsplit(".", 1)[1] for link in links] == ["svg", "ico"]
    for link in links:
        assert finders.find(link.removeprefix(settings.STATIC_URL)), link


# 12. One date format per locale


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "Jan. 13, 2027"), ("es", "13 de enero de 2027")]
)
def test_a_date_reads_the_same_on_every_page(client, org, owner, program, language, expected):
    owner.language = language
    owner.save(update_fields=["language"])
    cohort = CohortFactory(program=program, starts_on=dt.date(2027, 1, 13))
    login(client, owner)

    program_page = client.get(reverse("programs:program_detail", args=[org.slug, program.pk]))
    cohort_page = client.get(reverse("programs:cohort_detail", args=[org.slug, cohort.pk]))

    assert expected in program_page.content.decode()
    assert expected in cohort_page.content.decode()


# 11. The audit log in words


def test_audit_log_shows_actions_in_words_and_unknown_codes_as_they_are(client, org, owner):
    audit_log_record(organization=org, actor=owner, action="pair.forbid", target="a ↔ b")
    audit_log_record(organization=org, actor=owner, action="future.thing", target="x")
    login(client, owner)

    html = client.get(reverse("organizations:audit_log", args=[org.slug])).content.decode()

    assert ">Pair forbidden<" in html
    assert ">pair.forbid<" not in html
    assert ">future.thing<" in html


# 2. Required fields are marked on every form, the account forms included


def test_sign_up_form_marks_its_required_fields(client):
    html = client.get(reverse("account_signup")).content.decode()

    labels = dict(re.findall(r'<label for="id_(\w+)">(.*?)</label>', html, flags=re.S))
    assert "required-mark" in labels["email"]
    assert "required-mark" in labels["password1"]
    assert "required-mark" not in labels["organization_name"]


def test_coming_back_to_a_joined_cohort_leads_to_the_dashboard_not_a_stale_next_step(
    client, org, member, cohort
):
    ParticipantFactory(cohort=cohort, user=member, email=member.email)
    login(client, member)

    html = client.get(reverse("participants:enroll", args=[org.slug, cohort.pk])).content.decode()

    assert reverse("matching:preferences", args=[org.slug, cohort.pk]) not in html
    assert reverse("dashboard", args=[org.slug]) + "#participations" in html
