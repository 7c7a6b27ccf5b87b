"""A named survey's first submission sends `survey_response.received` to subscribed webhook
endpoints; saving a draft, changing the answers later and anonymous surveys send nothing."""

import pytest
from django_scopes import scopes_disabled

from surveys.services import response_save
from tests.surveys.factories import OpenSurveyFactory, invitation_with_token
from tests.surveys.test_answers import _match_check
from tests.webhooks.factories import endpoint_for
from webhooks.models import EventType, WebhookMessage

pytestmark = pytest.mark.django_db


def _events(org):
    with scopes_disabled():
        return list(
            WebhookMessage.objects.filter(
                organization=org, event_type=EventType.SURVEY_RESPONSE_RECEIVED
            ).values_list("payload", flat=True)
        )


def _save(org, invitation, token, submit, answer="yes"):
    return response_save(
        organization=org,
        invitation=invitation,
        token=token,
        answers={"good_match": answer, "why_not": "x", "rematch": "no"},
        submit=submit,
    )


@pytest.fixture
def subscribed(org):
    return endpoint_for(
        org, "http://127.0.0.1:9/hooks", events=(EventType.SURVEY_RESPONSE_RECEIVED,)
    )


def test_the_first_submission_of_a_named_survey_is_announced_once(org, subscribed):
    survey = OpenSurveyFactory(program__organization=org)
    _match_check(survey)
    invitation, token = invitation_with_token(survey)

    _save(org, invitation, token, submit=False)
    assert _events(org) == []
    response = _save(org, invitation, token, submit=True)
    _save(org, invitation, token, submit=True, answer="no")

    [payload] = _events(org)
    assert payload["survey_id"] == survey.pk
    assert payload["response_id"] == str(response.pk)
    assert payload["participant_id"] == invitation.participant_id


def test_an_anonymous_survey_announces_nothing(org, subscribed):
    survey = OpenSurveyFactory(program__organization=org, anonymous=True)
    _match_check(survey)
    invitation, token = invitation_with_token(survey)

    _save(org, invitation, token, submit=True)

    assert _events(org) == []
