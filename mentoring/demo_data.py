"""Deterministic demo data: a realistic organization, and at scale a benchmark population."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import User
from core.memory import gc_paused
from mentorships.models import Mentorship
from mentorships.services import mentorship_create_from_match
from mentorships.services.availability import Window, availability_replace
from mentorships.services.path import path_copy_starter
from mentorships.starter_paths import starter_for
from organizations.models import (
    APIKeyScope,
    AuditLogEntry,
    Invitation,
    Membership,
    Organization,
    OrganizationAPIKey,
    Role,
)
from participants.models import Participant, ParticipantRole
from participants.services import cohort_seats_recount
from programs.models import (
    Cohort,
    CohortStatus,
    EnrollmentQuestion,
    Program,
    ProgramGoal,
    ProgramType,
    QuestionKind,
)

DEMO_SLUG = "demo"
DEMO_PASSWORD = "meridian-demo"  # noqa: S105 — printed to the person running the demo
DEMO_USERS = (
    ("owner@demo.meridian.test", "Olivia Owner", Role.OWNER, "America/New_York"),
    ("admin@demo.meridian.test", "Adrián Admin", Role.ADMIN, "Europe/Madrid"),
    ("manager@demo.meridian.test", "Priya Program-Manager", Role.PROGRAM_MANAGER, "Asia/Kolkata"),
    ("analyst@demo.meridian.test", "Hiro HR-Analyst", Role.HR_ANALYST, "Asia/Tokyo"),
    ("member@demo.meridian.test", "Mateus Member", Role.MEMBER, "America/Sao_Paulo"),
)

# (country, time zone, languages, cultural background)
PLACES = (
    ("US", "America/New_York", ["en"], "North American"),
    ("US", "America/Los_Angeles", ["en", "es"], "North American"),
    ("BR", "America/Sao_Paulo", ["pt", "en"], "Brazilian"),
    ("MX", "America/Mexico_City", ["es", "en"], "Mexican"),
    ("GB", "Europe/London", ["en"], "British"),
    ("ES", "Europe/Madrid", ["es", "en", "ca"], "Spanish"),
    ("FR", "Europe/Paris", ["fr", "en"], "French"),
    ("DE", "Europe/Berlin", ["de", "en"], "German"),
    ("NG", "Africa/Lagos", ["en", "yo"], "Nigerian"),
    ("KE", "Africa/Nairobi", ["en", "sw"], "Kenyan"),
    ("IN", "Asia/Kolkata", ["hi", "en"], "Indian"),
    ("JP", "Asia/Tokyo", ["ja", "en"], "Japanese"),
    ("CN", "Asia/Shanghai", ["zh", "en"], "Chinese"),
    ("SG", "Asia/Singapore", ["en", "ms", "zh"], "Singaporean"),
    ("AU", "Australia/Sydney", ["en"], "Australian"),
    ("AE", "Asia/Dubai", ["ar", "en"], "Emirati"),
)
FUNCTIONS = (
    "Engineering",
    "Sales",
    "Marketing",
    "Finance",
    "People",
    "Operations",
    "Product",
    "Legal",
)
SKILLS = (
    "negotiation",
    "SQL",
    "public speaking",
    "people management",
    "product strategy",
    "financial modelling",
    "python",
    "stakeholder management",
    "design thinking",
    "coaching",
    "data visualisation",
    "hiring",
    "budgeting",
    "cloud architecture",
    "storytelling",
    "conflict resolution",
    "cross-cultural communication",
    "OKRs",
    "pricing",
    "UX research",
)
GOAL_TEMPLATES = (
    "I want to grow into a {role} role and get better at {a} and {b}.",
    "Looking for guidance on {a}; I struggle with {b} in meetings across time zones.",
    "Build confidence in {a} and learn how senior people approach {b}.",
    "Prepare for leading a team: {a}, {b}, and giving feedback.",
)
EXPERTISE_TEMPLATES = (
    "Years of hands-on {a} and {b}; happy to share what worked and what did not.",
    "I have led teams through {a} and coached many people on {b}.",
)
FIRST_NAMES = (
    "Ana",
    "Ben",
    "Chidi",
    "Dana",
    "Emeka",
    "Fatima",
    "Giulia",
    "Hana",
    "Ivan",
    "Jun",
    "Kofi",
    "Lena",
    "Mei",
    "Nuno",
    "Omar",
    "Paula",
    "Quinn",
    "Rahul",
    "Sofia",
    "Tomás",
    "Uma",
    "Vikram",
    "Wei",
    "Ximena",
    "Yuki",
    "Zara",
)
LAST_NAMES = (
    "Silva",
    "Smith",
    "Okafor",
    "García",
    "Müller",
    "Tanaka",
    "Chen",
    "Patel",
    "Dubois",
    "Kim",
    "Mwangi",
    "Rossi",
    "Haddad",
    "Nguyen",
    "López",
    "Brown",
    "Sato",
    "Singh",
)


@dataclass(frozen=True)
class DemoResult:
    organization: Organization
    created: bool
    participants: int
    api_key: str | None


def _ascii(name: str) -> str:
    """'Tomás' → 'tomas', for email local parts."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def _languages(rng: random.Random, base: list[str]) -> list[dict[str, str]]:
    languages = [{"code": base[0], "proficiency": "native"}]
    for code in base[1:]:
        languages.append({"code": code, "proficiency": rng.choice(["fluent", "conversational"])})
    if rng.random() < 0.2:
        extra = rng.choice(["fr", "de", "it", "pt", "es", "ja"])
        if extra not in {entry["code"] for entry in languages}:
            languages.append({"code": extra, "proficiency": "basic"})
    return languages


