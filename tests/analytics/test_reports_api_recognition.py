"""The recognition page's figures in the reports API (`/api/v1/reports/mentors/`), for
performance reviews: the same hours, check-ins held, ratings, mentees and thank-yous, under
stable columns, in JSON and in a CSV that pandas reads with the right types."""

import datetime as dt
import io

import pandas as pd
import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.recognition import thank_you_send
from tests.analytics.test_recognition import _meeting, _rate
from tests.analytics.test_reports_api import key_client
from tests.conftest import login
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory
from tests.mentorships.factories import MentorshipFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/mentors/"
COLUMNS = [
    "mentor",
    "full_name",
    "email",
    "cohort",
    "cohort_name",
    "program",
    "program_name",
    "hours_mentored",
    "check_ins_held",
    "ratings",
    "average_rating",
    "mentees",
    "thank_yous",
]


@pytest.fixture
def mentors(org, cohort, org_admin):
    """Ada: three held check-ins (60 + 90 + 30 minutes) with two mentees who rate 5, 4 and 3
    (her own 1 left out), one cancelled, one that did not happen, one to come, two thank-yous.
    Bo: one mentee, nothing held. Cy mentors in another program: one held check-in of 45
    minutes, 20 days ago."""
    ada = ParticipantFactory(cohort=cohort, role="mentor", full_name="Ada")
    bo = ParticipantFactory(cohort=cohort, role="mentor", full_name="Bo")
    mentee_1, mentee_2, mentee_3 = (ParticipantFactory(cohort=cohort) for _ in range(3))
    first = MentorshipFactory(cohort=cohort, mentor=ada, mentees=[mentee_1])
    second = MentorshipFactory(cohort=cohort, mentor=ada, mentees=[mentee_2])
    MentorshipFactory(cohort=cohort, mentor=bo, mentees=[mentee_3])
    a = _meeting(first, days_ago=10, minutes=60)
    b = _meeting(first, days_ago=5, minutes=90)
    c = _meeting(second, days_ago=3, minutes=30)
    _meeting(second, days_ago=2, minutes=45, status="cancelled")
    _rate(_meeting(second, days_ago=1, minutes=60), mentee_2, None, happened=False)
    _meeting(first, days_ago=-2, minutes=60)
    _rate(a, mentee_1, 5)
    _rate(b, mentee_1, 4)
    _rate(c, mentee_2, 3)
    _rate(c, ada, 1)
    for message in ("Thank you!", "You made a difference."):
        thank_you_send(organization=org, mentor=ada, from_user=org_admin, message=message)
    elsewhere = CohortFactory(program=ProgramFactory(organization=org, name="Compass"))
    cy = ParticipantFactory(cohort=elsewhere, role="mentor", full_name="Cy")
    _meeting(
        MentorshipFactory(
            cohort=elsewhere, mentor=cy, mentees=[ParticipantFactory(cohort=elsewhere)]
        ),
        days_ago=20,
        minutes=45,
    )
    return {"ada": ada, "bo": bo, "cy": cy}


def _page_rows(client, org_admin, org):
    """The recognition page's rows, as the program team sees them."""
    response = login(client, org_admin).get(reverse("analytics:recognition", args=[org.slug]))
    assert response.status_code == 200
    return response.context["rows"]


def _csv(response) -> pd.DataFrame:
    assert response.status_code == 200, response.content
    return pd.read_csv(io.StringIO(response.content.decode()))


def test_pandas_reads_the_recognition_figures_the_page_shows(
    api_client, client, org, org_admin, mentors
):
    table = _csv(key_client(api_client, org).get(URL, {"format": "csv"}))

    assert list(table.columns) == COLUMNS
    assert table["hours_mentored"].dtype == "float64"
    assert table["average_rating"].dtype == "float64"  # Bo has none: an empty cell, NaN
    for column in ("mentor", "cohort", "program", "check_ins_held", "ratings", "thank_yous"):
        assert table[column].dtype == "int64", column
    shown = {row.mentor_id: row for row in _page_rows(client, org_admin, org)}
    assert sorted(table["mentor"]) == sorted(shown)
    for record in table.to_dict("records"):
        row = shown[record["mentor"]]
        assert record["hours_mentored"] == row.hours_mentored
        assert record["check_ins_held"] == row.check_ins_held
        assert record["ratings"] == row.ratings
        assert (
            pd.isna(record["average_rating"])
            if row.average_rating is None
            else record["average_rating"] == row.average_rating
        )
        assert record["mentees"] == row.mentees
        assert record["thank_yous"] == row.thank_yous
        assert (record["full_name"], record["cohort_name"], record["program_name"]) == (
            row.full_name,
            row.cohort,
            row.program,
        )


def test_the_figures_are_the_hand_counted_ones_in_json(api_client, org, mentors):
    rows = key_client(api_client, org).get(URL).json()["results"]

    # Newest first, as the other list reports page.
    assert [row["full_name"] for row in rows] == ["Cy", "Bo", "Ada"]
    ada = rows[2]
    assert (ada["hours_mentored"], ada["check_ins_held"], ada["ratings"]) == (3.0, 3, 3)
    assert (ada["average_rating"], ada["mentees"], ada["thank_yous"]) == (4.0, 2, 2)
    bo = rows[1]
    assert (bo["hours_mentored"], bo["check_ins_held"], bo["average_rating"]) == (0.0, 0, None)
    assert rows[0]["hours_mentored"] == 0.75


def test_a_program_and_a_period_narrow_the_figures(api_client, org, cohort, mentors):
    client = key_client(api_client, org)
    since = (timezone.localdate() - dt.timedelta(days=6)).isoformat()

    in_program = client.get(URL, {"program": cohort.program_id}).json()["results"]
    last_week = client.get(URL, {"start": since}).json()["results"]

    assert [row["full_name"] for row in in_program] == ["Bo", "Ada"]
    by_name = {row["full_name"]: row for row in last_week}
    # Ada's check-ins of 5 and 3 days ago (90 + 30 minutes); Cy's was 20 days ago.
    assert (by_name["Ada"]["check_ins_held"], by_name["Ada"]["hours_mentored"]) == (2, 2.0)
    assert by_name["Cy"]["check_ins_held"] == 0


def test_pages_carry_each_mentors_own_figures(api_client, org, mentors):
    client = key_client(api_client, org)

    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert [row["full_name"] for row in first["results"]] == ["Cy", "Bo"]
    [ada] = second["results"]
    assert (ada["full_name"], ada["hours_mentored"], ada["thank_yous"]) == ("Ada", 3.0, 2)


def test_another_organizations_mentors_never_appear(api_client, org, other_org, mentors):
    theirs = CohortFactory(program=ProgramFactory(organization=other_org))
    stranger = ParticipantFactory(cohort=theirs, role="mentor", full_name="Stranger")
    MentorshipFactory(cohort=theirs, mentor=stranger, mentees=[ParticipantFactory(cohort=theirs)])

    ours = key_client(api_client, org).get(URL, {"page_size": 200}).json()["results"]
    foreign = key_client(api_client, org).get(URL, {"program": theirs.program_id}).json()

    assert stranger.pk not in {row["mentor"] for row in ours}
    assert foreign["results"] == []
