"""A small program for the dispatch, token and answer-page tests: a cohort that started a month
ago, mentors and mentees with accounts, their mentorships, and an open survey to send."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core import mail
from django.utils import timezone
from django_scopes import scope

from mentorships.models import Mentorship, MentorshipMentee
from participants.models import Participant
from programs.models import Cohort, Program
from surveys.dispatch import DispatchResult, surveys_dispatch
from surveys.models import Survey, SurveyQuestion, SurveySchedule, SurveySection
from tests.factories import CohortFactory, ParticipantFactory, ProgramFactory, UserFactory

LINK = re.compile(r"https?://[^\s]+/s/([A-Za-z0-9_\-]+)/")


@dataclass
class ProgramWorld:
    program: Program
    cohort: Cohort
    mentors: list[Participant] = field(default_factory=list)
    mentees: list[Participant] = field(default_factory=list)
    mentorships: list[Mentorship] = field(default_factory=list)


def make_program(org, *, pairs: int = 2, started_days_ago: int = 30, tag: str = "") -> ProgramWorld:
    """`pairs` mentorships, each one mentor and one mentee with an account; the mentees speak
    Spanish in the app, the mentors English."""
    today = timezone.now().date()
    program = ProgramFactory(organization=org, name=f"Bridges{tag}")
    cohort = CohortFactory(
        program=program,
        starts_on=today - dt.timedelta(days=started_days_ago),
        ends_on=today + dt.timedelta(days=60),
    )
    made = ProgramWorld(program=program, cohort=cohort)
    for index in range(pairs):
        mentor = ParticipantFactory(
            cohort=cohort, role="mentor", email=f"mentor{index}{tag}@{org.slug}.test",
            user=UserFactory(email=f"mentor{index}{tag}@{org.slug}.test", language="en"),
            time_zone="Asia/Tokyo",
        )  # fmt: skip
        mentee = ParticipantFactory(
            cohort=cohort, role="mentee", email=f"mentee{index}{tag}@{org.slug}.test",
            user=UserFactory(email=f"mentee{index}{tag}@{org.slug}.test", language="es"),
            time_zone="America/Sao_Paulo",
        )  # fmt: skip
        mentorship = Mentorship.objects.create(
            organization=org, cohort=cohort, mentor=mentor, started_on=today
        )
        MentorshipMentee.objects.create(organization=org, mentorship=mentorship, mentee=mentee)
        made.mentors.append(mentor)
        made.mentees.append(mentee)
        made.mentorships.append(mentorship)
    return made


def make_survey(
    org,
    program: Program,
    *,
    trigger: str = "after_cohort_start",
    audience: str = "both",
    days: int | None = 0,
    check_in_number: int | None = None,
    send_at: dt.datetime | None = None,
    cohort: Cohort | None = None,
    per_mentorship: bool = False,
    anonymous: bool = False,
    kind: str = "custom",
    closes_in: dt.timedelta = dt.timedelta(days=14),
    reminder_after_days: int | None = 3,
) -> Survey:
    """An open survey with one required 1-to-5 question, one optional text question shown only
    when the rating is low, and one schedule."""
    survey = Survey.objects.create(
        organization=org,
        program=program,
        name={"en": "How is it going?", "es": "¿Cómo va?"},
        kind=kind,
        anonymous=anonymous,
        per_mentorship=per_mentorship,
        status="open",
        closes_at=timezone.now() + closes_in,
        reminder_after_days=reminder_after_days,
        opened_at=timezone.now(),
    )
    section = SurveySection.objects.create(
        organization=org, survey=survey, title={"en": "Your view", "es": "Tu opinión"}
    )
    SurveyQuestion.objects.create(
        organization=org, survey=survey, section=section, position=0, key="rating",
        type="scale_1_5", required=True,
        text={"en": "How useful are the meetings?", "es": "¿Qué tan útiles son las reuniones?"},
        low_label={"en": "Not at all", "es": "Nada"},
        high_label={"en": "Very", "es": "Mucho"},
    )  # fmt: skip
    SurveyQuestion.objects.create(
        organization=org, survey=survey, section=section, position=1, key="why",
        type="long_text", text={"en": "What would help?", "es": "¿Qué ayudaría?"},
        show_if={"question": "rating", "values": ["1", "2"]},
    )  # fmt: skip
    SurveySchedule.objects.create(
        organization=org,
        survey=survey,
        trigger=trigger,
        days=days if trigger != "after_check_in" and trigger != "on_date" else None,
        check_in_number=check_in_number,
        send_at=send_at,
        audience=audience,
        cohort=cohort,
    )
    return survey


def dispatch(org, now: dt.datetime | None = None) -> DispatchResult:
    with scope(organization=org.pk):
        return surveys_dispatch(organization=org, now=now)


def emails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def link_token(message) -> str:
    """The token of the (one) answer link in an email."""
    found = LINK.findall(message.body)
    assert len(found) == 1, message.body
    return found[0]