def _participant(
    rng: random.Random, organization: Organization, cohort: Cohort, index: int, role: str
) -> Participant:
    country, zone, languages, culture = rng.choice(PLACES)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    skills = rng.sample(SKILLS, 5)
    start_hour = rng.choice([7, 8, 8, 9, 9, 9, 10, 11])
    seniority = rng.randint(3, 5) if role == ParticipantRole.MENTOR else rng.randint(1, 4)
    template = rng.choice(EXPERTISE_TEMPLATES if role == ParticipantRole.MENTOR else GOAL_TEMPLATES)
    return Participant(
        organization=organization,
        cohort=cohort,
        email=f"{_ascii(first)}.{_ascii(last)}.{index}@people.demo.meridian.test",
        full_name=f"{first} {last}",
        role=role,
        skills_offered=skills[:3] if role != ParticipantRole.MENTEE else [],
        skills_wanted=skills[2:] if role != ParticipantRole.MENTOR else [],
        goals=template.format(role="leadership", a=skills[2], b=skills[3]),
        languages=_languages(rng, languages),
        time_zone=zone,
        working_hours_start=dt.time(start_hour, 0),
        working_hours_end=dt.time(start_hour + 8, rng.choice([0, 30])),
        country=country,
        cultural_background=culture,
        function=rng.choice(FUNCTIONS),
        seniority=seniority,
        mentor_capacity=rng.choice([1, 2, 2, 3, 3]) if role != ParticipantRole.MENTEE else 1,
        mentors_wanted=1,
        manager_email=f"manager{rng.randint(1, 40)}@people.demo.meridian.test",
    )


PROGRAMS = (
    (
        "Bridges: cross-cultural mentoring",
        ProgramType.ONE_TO_ONE,
        ProgramGoal.CROSS_CULTURAL,
        "Pairs colleagues from different countries to build global perspective.",
        "Everyone",
        "2 hours a month",
    ),
    (
        "Crossroads: learn another function",
        ProgramType.ONE_TO_ONE,
        ProgramGoal.CROSS_FUNCTIONAL,
        "Spend a quarter learning how another team works.",
        "Everyone with 6+ months tenure",
        "1 hour every two weeks",
    ),
    (
        "Reverse mentoring: digital fluency",
        ProgramType.REVERSE,
        ProgramGoal.LEADERSHIP,
        "Early-career colleagues mentor executives on tools and culture.",
        "Executives and early-career staff",
        "1 hour a month",
    ),
    (
        "Lead circles",
        ProgramType.GROUP,
        ProgramGoal.LEADERSHIP,
        "A senior leader with a small group of new managers.",
        "New people managers",
        "90 minutes a month",
    ),
    (
        "Personal advisory board",
        ProgramType.ADVISORY_BOARD,
        ProgramGoal.CUSTOM,
        "Three mentors, three perspectives: skill, career and culture.",
        "Senior individual contributors",
        "3 hours a month",
    ),
    (
        "Flash mentoring week",
        ProgramType.FLASH,
        ProgramGoal.ONBOARDING,
        "One-off conversations for new joiners.",
        "Joined in the last 90 days",
        "One 30-minute call",
    ),
)


