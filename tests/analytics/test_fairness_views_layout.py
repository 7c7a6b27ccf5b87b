"""The fairness page's tables as a tester read them: the chart's figures are the table under
it (no second "Show the data as a table" beside it), and each row leads with the group, its gap
and its flag, so that a phone shows what matters before the table scrolls."""

import re

import pytest
from django.urls import reverse

from tests.analytics.test_fairness_audit import operations_gap  # noqa: F401
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _page(client, org, cohort):
    return client.get(
        reverse("analytics:fairness", args=[org.slug]),
        {"cohort": cohort.pk, "attribute": "function"},
    ).content.decode()


def test_the_chart_has_no_second_table_beside_the_one_shown(
    client,
    org,
    org_admin,
    operations_gap,  # noqa: F811
):
    login(client, org_admin)

    html = _page(client, org, operations_gap)

    assert 'data-fairness-chart="fairness-chart-function"' in html
    assert "Show the data as a table" not in html
    assert html.count("<table") == 1
    assert "the table below holds the figures" in html


def test_each_row_leads_with_the_group_its_gap_and_its_flag(
    client,
    org,
    org_admin,
    operations_gap,  # noqa: F811
):
    login(client, org_admin)

    html = _page(client, org, operations_gap)

    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    columns = [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    ]
    assert columns[:3] == ["Group", "Gap vs everyone else (points)", "Flag"]
    operations = re.search(r"<tr[^>]*>\s*<th scope=\"row\">Operations.*?</tr>", html, re.S).group(0)
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", operations, re.S)
    ]
    assert cells[0] == "-70"
    assert "Flagged" in cells[1]
    assert len(cells) == len(columns) - 1
