"""Survey satisfaction in the fairness audit: each mentee's mean answer to the 1-5 scale
questions of named surveys, compared per group like the other means; anonymous answers and
drafts never count, and a group with fewer answering mentees than the organization's
anonymity threshold shows no figure."""

import pytest

from analytics.fairness_selectors import fairness_audit
from surveys.models import QuestionType
from tests.analytics.test_fairness_audit import _attribute, _mentees, _rows
from tests.surveys.results_fixtures import make_survey, respond

pytestmark = pytest.mark.django_db

SCALES = [
    {"key": "overall", "type": QuestionType.SCALE_1_5, "text": {"en": "Overall?"}},
    {"key": "useful", "type": QuestionType.SCALE_1_5, "text": {"en": "Useful?"}},
    {"key": "recommend", "type": QuestionType.NPS, "text": {"en": "Recommend?"}},
]


def _answer(survey, mentee, **answers):
    return respond(
        survey, answers, cohort=mentee.cohort, participant=mentee, function=mentee.function
    )


@pytest.fixture
def named(org, program):
    return make_survey(org, program, anonymous=False, questions=SCALES)


def test_each_groups_survey_satisfaction_is_the_mean_of_its_mentees_means(
    org, program, cohort, named
):
    sales = _mentees(cohort, 6, function="Sales")
    legal = _mentees(cohort, 6, function="Legal")
    # Sales: one mentee answered 5 and 3 (mean 4), the others 5, 4, 4, 4, 3: (4+5+4+4+4+3)/6 = 4.
    _answer(named, sales[0], overall=5, useful=3, recommend=0)
    for mentee, value in zip(sales[1:], (5, 4, 4, 4, 3), strict=True):
        _answer(named, mentee, overall=value)
    # Legal: 2, 3, 2, 3, 2, 3: a mean of 2.5.
    for mentee, value in zip(legal, (2, 3, 2, 3, 2, 3), strict=True):
        _answer(named, mentee, overall=value)
    # Neither a draft nor an anonymous survey's answers count.
    later = make_survey(org, program, anonymous=False, questions=SCALES)
    respond(later, {"overall": 1}, participant=sales[1], submitted=False)
    anonymous = make_survey(org, program, anonymous=True, questions=SCALES)
    for mentee in sales:
        _answer(anonymous, mentee, overall=1)

    audit = fairness_audit(organization=org, attribute="function")

    cells = _rows(_attribute(audit, "function"), "survey_satisfaction")
    assert cells["Sales"].value == pytest.approx(4.0)
    assert cells["Sales"].n == 6
    assert cells["Legal"].value == pytest.approx(2.5)
    # Sales against Legal (the rest): 4.0 - 2.5.
    assert cells["Sales"].gap.difference == pytest.approx(1.5)
    assert cells["Sales"].gap.rest == pytest.approx(2.5)


def test_a_group_with_fewer_answering_mentees_than_the_threshold_shows_no_figure(
    org, cohort, named
):
    """Threshold 5: Legal's 3 answering mentees show nothing, nor does Sales, whose figure
    taken from everyone's would give Legal's away."""
    sales = _mentees(cohort, 6, function="Sales")
    legal = _mentees(cohort, 6, function="Legal")
    for mentee in sales:
        _answer(named, mentee, overall=5)
    for mentee in legal[:3]:
        _answer(named, mentee, overall=1)

    cells = _rows(
        _attribute(fairness_audit(organization=org, attribute="function"), "function"),
        "survey_satisfaction",
    )

    assert cells["Legal"].withheld and cells["Legal"].value is None
    assert cells["Sales"].withheld and cells["Sales"].value is None


def test_a_lower_threshold_shows_the_small_group(org, cohort, named):
    org.survey_anonymity_threshold = 3
    org.save(update_fields=["survey_anonymity_threshold"])
    sales = _mentees(cohort, 6, function="Sales")
    legal = _mentees(cohort, 6, function="Legal")
    for mentee in sales:
        _answer(named, mentee, overall=5)
    for mentee in legal[:3]:
        _answer(named, mentee, overall=1)

    cells = _rows(
        _attribute(fairness_audit(organization=org, attribute="function"), "function"),
        "survey_satisfaction",
    )

    assert (cells["Legal"].value, cells["Legal"].n) == (1.0, 3)
    assert cells["Sales"].value == 5.0


def test_the_reports_api_carries_survey_satisfaction_rows(api_client, org, cohort, named):
    from organizations.models import APIKeyScope, OrganizationAPIKey

    sales = _mentees(cohort, 6, function="Sales")
    legal = _mentees(cohort, 6, function="Legal")
    for mentee in sales:
        _answer(named, mentee, overall=4)
    for mentee in legal:
        _answer(named, mentee, overall=2)
    _key, raw = OrganizationAPIKey.objects.create_key(
        name="hr", organization=org, scopes=[APIKeyScope.REPORTS_READ.value]
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")

    rows = api_client.get("/api/v1/reports/fairness/", {"attribute": "function"}).json()
    found = {
        row["group_label"]: row for row in rows["results"] if row["metric"] == "survey_satisfaction"
    }

    assert found["Sales"]["value"] == 4.0
    assert found["Sales"]["difference"] == 2.0
    assert found["Legal"]["metric_label"] == "Survey satisfaction"