BOARD_ROLES = ("skill", "career", "culture")


def _demo_logins_take_part(
    rng: random.Random,
    organization: Organization,
    cohorts: list[Cohort],
    users: dict[str, User],
    answers: dict[int, dict],
) -> int:
    """The member demo login is a mentee and the program manager a mentor in each cohort
    given: one where mentees choose their mentors, one where participants rank each other."""
    made = 0
    for cohort in cohorts:
        for role, participant_role in (
            (Role.MEMBER, ParticipantRole.MENTEE),
            (Role.PROGRAM_MANAGER, ParticipantRole.MENTOR),
        ):
            user = users[role]
            participant = _participant(rng, organization, cohort, 900_000 + made, participant_role)
            participant.user, participant.email, participant.full_name = (
                user,
                user.email,
                user.full_name,
            )
            participant.languages = [{"code": "en", "proficiency": "fluent"}]
            # One zone per person, the account's (docs/i18n.md), and the country that goes
            # with it (a Kolkata login living in France confused the demo's pages).
            participant.time_zone = user.time_zone or participant.time_zone
            for country, zone, _languages, background in PLACES:
                if zone == participant.time_zone:
                    participant.country, participant.cultural_background = country, background
                    break
            participant.answers = answers.get(cohort.pk, {})
            participant.save()
            made += 1
    return made


def _demo_pair_matched(
    organization: Organization, cohort: Cohort, users: dict[str, User]
) -> Mentorship:
    """The member chose the program manager as their mentor in `cohort` (mentees choose there)
    and the pair started a week ago, with the program's starter learning path: both demo
    logins find their mentorship on their home at once, to book a first check-in, set goals
    and write to each other."""
    people = Participant.objects.for_org(organization).filter(cohort=cohort)
    mentor = people.get(user=users[Role.PROGRAM_MANAGER])
    mentee = people.get(user=users[Role.MEMBER])
    week_ago = timezone.localdate() - dt.timedelta(days=7)
    cohort.starts_on, cohort.status = week_ago, CohortStatus.ACTIVE
    cohort.save(update_fields=["starts_on", "status"])
    mentorship = mentorship_create_from_match(
        organization=organization, cohort=cohort, mentor=mentor, mentees=[mentee]
    )
    # Kolkata's and São Paulo's working days never meet; like many mentors across zones, the
    # program manager offers early evenings (09:00-12:30 in São Paulo), so the pair's booking
    # page has times to offer.
    evening = [Window(day, dt.time(17, 30), dt.time(21, 0)) for day in range(4)]
    availability_replace(
        organization=organization,
        participant=mentor,
        actor=users[Role.PROGRAM_MANAGER],
        windows=evening,
    )
    program = cohort.program
    starter = starter_for(program.goal, program.program_type)
    if starter is not None:
        path_copy_starter(organization=organization, program=program, starter=starter.key)
    return mentorship


def _reset(organization: Organization) -> None:
    """Delete the demo organization with everything people did in it (rounds, mentorships,
    rankings …). Rows go leaves first, since matches protect the participants they name."""
    from matching.models import (
        MatchProposal,
        MatchRound,
        MentorRequest,
        PairRule,
        StatedPreference,
        UnmatchedMentee,
    )
    from mentorships.models import Mentorship, MentorshipMentee
    from notifications.models import Notification, SentEmail

    with scopes_disabled():
        for model in (
            MatchProposal,
            UnmatchedMentee,
            MatchRound,
            PairRule,
            MentorRequest,
            StatedPreference,
            MentorshipMentee,
            Mentorship,
            Notification,
            SentEmail,
            Participant,
            EnrollmentQuestion,
            Cohort,
            Program,
            Invitation,
            AuditLogEntry,
            Membership,
        ):
            model.objects.filter(organization=organization).delete()
        OrganizationAPIKey.objects.filter(organization=organization).delete()
    organization.delete()


