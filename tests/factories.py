import datetime as dt

import factory
from django.utils import timezone

from accounts.models import User
from organizations.models import Membership, Organization, Role
from participants.models import Participant, ParticipantRole
from participants.services import cohort_seats_recount
from programs.models import Cohort, CohortStatus, EnrollmentQuestion, Program, QuestionKind


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password("correct-horse-battery")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Program {n}")
    description = "Pairs people across the company."


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    name = factory.Sequence(lambda n: f"Cohort {n}")
    starts_on = factory.LazyFunction(lambda: (timezone.now() + dt.timedelta(days=30)).date())
    ends_on = factory.LazyFunction(lambda: (timezone.now() + dt.timedelta(days=200)).date())
    enrollment_opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    enrollment_closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))
    mentor_capacity = 50
    mentee_capacity = 50
    status = CohortStatus.ENROLLING


class EnrollmentQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnrollmentQuestion

    cohort = factory.SubFactory(CohortFactory)
    organization = factory.SelfAttribute("cohort.organization")
    label = "Preferred meeting format"
    kind = QuestionKind.SINGLE_CHOICE
    choices = ["Video call", "In person"]


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    cohort = factory.SubFactory(CohortFactory)
    organization = factory.SelfAttribute("cohort.organization")
    email = factory.Sequence(lambda n: f"participant{n}@example.com")
    full_name = factory.Faker("name")
    role = ParticipantRole.MENTEE
    skills_offered = ["negotiation"]
    skills_wanted = ["SQL", "public speaking"]
    goals = "Grow into a leadership role."
    languages = [{"code": "en", "proficiency": "fluent"}]
    time_zone = "Europe/London"
    working_hours_start = dt.time(9, 0)
    working_hours_end = dt.time(17, 0)
    country = "GB"
    function = "Engineering"
    seniority = 2

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        participant = super()._create(model_class, *args, **kwargs)
        # The participant services keep the cohort's stored seat counts; a participant made
        # here goes around them, so the cohort is counted again, as after any bulk load.
        cohort_seats_recount(organization=participant.organization, cohort=participant.cohort)
        return participant


def profile_data(**overrides) -> dict:
    """A valid enrollment payload as services receive it."""
    data = {
        "full_name": "Ana Silva",
        "role": ParticipantRole.MENTEE,
        "skills_offered": [],
        "skills_wanted": ["SQL"],
        "goals": "Learn to lead.",
        "languages": [
            {"code": "pt", "proficiency": "native"},
            {"code": "en", "proficiency": "fluent"},
        ],
        "time_zone": "America/Sao_Paulo",
        "working_hours_start": dt.time(9, 0),
        "working_hours_end": dt.time(18, 0),
        "country": "BR",
        "cultural_background": "Brazilian",
        "function": "Sales",
        "seniority": 2,
        "mentor_capacity": 1,
        "mentors_wanted": 1,
        "manager_email": "boss@example.com",
        "answers": {},
    }
    data.update(overrides)
    return data
