"""The answer link: from a token to the invitation it opens, whether it still works, the response
it reaches, and what saving through it records on the invitation.

A token is a global secret (like an organization invitation's): it is looked up by its sha256
before any organization is known, then everything else runs inside that organization. Two hashes
may open one invitation, the first email's and the reminder's; the first save through one of
them retires the other (`surveys.services.response_save`), because an anonymous response is
found by a key derived from the token that saved it (docs/surveys.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from core.texts import in_language
from mentorships.models import MentorshipMentee
from mentorships.selectors.mentorships import mentorship_people_list
from mentorships.services.concerns import mentorship_flag_match_concern
from organizations.models import Organization
from surveys.forms import SectionView, respondent_sections
from surveys.models import (
    Survey,
    SurveyInvitation,
    SurveyKind,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
)
from surveys.selectors import survey_structure
from surveys.services import (
    AnswersInvalid,
    respondent_key,
    response_save,
    token_hash,
)


class LinkState(StrEnum):
    LIVE = "live"
    # The survey closed or its closing time passed: the link no longer opens anything.
    CLOSED = "closed"
    # The survey is not open (still a draft, or paused back to draft).
    NOT_OPEN = "not_open"


@dataclass(frozen=True)
class Link:
    invitation: SurveyInvitation
    # True when the token is the reminder's, False when it is the first email's.
    is_reminder: bool
    state: LinkState

    @property
    def organization(self) -> Organization:
        return self.invitation.organization


def link_open(*, token: str, now: dt.datetime | None = None) -> Link | None:
    """The invitation a token opens, or None for a token nobody was sent (or one retired by a
    save through the other link). Tokens are global: the look-up is by hash, across
    organizations, and returns the organization for everything after it."""
    if not token or len(token) > 100:
        return None
    hashed = token_hash(token)
    invitation = (
        SurveyInvitation.objects.with_scopes_disabled()
        .select_related("organization", "survey__program", "participant", "mentorship")
        .filter(Q(token_hash=hashed) | Q(reminder_token_hash=hashed))
        .first()
    )
    if invitation is None:
        return None
    return Link(
        invitation=invitation,
        is_reminder=invitation.reminder_token_hash == hashed,
        state=_state(invitation, now or timezone.now()),
    )


def _state(invitation: SurveyInvitation, now: dt.datetime) -> LinkState:
    survey = invitation.survey
    closes_at = invitation.expires_at or survey.closes_at
    if survey.status == SurveyStatus.CLOSED or (closes_at is not None and closes_at <= now):
        return LinkState.CLOSED
    if survey.status != SurveyStatus.OPEN:
        return LinkState.NOT_OPEN
    return LinkState.LIVE


def link_response(*, link: Link, token: str | None) -> SurveyResponse | None:
    """The response this link saved before, if any: by person (and mentorship) for a named
    survey, by the token-derived key for an anonymous one (none without a token: the app's way
    in, `member_link`, reaches named surveys only)."""
    invitation = link.invitation
    responses = SurveyResponse.objects.for_org(link.organization).filter(
        survey_id=invitation.survey_id
    )
    if invitation.survey.anonymous:
        if token is None:
            return None
        return responses.filter(respondent_key=respondent_key(token)).first()
    return responses.filter(
        participant_id=invitation.participant_id, mentorship=invitation.mentorship
    ).first()


# --- The signed-in way in: the person's open surveys in the app ---------------------------------


@dataclass(frozen=True)
class OpenSurvey:
    """One invitation on the person's list, with what the list says about it."""

    invitation: SurveyInvitation
    name: str
    # For a per-mentorship survey, whom it asks about (the other side's names).
    about: str
    # "new", "started" or "answered"
    progress: str
    # An anonymous survey is answered through the emailed link only: its response is found by
    # that link's token, which the app never holds, and never by the person.
    only_by_email: bool


def open_survey_list(
    *, organization: Organization, user: User, now: dt.datetime | None = None
) -> list[OpenSurvey]:
    """The person's invitations to surveys still open in this organization, soonest closing
    first: one query, and one more when they are asked about mentorships they mentor."""
    now = now or timezone.now()
    invitations = list(
        SurveyInvitation.objects.for_org(organization)
        .filter(
            participant__user=user,
            sent_at__isnull=False,
            survey__status=SurveyStatus.OPEN,
            survey__closes_at__gt=now,
        )
        .select_related("survey__program", "mentorship__mentor")
        .order_by("survey__closes_at", "pk")
    )
    mentees: dict[int, list[str]] = {}
    asked_as_mentor = {
        i.mentorship.pk
        for i in invitations
        if i.mentorship is not None and i.participant_id == i.mentorship.mentor_id
    }
    if asked_as_mentor:
        for mentorship_id, name in (
            MentorshipMentee.objects.for_org(organization)
            .filter(mentorship_id__in=asked_as_mentor)
            .order_by("mentee__full_name", "pk")
            .values_list("mentorship_id", "mentee__full_name")
        ):
            mentees.setdefault(mentorship_id, []).append(name)
    found = []
    for invitation in invitations:
        about = ""
        if invitation.mentorship is not None:
            if invitation.participant_id == invitation.mentorship.mentor_id:
                about = ", ".join(mentees.get(invitation.mentorship.pk, []))
            else:
                about = invitation.mentorship.mentor.full_name
        progress = (
            "answered"
            if invitation.answered_at
            else ("started" if invitation.started_at else "new")
        )
        found.append(
            OpenSurvey(
                invitation=invitation,
                name=in_language(invitation.survey.name),
                about=about,
                progress=progress,
                only_by_email=invitation.survey.anonymous,
            )
        )
    return found