@transaction.atomic
def seed_demo(*, participants: int = 240, seed: int = 7, reset: bool = False) -> DemoResult:
    existing = Organization.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None and not reset:
        with scopes_disabled():
            count = Participant.objects.filter(organization=existing).count()
        return DemoResult(existing, False, count, None)
    if existing is not None:
        _reset(existing)
    rng = random.Random(seed)  # noqa: S311 — demo data, not secrets
    organization = Organization.objects.create(name="Demo Co", slug=DEMO_SLUG)
    owner = None
    users: dict[str, User] = {}
    for email, name, role, zone in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name, time_zone=zone)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        Membership.objects.create(organization=organization, user=user, role=role)
        owner = owner or user
        users[role] = user

    now = timezone.now()
    cohorts: list[Cohort] = []
    for name, program_type, goal, description, criteria, commitment in PROGRAMS:
        program = Program.objects.create(
            organization=organization,
            name=name,
            program_type=program_type,
            goal=goal,
            description=description,
            participation_criteria=criteria,
            time_commitment=commitment,
        )
        cohorts.append(
            Cohort.objects.create(
                organization=organization,
                program=program,
                name=f"{now.year + (1 if now.month > 10 else 0)} spring",
                starts_on=(now + dt.timedelta(days=45)).date(),
                ends_on=(now + dt.timedelta(days=45 + 180)).date(),
                enrollment_opens_at=now - dt.timedelta(days=7),
                enrollment_closes_at=now + dt.timedelta(days=30),
                mentor_capacity=max(10, participants),
                mentee_capacity=max(10, participants),
                status=CohortStatus.ENROLLING,
            )
        )
    success_question = EnrollmentQuestion.objects.create(
        organization=organization,
        cohort=cohorts[0],
        label="What would make this mentorship a success for you?",
        kind=QuestionKind.LONG_TEXT,
        position=1,
    )
    format_question = EnrollmentQuestion.objects.create(
        organization=organization,
        cohort=cohorts[0],
        label="Preferred meeting format",
        kind=QuestionKind.SINGLE_CHOICE,
        choices=["Video call", "In person", "Either"],
        position=2,
        required=True,
    )

    def showcase_answers() -> dict:
        return {
            format_question.answer_key: rng.choice(format_question.choices),
            success_question.answer_key: "A clear plan for my next role.",
        }

    # Crossroads lets mentees choose their mentors; the advisory board has three seat roles.
    crossroads, advisory = cohorts[1], cohorts[4]
    crossroads.matching_settings = {"self_match": {"enabled": True, "response_days": 5}}
    crossroads.save(update_fields=["matching_settings"])
    advisory.matching_settings = {"board_roles": list(BOARD_ROLES)}
    advisory.save(update_fields=["matching_settings"])

    # Most people go to the first cohort (the matching showcase); the rest spread out.
    batch: list[Participant] = []
    made = 0
    for index in range(participants):
        cohort = cohorts[0] if rng.random() < 0.6 else rng.choice(cohorts[1:])
        side = ParticipantRole.MENTOR if rng.random() < 0.3 else ParticipantRole.MENTEE
        participant = _participant(rng, organization, cohort, index, side)
        if cohort is advisory and side == ParticipantRole.MENTOR:
            participant.board_roles = rng.sample(BOARD_ROLES, rng.randint(1, 2))
        if cohort is cohorts[0]:
            participant.answers = showcase_answers()
        batch.append(participant)
        if len(batch) >= 2000:
            Participant.objects.bulk_create(batch)
            made += len(batch)
            batch = []
    Participant.objects.bulk_create(batch)
    made += len(batch)
    made += _demo_logins_take_part(
        rng,
        organization,
        [crossroads, cohorts[0]],
        users,
        answers={cohorts[0].pk: showcase_answers()},
    )
    _demo_pair_matched(organization, crossroads, users)
    for cohort in cohorts:
        # The participants above were written in bulk, around the services that keep the
        # cohorts' stored seat counts.
        cohort_seats_recount(organization=organization, cohort=cohort)

    _api_key, raw_key = OrganizationAPIKey.objects.create_key(
        name="Demo reporting key",
        organization=organization,
        scopes=["read", "reports:read"],
        created_by=owner,
    )
    return DemoResult(organization, True, made, raw_key)


# ---------------------------------------------------------------------------------------------
# The benchmark organization (`seed_demo --scale`): bulk rows for bench/reports.py
# ---------------------------------------------------------------------------------------------

SCALE_SLUG = "scale-co"
# At scale 1: the volumes the reports benchmark names.
SCALE_VOLUMES = {
    "participants": 100_000,
    "mentorships": 60_000,
    "check_ins": 500_000,
    "survey_responses": 200_000,
}
SCALE_COHORTS = 20
SCALE_SNAPSHOT_DAYS = 180
_SCALE_CHUNK = 5_000


