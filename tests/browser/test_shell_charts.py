"""Charts in the shell (static/js/charts.js, loaded by base.html) keep long category labels
inside a 375 px phone: a survey answer or a matrix statement of many words wraps to two lines
and ends in "…" past them; the tooltip and the chart's table give the whole text. The program
health dashboard's funnel stays readable too.

Screenshots go to $BROWSER_SCREENSHOT_DIR, else test-results/ (not committed)."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from organizations.models import Role
from surveys.models import QuestionType
from tests.analytics.factories import build_metrics_world
from tests.browser.conftest import PHONE
from tests.factories import CohortFactory, MembershipFactory, ProgramFactory, UserFactory
from tests.surveys.results_fixtures import make_survey, respond

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SHOTS = Path(
    os.environ.get("BROWSER_SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "test-results"
)
LONG_ANSWER = (
    "My mentor helped me prepare the quarterly review for the regional leadership team "
    "and rehearse the hardest questions twice"
)
LONG_STATEMENT = "gives me feedback I can act on the very next working day, in writing"
QUESTIONS = [
    {
        "key": "helped",
        "type": QuestionType.SINGLE,
        "text": {"en": "What helped most?"},
        "choices": [
            {"value": "long", "label": {"en": LONG_ANSWER}},
            {"value": "short", "label": {"en": "Listening"}},
            {"value": "mid", "label": {"en": "Introductions to others"}},
        ],
    },
    {
        "key": "approach",
        "type": QuestionType.MATRIX,
        "text": {"en": "My mentor…"},
        "statements": [
            {"key": "feedback", "text": {"en": LONG_STATEMENT}},
            {"key": "listens", "text": {"en": "listens"}},
        ],
    },
]

# Each chart's category ticks as Chart.js draws them, with their widths, and the axis's room.
TICKS = """id => {
  const chart = Chart.getChart(document.querySelector(`#${id} canvas`));
  const axis = chart.options.indexAxis === 'y' ? chart.scales.y : chart.scales.x;
  const ctx = chart.ctx;
  ctx.save();
  ctx.font = '12px ' + Chart.defaults.font.family;
  const ticks = axis.ticks.map((t, i) => {
    const lines = [].concat(axis.getLabelItems()[i].label);
    return {lines, widths: lines.map(l => ctx.measureText(l).width)};
  });
  ctx.restore();
  return {ticks, left: axis.left, right: axis.right, canvas: chart.width};
}"""


@pytest.fixture
def results_url(org):
    program = ProgramFactory(organization=org, name="Bridges")
    cohort = CohortFactory(program=program, name="Spring")
    survey = make_survey(org, program, anonymous=False, questions=QUESTIONS)
    for n in range(6):
        respond(
            survey,
            {
                "helped": ["long", "short", "mid"][n % 3],
                "approach": {"feedback": 1 + n % 5, "listens": 5 - n % 5},
            },
            cohort=cohort,
        )
    return reverse("surveys:results", args=[org.slug, survey.pk])


def _open(new_page, sign_in, user, url):
    page = new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, user)
    page.goto(url)
    page.wait_for_function(
        "[...document.querySelectorAll('canvas[data-chart]')].every(c => Chart.getChart(c))"
    )
    return page, errors


def _chart_id(page, label: str) -> str:
    """The id of the chart whose data island lists `label`."""
    return page.evaluate(
        """label => [...document.querySelectorAll('figure.ui-chart')].find(
             f => JSON.parse(f.querySelector('script').textContent).labels.includes(label)).id""",
        label,
    )


def test_a_long_answer_wraps_to_two_lines_and_ends_in_an_ellipsis_on_a_phone(
    new_page, sign_in, program_manager, results_url
):
    page, errors = _open(new_page, sign_in, program_manager, results_url)
    chart_id = _chart_id(page, LONG_ANSWER)
    drawn = page.evaluate(TICKS, chart_id)

    long_tick, short_tick, mid_tick = drawn["ticks"]
    assert len(long_tick["lines"]) == 2
    assert long_tick["lines"][0].startswith("My mentor helped")
    assert long_tick["lines"][1].endswith("…")
    assert short_tick["lines"] == ["Listening"]
    assert " ".join(mid_tick["lines"]) == "Introductions to others"
    # Every line sits inside the canvas: the label column is at most 40 % of it.
    widest = max(w for tick in drawn["ticks"] for w in tick["widths"])
    assert widest <= 0.4 * drawn["canvas"] + 1, drawn
    assert drawn["right"] <= drawn["canvas"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The tooltip's title has the whole answer, wrapped to the chart's width.
    title = page.evaluate(
        """id => {
          const chart = Chart.getChart(document.querySelector(`#${id} canvas`));
          const items = [{label: chart.data.labels[0], chart}];
          const lines = [].concat(chart.options.plugins.tooltip.callbacks.title(items));
          return {lines, canvas: chart.width};
        }""",
        chart_id,
    )
    assert " ".join(title["lines"]) == LONG_ANSWER
    assert len(title["lines"]) > 1
    # Hovering the long answer's bar shows that tooltip.
    bar = page.evaluate(
        """id => { const c = Chart.getChart(document.querySelector(`#${id} canvas`));
                   const el = c.getDatasetMeta(0).data[0];
                   return {x: el.x - 4, y: el.y}; }""",
        chart_id,
    )
    page.locator(f"#{chart_id} canvas").hover(position=bar)
    page.wait_for_function(
        "id => Chart.getChart(document.querySelector(`#${id} canvas`)).tooltip.opacity > 0",
        arg=chart_id,
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(f"#{chart_id}").screenshot(path=str(SHOTS / "chart-tooltip-375.png"))

    # The table view has the answer in full.
    page.locator(f"#{chart_id} summary").click()
    expect(page.locator(f"#{chart_id} table")).to_contain_text(LONG_ANSWER)
    page.locator(f"#{chart_id}").screenshot(path=str(SHOTS / "chart-long-labels-375.png"))
    assert errors == []


def test_every_matrix_statement_keeps_its_label(new_page, sign_in, program_manager, results_url):
    page, errors = _open(new_page, sign_in, program_manager, results_url)
    drawn = page.evaluate(TICKS, _chart_id(page, LONG_STATEMENT))
    first, second = drawn["ticks"]
    assert " ".join(first["lines"]).rstrip("…").startswith("gives me feedback")
    assert len(first["lines"]) <= 2
    assert second["lines"] == ["listens"]
    assert errors == []


def test_the_dashboard_funnel_keeps_its_stage_labels_on_a_phone(new_page, sign_in, org):
    build_metrics_world(org)
    admin = MembershipFactory(organization=org, role=Role.ADMIN, user=UserFactory()).user
    page, errors = _open(
        new_page,
        sign_in,
        admin,
        reverse("analytics:dashboard", args=[org.slug])
        + "?period=custom&start=2025-03-01&end=2025-03-31",
    )
    drawn = page.evaluate(TICKS, "health-funnel")
    labels = page.evaluate(
        "JSON.parse(document.querySelector('#health-funnel script').textContent).labels"
    )
    assert len(drawn["ticks"]) == len(labels)  # none skipped
    for tick, label in zip(drawn["ticks"], labels, strict=True):
        assert " ".join(tick["lines"]) == label or tick["lines"][-1].endswith("…")
    assert max(w for t in drawn["ticks"] for w in t["widths"]) <= 0.4 * drawn["canvas"] + 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#health-funnel").screenshot(path=str(SHOTS / "chart-dashboard-375.png"))
    assert errors == []
