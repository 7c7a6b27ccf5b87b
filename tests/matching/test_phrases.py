"""Explanations and unmatched reasons follow the viewer's language."""

import string

import pytest
from django.utils import translation
from django_scopes import scope

from matching import services
from matching.engine.messages import MESSAGES, render_english
from matching.phrases import RENDERERS, say
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

SAMPLES = {
    "count": 2,
    "terms": ("pricing", "sales"),
    "skills": ("SQL", "python"),
    "languages": ("en", "es"),
    "roles": ("career", "skill"),
    "detail": (("reporting_line", 2), ("no_language", 1)),
    "rule": "reporting_line",
    "mentee": "Sales",
    "mentor": "Legal",
    "value": "Sales",
}
# These show countries by name in the app, by ISO code in the engine's English.
COUNTRY_KEYS = {"diversity.cross_country", "diversity.same_place"}


def _params(key: str, count: int) -> dict:
    names = {
        field
        for template in MESSAGES[key]
        for _, field, _, _ in string.Formatter().parse(template)
        if field
    }
    if MESSAGES[key][0] != MESSAGES[key][1]:
        names.add("count")  # the plural form is chosen by count even where it is not shown
    return {name: (count if name == "count" else SAMPLES.get(name, "3")) for name in names}


def test_every_engine_message_has_a_translation_entry():
    assert set(RENDERERS) == set(MESSAGES)


@pytest.mark.parametrize("key", sorted(set(MESSAGES) - COUNTRY_KEYS))
@pytest.mark.parametrize("count", [1, 2])
def test_english_rendering_matches_the_engine(key, count):
    params = _params(key, count)

    with translation.override("en"):
        assert say(key, params) == render_english(key, params)


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_spanish_rendering_is_translated(key):
    params = _params(key, 2)

    with translation.override("es"):
        spanish = say(key, params)

    assert spanish and spanish != render_english(key, params), key


def test_countries_are_named_in_the_viewers_language():
    with translation.override("es"):
        text = say("diversity.cross_country", {"mentee": "JP", "mentor": "DE"})

    assert "Japón" in text and "Alemania" in text


def test_a_spanish_admin_reads_explanations_and_reasons_in_spanish(
    client, org, django_capture_on_commit_callbacks
):
    from organizations.models import Role
    from tests.factories import MembershipFactory

    admin = MembershipFactory(
        organization=org, role=Role.ADMIN, user=UserFactory(language="es")
    ).user
    cohort = CohortFactory(program=ProgramFactory(organization=org))
    ParticipantFactory(cohort=cohort, role="mentor", skills_offered=["SQL"], seniority=4)
    ParticipantFactory(cohort=cohort, role="mentee", skills_wanted=["SQL"], seniority=1)
    ParticipantFactory(
        cohort=cohort, role="mentee", languages=[{"code": "fi", "proficiency": "native"}]
    )
    with scope(organization=org.pk):
        with django_capture_on_commit_callbacks():
            match_round = services.round_start(organization=org, cohort=cohort, actor=None)
        services.round_run(organization=org, round_id=match_round.pk)
    client.force_login(admin)

    page = client.get(f"/o/{org.slug}/rounds/{match_round.pk}/").content.decode()
    # The unmatched mentees and their reasons are the round page's second tab.
    unmatched = client.get(f"/o/{org.slug}/rounds/{match_round.pk}/?show=unmatched")

    with translation.override("es"):
        shares = say("skills.shared", {"count": 1, "skills": ["SQL"]})
        no_language = say("unmatched.rule.no_language", {})
    assert shares in page
    assert no_language in unmatched.content.decode()
    assert "shares 1 wanted skill" not in page

    # The rule preview on the settings page names the rules in Spanish too.
    settings_page = client.get(f"/o/{org.slug}/cohorts/{cohort.pk}/matching/").content.decode()
    with translation.override("es"):
        shared_language = str(translation.gettext("Shared language"))
    assert shared_language != "Shared language" and shared_language in settings_page
