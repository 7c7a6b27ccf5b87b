"""HR analysts read survey results without editing surveys: their Surveys menu entry leads to a
read-only list of the surveys that went out, each with a link to its results; the builder stays
closed to them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from surveys.models import SurveyStatus
from tests.conftest import login
from tests.surveys.factories import OpenSurveyFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def _nav_surveys_entry(page: str) -> str | None:
    """The opening tag of the main menu's Surveys entry, if the menu has one."""
    found = re.search(r'<a class="ui-nav__item"[^>]*data-nav="surveys"[^>]*>', page)
    return found.group(0) if found else None


def _nav_surveys_href(page: str) -> str | None:
    entry = _nav_surveys_entry(page)
    return entry.split('href="', 1)[1].split('"', 1)[0] if entry else None


def _home(client, org) -> str:
    return client.get(reverse("dashboard", args=[org.slug])).content.decode()


def test_an_hr_analyst_has_a_surveys_entry_leading_to_the_results_list(client, org, hr_analyst):
    login(client, hr_analyst)

    assert _nav_surveys_href(_home(client, org)) == reverse("surveys:report_list", args=[org.slug])


def test_a_program_manager_keeps_the_builder_list_and_a_member_has_no_entry(
    client, org, program_manager, member
):
    login(client, program_manager)
    assert _nav_surveys_href(_home(client, org)) == reverse("surveys:survey_list", args=[org.slug])

    login(client, member)
    assert _nav_surveys_href(_home(client, org)) is None


def test_the_list_links_each_sent_survey_to_its_results_and_leaves_drafts_out(
    client, org, program, hr_analyst
):
    opened = OpenSurveyFactory(program=program, name={"en": "Two-week match check"})
    closed = SurveyFactory(
        program=program, name={"en": "Midpoint evaluation"}, status=SurveyStatus.CLOSED
    )
    draft = SurveyFactory(program=program, name={"en": "Unsent draft"})
    login(client, hr_analyst)

    response = client.get(reverse("surveys:report_list", args=[org.slug]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Two-week match check" in page
    assert "Midpoint evaluation" in page
    assert "Unsent draft" not in page
    for survey in (opened, closed):
        assert f'href="{reverse("surveys:results", args=[org.slug, survey.pk])}"' in page
    assert f'href="{reverse("surveys:results", args=[org.slug, draft.pk])}"' not in page
    # Read-only: nothing leads to the builder, its settings or a new survey.
    assert f'"{reverse("surveys:builder", args=[org.slug, opened.pk])}"' not in page
    assert f'"{reverse("surveys:settings", args=[org.slug, opened.pk])}"' not in page
    assert f'"{reverse("surveys:survey_create", args=[org.slug])}"' not in page
    # The menu marks Surveys as the current section.
    assert 'aria-current="page"' in (_nav_surveys_entry(page) or "")


def test_an_hr_analyst_cannot_edit_surveys(client, org, program, hr_analyst):
    survey = OpenSurveyFactory(program=program)
    login(client, hr_analyst)

    assert client.get(reverse("surveys:survey_list", args=[org.slug])).status_code == 403
    assert client.get(reverse("surveys:builder", args=[org.slug, survey.pk])).status_code == 403
    assert (
        client.post(
            reverse("surveys:survey_create", args=[org.slug]), {"program": program.pk}
        ).status_code
        == 403
    )
    assert client.post(reverse("surveys:close", args=[org.slug, survey.pk])).status_code == 403
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN


def test_an_empty_list_says_when_results_will_appear(client, org, hr_analyst):
    login(client, hr_analyst)

    page = client.get(reverse("surveys:report_list", args=[org.slug])).content.decode()

    assert "No survey results yet" in page
    assert "once a program manager opens a survey" in page


def test_a_member_is_refused_the_results_list(client, org, member):
    login(client, member)

    assert client.get(reverse("surveys:report_list", args=[org.slug])).status_code == 403


def test_another_organizations_surveys_stay_out(client, org, other_org, hr_analyst):
    OpenSurveyFactory(program__organization=other_org, name={"en": "Globex pulse"})
    login(client, hr_analyst)

    page = client.get(reverse("surveys:report_list", args=[org.slug])).content.decode()

    assert "Globex pulse" not in page


def test_a_program_manager_sees_the_results_list_of_the_surveys_whose_results_they_open(
    client, org, program, program_manager
):
    opened = OpenSurveyFactory(program=program, name={"en": "Two-week match check"})
    login(client, program_manager)

    response = client.get(reverse("surveys:report_list", args=[org.slug]))

    assert response.status_code == 200
    results = reverse("surveys:results", args=[org.slug, opened.pk])
    assert f'href="{results}"' in response.content.decode()
    assert client.get(results).status_code == 200
