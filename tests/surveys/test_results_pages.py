"""The results page, its exports, the per-person responses of named surveys, the organization's
threshold setting and the mentor's feedback page."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from organizations.models import AuditLogEntry, Role
from tests.conftest import login
from tests.factories import CohortFactory, MembershipFactory, ParticipantFactory, UserFactory
from tests.surveys.results_fixtures import invite, make_survey, respond

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.test","click")'


def _url(name, org, survey=None, **query):
    args = [org.slug] if survey is None else [org.slug, survey.pk]
    url = reverse(f"surveys:{name}", args=args)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


@pytest.fixture
def anonymous_survey(org, program):
    """Six mentees in GB and six mentors in FR answered; one GB mentee wrote a formula."""
    spring = CohortFactory(program=program, name="Spring")
    survey = make_survey(org, program, anonymous=True)
    for n in range(6):
        respond(
            survey,
            {"confidence": 4, "recommend": 9, "highlight": FORMULA if n == 0 else f"Fine {n}"},
            cohort=spring,
            country="GB",
            role="mentee",
        )
    for _ in range(5):
        respond(
            survey, {"confidence": 2, "recommend": 3}, cohort=spring, country="FR", role="mentor"
        )
    respond(survey, {"confidence": 1, "recommend": 0}, cohort=spring, country="FR", role="mentee")
    return survey


def test_the_program_team_sees_each_question_as_a_chart_with_its_table(
    client, org, program_manager, anonymous_survey
):
    login(client, program_manager)

    response = client.get(_url("results", org, anonymous_survey))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-chart="survey-q0-data"' in body
    assert 'id="survey-q1-nps-data"' in body
    assert "Show the data as a table" in body
    assert "NPS 0" in body  # 6 promoters, 6 detractors of 12
    assert "12 people answered" in body


def test_the_response_rate_card_names_its_chart_once(
    client, org, program_manager, anonymous_survey
):
    invite(anonymous_survey, ParticipantFactory(cohort__program=anonymous_survey.program),
           sent_at=timezone.now())  # fmt: skip
    login(client, program_manager)

    body = client.get(_url("results", org, anonymous_survey)).content.decode()

    assert 'data-chart="survey-rate-data"' in body
    assert body.count("Response rate over time") == 1
    assert "Invited and answered" in body


def test_hr_analysts_read_results_and_members_are_refused(
    client, org, hr_analyst, member, anonymous_survey
):
    login(client, hr_analyst)
    assert client.get(_url("results", org, anonymous_survey)).status_code == 200
    login(client, member)
    assert client.get(_url("results", org, anonymous_survey)).status_code == 403


def test_a_filter_through_htmx_answers_the_results_alone(
    client, org, program_manager, anonymous_survey
):
    login(client, program_manager)

    response = client.get(
        _url("results", org, anonymous_survey, country="GB"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="survey-results",
    )

    body = response.content.decode()
    assert "<html" not in body
    assert 'data-testid="survey-results"' in body
    assert "Responses in this group" in body


def test_a_filter_that_would_single_people_out_shows_why_and_no_figures(
    client, org, program_manager, anonymous_survey
):
    login(client, program_manager)

    # FR mentees: one person.
    response = client.get(_url("results", org, anonymous_survey, country="FR", role="mentee"))

    body = response.content.decode()
    assert "Results are hidden" in body
    assert "survey-q0" not in body


def test_csv_export_neutralises_formulas_and_matches_the_page(
    client, org, program_manager, anonymous_survey
):
    login(client, program_manager)

    response = client.get(_url("results_csv", org, anonymous_survey))

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    texts = sorted(r["label"] for r in rows if r["row"] == "text")
    assert texts[0] == "'" + FORMULA
    assert all(
        r["respondent"] == "" and r["submitted_on"] == "" for r in rows if r["row"] == "text"
    )
    nps = next(r for r in rows if r["row"] == "nps")
    assert (nps["question_key"], nps["value"]) == ("recommend", "0")
    confidence = {
        r["value"]: r["count"]
        for r in rows
        if r["question_key"] == "confidence" and r["row"] == "count"
    }
    assert confidence == {"1": "1", "2": "5", "3": "0", "4": "6", "5": "0"}


def test_exports_of_a_refused_group_carry_no_figures(
    client, org, program_manager, anonymous_survey
):
    login(client, program_manager)
    narrow = {"country": "FR", "role": "mentee"}

    csv_rows = list(
        csv.reader(
            io.StringIO(
                client.get(_url("results_csv", org, anonymous_survey, **narrow)).content.decode()
            )
        )
    )
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(_url("results_xlsx", org, anonymous_survey, **narrow)).content)
    )

    assert len(csv_rows) == 1  # the header alone
    assert workbook["Results"].max_row == 1
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True)}
    assert about["Responses in this group"] in (None, "")


def test_xlsx_export_neutralises_formulas_and_describes_the_view(
    client, org, program_manager, anonymous_survey
):
    login(client, program_manager)

    response = client.get(_url("results_xlsx", org, anonymous_survey, country="GB"))

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook["Results"]
    header = [cell.value for cell in sheet[1]]
    label = header.index("label")
    texts = [row[label] for row in sheet.iter_rows(min_row=2, values_only=True) if row[4] == "text"]
    assert "'" + FORMULA in texts
    assert not any(isinstance(t, str) and t.startswith("=") for t in texts)
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True)}
    assert about["Filters"] == "country=GB"
    assert about["Responses in this group"] == 6
    assert "Responses" not in workbook.sheetnames  # anonymous: nobody by name


@pytest.fixture
def named_survey(org, program):
    cohort = CohortFactory(program=program, name="Autumn")
    survey = make_survey(org, program, anonymous=False)
    ana = ParticipantFactory(cohort=cohort, full_name="Ana Souza", email="ana@acme.test")
    respond(survey, {"confidence": 5, "highlight": "+SUM(A1)"}, cohort=cohort, participant=ana)
    return survey


def test_a_named_survey_lists_each_persons_answers(client, org, program_manager, named_survey):
    login(client, program_manager)

    body = client.get(_url("responses", org, named_survey)).content.decode()

    assert "Ana Souza" in body
    assert "+SUM(A1)" in body


def test_named_responses_export_one_row_per_person_with_formulas_neutralised(
    client, org, program_manager, named_survey
):
    login(client, program_manager)

    rows = list(
        csv.DictReader(
            io.StringIO(client.get(_url("responses_csv", org, named_survey)).content.decode())
        )
    )
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(_url("results_xlsx", org, named_survey)).content)
    )

    assert [(r["respondent"], r["confidence"], r["highlight"]) for r in rows] == [
        ("Ana Souza", "5", "'+SUM(A1)")
    ]
    people = list(workbook["Responses"].iter_rows(values_only=True))
    assert people[1][0] == "Ana Souza"
    assert "'+SUM(A1)" in people[1]


def test_an_anonymous_survey_has_no_per_person_responses(
    client, org, program_manager, anonymous_survey
):
    login(client, program_manager)

    assert client.get(_url("responses", org, anonymous_survey)).status_code == 404
    assert client.get(_url("responses_csv", org, anonymous_survey)).status_code == 404


def test_the_results_page_takes_the_same_queries_for_few_or_many_responses(
    client, org, program, program_manager, django_assert_max_num_queries
):
    cohort = CohortFactory(program=program)
    survey = make_survey(org, program, anonymous=True)
    for n in range(40):
        respond(
            survey,
            {"confidence": 1 + n % 5, "recommend": n % 11, "skills": ["sql"], "highlight": "t"},
            cohort=cohort,
        )
    login(client, program_manager)
    client.get(_url("results", org, survey))
    with django_assert_max_num_queries(22):
        assert client.get(_url("results", org, survey, role="mentee")).status_code == 200


# ---------------------------------------------------------------------------------------------
# The organization's threshold
# ---------------------------------------------------------------------------------------------


def test_an_admin_sets_the_threshold_and_it_is_audited(client, org, org_admin):
    login(client, org_admin)

    response = client.post(_url("privacy_settings", org), {"survey_anonymity_threshold": 7})

    assert response.status_code == 302
    org.refresh_from_db()
    assert org.survey_anonymity_threshold == 7
    with scope(organization=org.pk):
        entry = AuditLogEntry.objects.get(action="surveys.anonymity_threshold_set")
    assert entry.data == {"before": 5, "after": 7}


def test_the_threshold_cannot_go_below_three(client, org, org_admin):
    login(client, org_admin)

    response = client.post(_url("privacy_settings", org), {"survey_anonymity_threshold": 2})

    assert response.status_code == 200
    org.refresh_from_db()
    assert org.survey_anonymity_threshold == 5


def test_only_owners_and_admins_change_the_threshold(client, org, program_manager):
    login(client, program_manager)
    assert (
        client.post(_url("privacy_settings", org), {"survey_anonymity_threshold": 3}).status_code
        == 403
    )
    org.refresh_from_db()
    assert org.survey_anonymity_threshold == 5


# ---------------------------------------------------------------------------------------------
# Feedback on the mentor's approach, for the mentor
# ---------------------------------------------------------------------------------------------


def _mentor(org, cohort, email):
    user = UserFactory(email=email)
    MembershipFactory(organization=org, role=Role.MEMBER, user=user)
    return user, ParticipantFactory(cohort=cohort, role="mentor", user=user, email=email)


@pytest.fixture
def feedback_setup(org, program, cohort):
    survey = make_survey(
        org,
        program,
        anonymous=True,
        kind="mentor_feedback",
        mentor_feedback_visible=True,
        per_mentorship=True,
    )
    user, mentor = _mentor(org, cohort, "kenji@acme.test")
    _other_user, other = _mentor(org, cohort, "other@acme.test")
    return survey, user, mentor, other


def _feedback(client, org, user):
    login(client, user)
    return client.get(_url("mentor_feedback", org)).content.decode()


def test_a_mentor_sees_nothing_from_fewer_than_three_mentees(client, org, cohort, feedback_setup):
    survey, user, mentor, _other = feedback_setup
    for _ in range(2):
        respond(survey, {"confidence": 5}, cohort=cohort, about_mentor=mentor)

    body = _feedback(client, org, user)

    assert 'data-testid="feedback-waiting"' in body
    assert "feedback-confidence" not in body


def test_a_mentor_sees_the_aggregate_of_three_mentees_and_never_their_words(
    client, org, cohort, feedback_setup
):
    survey, user, mentor, other = feedback_setup
    for score in (5, 4, 3):
        respond(
            survey,
            {"confidence": score, "highlight": "Kenji listens"},
            cohort=cohort,
            about_mentor=mentor,
        )
    for _ in range(3):
        respond(survey, {"confidence": 1}, cohort=cohort, about_mentor=other)

    body = _feedback(client, org, user)

    assert "From 3 mentees." in body
    assert "Average 4.0" in body  # the other mentor's ones are not mixed in
    assert "Kenji listens" not in body


def test_a_mentor_sees_nothing_unless_the_program_shares_it(client, org, cohort, feedback_setup):
    survey, user, mentor, _other = feedback_setup
    for _ in range(4):
        respond(survey, {"confidence": 5}, cohort=cohort, about_mentor=mentor)
    with scopes_disabled():
        survey.mentor_feedback_visible = False
        survey.save()

    body = _feedback(client, org, user)

    assert "No feedback to show yet" in body
    assert "feedback-confidence" not in body


def test_named_feedback_counts_distinct_mentees(client, org, program, cohort):
    survey = make_survey(
        org, program, anonymous=False, kind="mentor_feedback", mentor_feedback_visible=True
    )
    user, mentor = _mentor(org, cohort, "kenji@acme.test")
    ana, ben = ParticipantFactory(cohort=cohort), ParticipantFactory(cohort=cohort)
    with scopes_disabled():
        from mentorships.models import Mentorship

        first = Mentorship.objects.create(
            organization=org, cohort=cohort, mentor=mentor, started_on="2026-01-01"
        )
        second = Mentorship.objects.create(
            organization=org, cohort=cohort, mentor=mentor, started_on="2026-02-01"
        )
    # Ana answered about two mentorships with the same mentor: still two mentees in all.
    respond(
        survey,
        {"confidence": 5},
        cohort=cohort,
        participant=ana,
        mentorship=first,
        about_mentor=mentor,
    )
    respond(
        survey,
        {"confidence": 5},
        cohort=cohort,
        participant=ana,
        mentorship=second,
        about_mentor=mentor,
    )
    respond(
        survey,
        {"confidence": 5},
        cohort=cohort,
        participant=ben,
        mentorship=first,
        about_mentor=mentor,
    )

    body = _feedback(client, org, user)

    assert 'data-testid="feedback-waiting"' in body


def test_admins_reach_the_threshold_setting_from_anonymous_results(
    client, org, org_admin, program_manager, anonymous_survey
):
    setting = _url("privacy_settings", org)
    login(client, org_admin)
    assert setting in client.get(_url("results", org, anonymous_survey)).content.decode()
    login(client, program_manager)
    assert setting not in client.get(_url("results", org, anonymous_survey)).content.decode()


def test_a_participants_surveys_page_leads_to_the_mentor_feedback(client, org, member):
    login(client, member)

    body = client.get(_url("mine", org)).content.decode()

    assert _url("mentor_feedback", org) in body