def _in_chunks(model: Any, rows: list[Any]) -> list[Any]:
    created: list[Any] = []
    for start in range(0, len(rows), _SCALE_CHUNK):
        created += model.objects.bulk_create(rows[start : start + _SCALE_CHUNK])
    return created


def seed_scale(*, scale: float = 1.0, seed: int = 7) -> DemoResult:
    """A separate organization ("Scale Co") with `scale` times 100,000 participants, 60,000
    mentorships, 500,000 check-ins and 200,000 survey responses over the last 120 days, bulk
    created in chunks, and the last 180 days' nightly snapshots. Rebuilt on every call; the
    demo organization is left alone. Returns an API key with `reports:read`."""
    from analytics.services import organization_snapshots_take
    from mentorships.models import (
        CheckIn,
        CheckInRecord,
        Mentorship,
        MentorshipMentee,
        MentorshipStatus,
    )
    from surveys.models import (
        QuestionType,
        Survey,
        SurveyAnswer,
        SurveyQuestion,
        SurveyResponse,
        SurveySection,
        SurveyStatus,
    )
    from surveys.result_counts import surveys_result_counts_rebuild

    volumes = {name: max(2, int(count * scale)) for name, count in SCALE_VOLUMES.items()}
    rng = random.Random(seed)  # noqa: S311 — benchmark data, not secrets
    with scopes_disabled():
        existing = Organization.objects.filter(slug=SCALE_SLUG).first()
        if existing is not None:
            # The bulk leaves in one DELETE each: Django's cascade would load every row.
            from analytics.models import CohortDaySnapshot

            for leaf in (
                CheckInRecord,
                CheckIn,
                SurveyAnswer,
                SurveyResponse,
                SurveyQuestion,
                SurveySection,
                Survey,
                CohortDaySnapshot,
            ):
                leaf.objects.filter(organization=existing)._raw_delete(using="default")
            _reset(existing)
        organization = Organization.objects.create(name="Scale Co", slug=SCALE_SLUG)
        now = timezone.now()
        first_day = now - dt.timedelta(days=120)
        program = Program.objects.create(organization=organization, name="Scale program")
        cohorts = [
            Cohort.objects.create(
                organization=organization,
                program=program,
                name=f"Cohort {n + 1}",
                starts_on=first_day.date(),
                ends_on=(now + dt.timedelta(days=120)).date(),
                enrollment_opens_at=first_day - dt.timedelta(days=14),
                enrollment_closes_at=first_day,
                mentor_capacity=volumes["participants"],
                mentee_capacity=volumes["participants"],
                status=CohortStatus.ACTIVE,
            )
            for n in range(SCALE_COHORTS)
        ]
        countries = ["GB", "US", "DE", "FR", "BR", "IN", "ES", "JP"]
        functions = ["Engineering", "Sales", "Finance", "Operations", "Legal", "Marketing"]
        people = []
        for index in range(volumes["participants"]):
            people.append(
                Participant(
                    organization=organization,
                    cohort=cohorts[index % SCALE_COHORTS],
                    email=f"p{index}@scale.example",
                    full_name=f"Person {index}",
                    role=ParticipantRole.MENTOR
                    if (index // SCALE_COHORTS) % 2 == 0
                    else ParticipantRole.MENTEE,
                    time_zone="UTC",
                    working_hours_start=dt.time(9),
                    working_hours_end=dt.time(17),
                    country=rng.choice(countries),
                    function=rng.choice(functions),
                    seniority=rng.randint(1, 5),
                    mentor_capacity=3,
                    created_at=first_day + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 100)),
                )
            )
        with gc_paused():
            people = _in_chunks(Participant, people)
        by_cohort: dict[int, tuple[list[Participant], list[Participant]]] = {
            cohort.pk: ([], []) for cohort in cohorts
        }
        for person in people:
            by_cohort[person.cohort_id][person.role == ParticipantRole.MENTEE].append(person)
        pairs = []
        for index in range(volumes["mentorships"]):
            mentors, mentees = by_cohort[cohorts[index % SCALE_COHORTS].pk]
            k = index // SCALE_COHORTS
            pairs.append((mentors[k % len(mentors)], mentees[k % len(mentees)]))
        mentorships = [
            Mentorship(
                organization=organization,
                cohort_id=mentor.cohort_id,
                mentor=mentor,
                status=MentorshipStatus.ACTIVE,
                started_on=(mentee.created_at + dt.timedelta(days=3)).date(),
                created_at=mentee.created_at + dt.timedelta(days=3),
            )
            for mentor, mentee in pairs
        ]
        with gc_paused():
            mentorships = _in_chunks(Mentorship, mentorships)
            _in_chunks(
                MentorshipMentee,
                [
                    MentorshipMentee(organization=organization, mentorship=m, mentee=mentee)
                    for m, (_mentor, mentee) in zip(mentorships, pairs, strict=True)
                ],
            )
        check_ins = []
        for index in range(volumes["check_ins"]):
            mentorship = mentorships[index % len(mentorships)]
            starts = now - dt.timedelta(minutes=rng.randint(60, 60 * 24 * 110))
            check_ins.append(
                CheckIn(
                    organization=organization,
                    mentorship=mentorship,
                    organizer_id=mentorship.mentor_id,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=rng.choice([30, 45, 60])),
                    time_zone="UTC",
                    ical_uid=f"scale-{index}@meridian",
                    created_at=starts - dt.timedelta(days=7),
                )
            )
        with gc_paused():
            check_ins = _in_chunks(CheckIn, check_ins)
            _in_chunks(
                CheckInRecord,
                [
                    CheckInRecord(
                        organization=organization,
                        check_in=check_in,
                        participant_id=check_in.organizer_id,
                        happened=True,
                        rating=rng.randint(2, 5),
                    )
                    for check_in in check_ins[::3]
                ],
            )
        survey = Survey.objects.create(
            organization=organization,
            program=program,
            name={"en": "Program pulse"},
            anonymous=True,
            status=SurveyStatus.OPEN,
            opens_at=now - dt.timedelta(days=60),
            closes_at=now + dt.timedelta(days=30),
        )
        section = SurveySection.objects.create(
            organization=organization, survey=survey, position=0, title={"en": "Overall"}
        )
        questions = [
            SurveyQuestion.objects.create(
                organization=organization,
                survey=survey,
                section=section,
                position=position,
                key=key,
                type=kind,
                text={"en": text},
            )
            for position, (key, kind, text) in enumerate(
                [
                    ("satisfaction", QuestionType.SCALE_1_5, "How satisfied are you?"),
                    ("recommend", QuestionType.NPS, "Would you recommend it?"),
                ]
            )
        ]
        responses = [
            SurveyResponse(
                organization=organization,
                survey=survey,
                respondent_key=f"scale-{index}",
                cohort=cohorts[index % SCALE_COHORTS],
                role="mentee",
                country=rng.choice(countries),
                function=rng.choice(functions),
                seniority=rng.randint(1, 5),
                submitted_at=(now - dt.timedelta(days=rng.randint(0, 59))).replace(
                    hour=0, minute=0, second=0, microsecond=0
                ),
            )
            for index in range(volumes["survey_responses"])
        ]
        with gc_paused():
            responses = _in_chunks(SurveyResponse, responses)
            _in_chunks(
                SurveyAnswer,
                [
                    SurveyAnswer(
                        organization=organization,
                        survey=survey,
                        response=response,
                        question=question,
                        number=rng.randint(1, 5) if n == 0 else rng.randint(0, 10),
                    )
                    for response in responses
                    for n, question in enumerate(questions)
                ],
            )
        if connection.vendor == "postgresql":
            # Statistics of the bulk rows before the snapshots read them: without them the
            # planner guesses a handful of rows and each day's counts take minutes.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        # The answers went in around the submit service, which keeps the results' counts.
        surveys_result_counts_rebuild(organization=organization)
        today = timezone.localdate(timezone=timezone.get_default_timezone())
        # The nights of both periods the dashboard compares by default (90 days each), so
        # its past days read snapshots as they would after half a year of nightly runs.
        for days_ago in range(SCALE_SNAPSHOT_DAYS, 0, -1):
            organization_snapshots_take(
                organization=organization, day=today - dt.timedelta(days=days_ago)
            )
        _key, raw = OrganizationAPIKey.objects.create_key(
            name="Reports benchmark",
            organization=organization,
            scopes=[APIKeyScope.REPORTS_READ.value],
        )
        admin = User.objects.filter(email=DEMO_USERS[0][0]).first()
        if admin is not None:
            Membership.objects.get_or_create(
                organization=organization, user=admin, defaults={"role": DEMO_USERS[0][2]}
            )
    return DemoResult(organization, True, len(people), raw)
