"""What a tester found on the dashboard's filter and tiles: a cohort outside the chosen program
is not counted as if it were the filter (docs/reports.md's rule), choosing a program narrows
the cohorts, a filtered view keeps its address, the counted-at time ends with one full stop,
the active tile says what it counts, and a small share never reads 0%."""

import pytest
from django.urls import reverse

from analytics.dashboard import share_display
from tests.analytics.factories import build_metrics_world
from tests.analytics.test_dashboard import MARCH, _panel, _url
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org):
    return build_metrics_world(org)


def _filter_panel(client, org, params, current_url):
    """The panel as the filter asks for it (htmx names the form that triggered it)."""
    return client.get(
        _url(org),
        params,
        headers={
            "HX-Request": "true",
            "HX-Trigger": "health-filter",
            "HX-Current-URL": f"http://testserver{current_url}",
        },
    )


def test_a_cohort_outside_the_program_is_an_error_not_that_cohort_s_figures(
    client, org, org_admin, world
):
    login(client, org_admin)

    response = client.get(
        _url(org), {**MARCH, "program": world.program.pk, "cohort": world.other_cohort.pk}
    )

    form = response.context["form"]
    assert "cohort" in form.errors
    assert "That cohort is not in the chosen program" in response.content.decode()
    health = response.context["health"]
    # The program's figures (the selects show it with all its cohorts), never X of "Autumn".
    assert health.scope.program_id == world.program.pk
    assert health.scope.cohort_id is None
    program_only = _panel(client, org, {**MARCH, "program": world.program.pk}).context["health"]
    assert health.funnel.invited == program_only.funnel.invited == 6


def test_choosing_a_program_narrows_the_cohorts_to_its_own(client, org, org_admin, world):
    login(client, org_admin)

    everyone = _panel(client, org, MARCH).context["form"]
    narrowed = _panel(client, org, {**MARCH, "program": world.other_program.pk}).context["form"]

    assert set(everyone.fields["cohort"].queryset) == {world.cohort, world.other_cohort}
    assert list(narrowed.fields["cohort"].queryset) == [world.other_cohort]


def test_changing_the_program_in_the_filter_drops_the_old_program_s_cohort(
    client, org, org_admin, world
):
    login(client, org_admin)
    page = _url(org)

    response = _filter_panel(
        client, org, {**MARCH, "program": world.other_program.pk, "cohort": world.cohort.pk}, page
    )

    assert not response.context["form"].errors
    health = response.context["health"]
    assert (health.scope.program_id, health.scope.cohort_id) == (world.other_program.pk, None)
    assert health.funnel.invited == 1  # X, the other program's only person
    assert f"cohort={world.cohort.pk}" not in response["HX-Push-Url"]


def test_the_filter_puts_its_query_in_the_address_and_the_page_reads_it_back(
    client, org, org_admin, world
):
    login(client, org_admin)
    page = _url(org)
    params = {**MARCH, "cohort": world.other_cohort.pk}

    pushed = _filter_panel(client, org, params, page)["HX-Push-Url"]

    assert pushed.startswith(f"{page}?")
    assert "poll" not in pushed
    again = client.get(pushed)
    assert again.context["health"].scope.cohort_id == world.other_cohort.pk
    assert str(again.context["health"].period.start) == "2025-03-01"
    assert again.context["form"]["cohort"].value() == str(world.other_cohort.pk)


def test_the_home_keeps_its_address_and_the_poller_never_pushes(client, org, org_admin, world):
    login(client, org_admin)

    on_home = _filter_panel(client, org, MARCH, reverse("dashboard", args=[org.slug]))
    polled = _panel(client, org, MARCH)

    assert "HX-Push-Url" not in on_home
    assert "HX-Push-Url" not in polled


def test_counted_at_a_p_m_time_ends_with_one_full_stop(client, org, org_admin, world):
    login(client, org_admin)

    html = _panel(client, org, MARCH).content.decode()

    assert "Counted at " in html
    assert ".." not in html.split("Counted at ", 1)[1].split("</span>", 1)[0]


def test_the_active_tile_says_what_active_means_and_how_many_run(client, org, org_admin, world):
    login(client, org_admin)

    response = _panel(client, org, MARCH)

    health = response.context["health"]
    active = next(h for h in health.headlines if h.key == "active_mentorships")
    assert "With a check-in in the period's last 30 days" in active.hint
    assert f"; {health.check_ins.mentorships} running." in active.hint
    assert 'data-testid="health-hint-active_mentorships"' in response.content.decode()


@pytest.mark.parametrize(
    ("share", "reads"),
    [
        (None, "\u2013"),
        (0, "0%"),
        (1 / 164, "<1%"),
        (0.005, "<1%"),
        (0.01, "1%"),
        (0.126, "13%"),
        (163 / 164, ">99%"),
        (1, "100%"),
    ],
)
def test_a_share_that_is_not_nothing_never_reads_0_percent(share, reads):
    assert share_display(share) == reads


def test_the_match_rate_tile_and_more_figures_use_the_same_rule(client, org, org_admin, world):
    login(client, org_admin)

    health = _panel(client, org, MARCH).context["health"]

    match_rate = next(h for h in health.headlines if h.key == "match_rate")
    assert match_rate.display == share_display(match_rate.value)
    assert health.shares["goals_completed"] == share_display(health.goals.completion_rate)
