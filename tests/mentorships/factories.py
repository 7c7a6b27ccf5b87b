"""Mentorships and their engagement rows, made directly (not through the services): for sweeps
that need one row of each resource the API serves, and for worlds sized by a test."""

import datetime as dt

import factory
from django.utils import timezone

from mentorships.models import CheckIn, Goal, Mentorship, MentorshipMentee, Message
from tests.factories import CohortFactory, ParticipantFactory


class MentorshipFactory(factory.django.DjangoModelFactory):
    """`mentees=[...]` seats them; without it the mentorship has its mentor alone."""

    class Meta:
        model = Mentorship
        skip_postgeneration_save = True

    cohort = factory.SubFactory(CohortFactory)
    organization = factory.SelfAttribute("cohort.organization")
    mentor = factory.SubFactory(
        ParticipantFactory, cohort=factory.SelfAttribute("..cohort"), role="mentor"
    )
    started_on = factory.LazyFunction(timezone.localdate)

    @factory.post_generation
    def mentees(self, create, extracted, **kwargs):
        for mentee in extracted or []:
            MentorshipMentee.objects.create(
                organization_id=self.organization_id, mentorship=self, mentee=mentee
            )


class CheckInFactory(factory.django.DjangoModelFactory):
    """A check-in held yesterday, an hour long, organized by the mentor."""

    class Meta:
        model = CheckIn

    mentorship = factory.SubFactory(MentorshipFactory)
    organization = factory.SelfAttribute("mentorship.organization")
    organizer = factory.SelfAttribute("mentorship.mentor")
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda check_in: check_in.starts_at + dt.timedelta(hours=1))
    time_zone = "Europe/London"
    agenda = "Talk about the first month."
    ical_uid = factory.Sequence(lambda n: f"check-in-{n}@meridian.test")


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    mentorship = factory.SubFactory(MentorshipFactory)
    organization = factory.SelfAttribute("mentorship.organization")
    title = factory.Sequence(lambda n: f"Goal {n}")
    proposed_by = factory.SelfAttribute("mentorship.mentor")


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    mentorship = factory.SubFactory(MentorshipFactory)
    organization = factory.SelfAttribute("mentorship.organization")
    author = factory.SelfAttribute("mentorship.mentor")
    body = "Looking forward to it."


def engagement_api_rows(cohort, mentee) -> dict:
    """One row of each engagement resource of the API, by its route's basename: a mentorship
    of `mentee` in `cohort`, a check-in, a goal and a message of it."""
    mentorship = MentorshipFactory(cohort=cohort, mentees=[mentee])
    return {
        "mentorship": mentorship,
        "check-in": CheckInFactory(mentorship=mentorship),
        "goal": GoalFactory(mentorship=mentorship),
        "message": MessageFactory(mentorship=mentorship),
    }