def member_link(
    *, organization: Organization, invitation_id: int, user: User, now: dt.datetime | None = None
) -> Link:
    """The signed-in person's own invitation as a link without a token, to answer in the app
    through their session: a named survey's response is the person's (by participant and
    mentorship), so the app and the emailed link reach the same one, and the emailed link keeps
    working as its email promised. An anonymous survey is refused: its response is keyed by the
    emailed token, and reaching it by the person would tie it to them."""
    invitation = (
        SurveyInvitation.objects.for_org(organization)
        .select_related("organization", "survey__program", "participant", "mentorship")
        .filter(pk=invitation_id, participant__user=user, sent_at__isnull=False)
        .first()
    )
    if invitation is None:
        raise DomainError(_("No such survey."), code="not_found")
    if invitation.survey.anonymous:
        raise DomainError(
            _(
                "Your answers are anonymous, so they are tied to the link in your email, not to "
                "your account: open that link to answer."
            ),
            code="conflict",
        )
    return Link(
        invitation=invitation, is_reminder=False, state=_state(invitation, now or timezone.now())
    )


# --- The answer page ----------------------------------------------------------------------------


def survey_name(link: Link) -> str:
    return in_language(link.invitation.survey.name)


@dataclass
class AnswerPage:
    """What the answer page shows: the survey in the respondent's language (the active one),
    its sections and questions (surveys.forms.respondent_sections, drawn by the respondent's
    partials), the answers so far and, after a refused submit, what to fix."""

    link: Link
    name: str
    intro: str
    about: str
    questions: list[SurveyQuestion]
    sections: list[SectionView]
    errors: dict[str, str]
    submitted: bool

    @property
    def survey(self) -> Survey:
        return self.link.invitation.survey


def answer_page(
    *,
    link: Link,
    token: str | None,
    answers: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> AnswerPage:
    """The page for a live link: the saved draft, or `answers` and `errors` after a refused
    submit."""
    invitation = link.invitation
    survey = invitation.survey
    response = link_response(link=link, token=token)
    structure = survey_structure(organization=link.organization, survey=survey)
    if answers is None:
        answers = response.draft if response else {}
    return AnswerPage(
        link=link,
        name=in_language(survey.name),
        intro=in_language(survey.intro),
        about=_about(link),
        questions=[question for entry in structure for question in entry.questions],
        sections=respondent_sections(structure, answers, errors),
        errors=dict(errors or {}),
        submitted=bool(response and response.submitted_at),
    )


def _about(link: Link) -> str:
    """For a per-mentorship survey, whom it asks about: the other side's names."""
    invitation = link.invitation
    if invitation.mentorship_id is None:
        return ""
    people = mentorship_people_list(organization=link.organization, ids=[invitation.mentorship_id])
    if not people:
        return ""
    row = people[0]
    if row["mentor"]["id"] == invitation.participant_id:
        return ", ".join(mentee["full_name"] for mentee in row["mentees"])
    return str(row["mentor"]["full_name"])


@dataclass(frozen=True)
class AnswerOutcome:
    answers: dict[str, Any]
    errors: dict[str, str] | None
    submitted: bool
    flagged: bool = False


# The match check's question and answer that put the mentorship on the at-risk list.
MATCH_QUESTION, NOT_A_MATCH = "good_match", "no"
NEW_MATCH_QUESTION, CONCERNS_QUESTION = "request_new_match", "match_concerns"


def link_answer(
    *,
    link: Link,
    token: str | None,
    answers: Mapping[str, Any],
    submit: bool,
    language: str = "",
    now: dt.datetime | None = None,
) -> AnswerOutcome:
    """Save (or submit) the answers through the link (`token` None: the person in the app, see
    `member_link`). On submitting a named match check that
    says "not a good match", the mentorship is flagged for the program team (at-risk list,
    re-match suggested)."""
    organization = link.organization
    try:
        with transaction.atomic():
            response = response_save(
                organization=organization,
                invitation=link.invitation,
                token=token,
                answers=answers,
                submit=submit,
                language=language,
                now=now,
            )
            flagged = submit and _act_on_match_check(link, response.draft)
    except AnswersInvalid as refused:
        return AnswerOutcome(answers=dict(answers), errors=refused.errors, submitted=False)
    return AnswerOutcome(answers=response.draft, errors=None, submitted=submit, flagged=flagged)


def _act_on_match_check(link: Link, answers: Mapping[str, Any]) -> bool:
    invitation = link.invitation
    survey = invitation.survey
    if (
        survey.kind != SurveyKind.MATCH_CHECK
        # An anonymous survey must not single out the pair whose member answered.
        or survey.anonymous
        or invitation.mentorship is None
        or answers.get(MATCH_QUESTION) != NOT_A_MATCH
    ):
        return False
    with translation.override(settings.LANGUAGE_CODE):
        source = in_language(survey.name) or str(SurveyKind.MATCH_CHECK.label)
        parts = [_("Not a good match.")]
        if answers.get(NEW_MATCH_QUESTION) == "yes":
            parts.append(_("A new match was requested."))
        concerns = str(answers.get(CONCERNS_QUESTION) or "").strip()
        if concerns:
            parts.append(concerns)
    return mentorship_flag_match_concern(
        organization=link.organization,
        mentorship=invitation.mentorship,
        source=source,
        note=" ".join(parts),
    )
