"""One row of every tenant model, and every page under /o/<org_slug>/: what the isolation
tests attack and the small-screen test visits. A new model or page must appear here."""

import datetime as dt

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from organizations.models import AuditLogEntry, Invitation, OrganizationAPIKey, Role
from tests.factories import (
    CohortFactory,
    EnrollmentQuestionFactory,
    MembershipFactory,
    ParticipantFactory,
    ProgramFactory,
)


def build_world(organization):
    """One row of every tenant model in `organization`: (ids by URL kwarg, the rows)."""
    program = ProgramFactory(organization=organization, name="Foreign program")
    cohort = CohortFactory(program=program, name="Foreign cohort")
    question = EnrollmentQuestionFactory(cohort=cohort)
    participant = ParticipantFactory(cohort=cohort, email="foreign@globex.test")
    membership = MembershipFactory(organization=organization, role=Role.MEMBER)
    invitation = Invitation.objects.create(
        organization=organization,
        email="invitee@globex.test",
        token_hash="x" * 64,
        expires_at=timezone.now() + dt.timedelta(days=3),
    )
    api_key, _ = OrganizationAPIKey.objects.create_key(
        name="foreign", organization=organization, scopes=["read"]
    )
    audit = AuditLogEntry.objects.create(organization=organization, action="test")
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

    sent = SentEmail.objects.create(
        organization=organization, idempotency_key="k", recipient="a@b.c", subject="s"
    )
    notification = Notification.objects.create(
        organization=organization, user=membership.user, idempotency_key="k", text="t"
    )
    mentor = ParticipantFactory(cohort=cohort, role="mentor", email="mentor@globex.test")
    match_round = MatchRound.objects.create(organization=organization, cohort=cohort)
    proposal = MatchProposal.objects.create(
        organization=organization,
        match_round=match_round,
        mentee=participant,
        mentor=mentor,
        score=0.5,
    )
    unmatched = UnmatchedMentee.objects.create(
        organization=organization, match_round=match_round, mentee=participant, reason="r"
    )
    pair_rule = PairRule.objects.create(
        organization=organization, cohort=cohort, mentee=participant, mentor=mentor, kind="pin"
    )
    mentor_request = MentorRequest.objects.create(
        organization=organization,
        cohort=cohort,
        mentee=participant,
        mentor=mentor,
        rank=1,
        status="pending",
    )
    preference = StatedPreference.objects.create(
        organization=organization,
        cohort=cohort,
        participant=participant,
        side="mentee",
        preferred=mentor,
        rank=1,
    )
    mentorship = Mentorship.objects.create(
        organization=organization, cohort=cohort, mentor=mentor, started_on=timezone.now().date()
    )
    mentorship_mentee = MentorshipMentee.objects.create(
        organization=organization, mentorship=mentorship, mentee=participant
    )
    from mentorships.models import CheckIn, CheckInRecord, CheckInReminder
    from participants.models import WeeklyAvailability

    check_in = CheckIn.objects.create(
        organization=organization,
        mentorship=mentorship,
        organizer=mentor,
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() - dt.timedelta(days=1) + dt.timedelta(hours=1),
        time_zone="Europe/London",
        ical_uid=f"world-{organization.pk}@meridian",
    )
    check_in_record = CheckInRecord.objects.create(
        organization=organization, check_in=check_in, participant=mentor, happened=True, rating=4
    )
    reminder = CheckInReminder.objects.create(
        organization=organization, check_in=check_in, kind="1h", due_at=check_in.starts_at
    )
    engagement = _engagement_rows(organization, program, mentorship, mentor, membership.user)
    availability = WeeklyAvailability.objects.create(
        organization=organization,
        participant=participant,
        weekday=0,
        starts_at=dt.time(9),
        ends_at=dt.time(12),
    )
    by_kwarg = {
        "program_id": program.pk,
        "cohort_id": cohort.pk,
        "question_id": question.pk,
        "participant_id": participant.pk,
        "membership_id": membership.pk,
        "invitation_id": invitation.pk,
        "api_key_id": api_key.pk,
        "round_id": match_round.pk,
        "rule_id": pair_rule.pk,
        "proposal_id": proposal.pk,
        "request_id": mentor_request.pk,
        "mentorship_id": mentorship.pk,
        "notification_id": notification.pk,
        "check_in_id": check_in.pk,
        # analytics.recognition.mentor_get: someone who mentors in a mentorship.
        "mentor_id": mentor.pk,
    }
    # The engagement rows' ids, by the URL keyword that names each.
    # The later apps' rows (tests/world_<app>.py, one file each), given what they hang from.
    context = {
        "organization": organization,
        "program": program,
        "cohort": cohort,
        "mentee": participant,
        "mentor": mentor,
        "mentorship": mentorship,
        "membership": membership,
        "user": membership.user,
        "match_round": match_round,
    }
    later = [row for module in _later_apps() for row in module.world_rows(context)]
    by_kwarg.update(
        {f"{_snake(type(row).__name__)}_id": row.pk for row in [*engagement, *later] if row.pk}
    )
    rows = [
        program,
        cohort,
        question,
        participant,
        membership,
        invitation,
        api_key,
        audit,
        sent,
        notification,
        match_round,
        proposal,
        unmatched,
        pair_rule,
        mentor_request,
        preference,
        mentorship,
        mentorship_mentee,
        check_in,
        check_in_record,
        reminder,
        availability,
        *engagement,
        *later,
    ]
    return by_kwarg, rows


def _later_apps():
    from tests import world_analytics, world_surveys, world_webhooks

    return (world_webhooks, world_surveys, world_analytics)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _engagement_rows(organization, program, mentorship, member, user):
    """One row of each engagement model: goals, the learning path, the document, reflections,
    messages, the community, the program's engagement settings and email preferences."""
    from mentorships import models as m
    from notifications.models import EmailPreference

    org = {"organization": organization}
    goal = m.Goal.objects.create(**org, mentorship=mentorship, title="g", proposed_by=member)
    path = m.LearningPath.objects.create(**org, program=program, name={"en": "p"})
    stage = m.PathStage.objects.create(**org, path=path, title={"en": "s"})
    item = m.PathItem.objects.create(**org, stage=stage, kind="prompt", text={"en": "t"})
    document = m.SharedDocument.objects.create(**org, mentorship=mentorship, body="b")
    topic = m.Topic.objects.create(**org, program=program, author=user, title="t", body="b")
    return [
        goal,
        m.Milestone.objects.create(**org, goal=goal, title="m"),
        m.GoalChange.objects.create(**org, goal=goal, actor=member, action="created"),
        path,
        stage,
        item,
        m.PathItemProgress.objects.create(**org, mentorship=mentorship, item=item, done_by=member),
        document,
        m.DocumentRevision.objects.create(**org, document=document, version=1, author=member),
        m.Reflection.objects.create(**org, mentorship=mentorship, author=member, body="r"),
        m.Message.objects.create(**org, mentorship=mentorship, author=member, body="hi"),
        m.ThreadRead.objects.create(
            **org, mentorship=mentorship, participant=member, read_until=timezone.now()
        ),
        topic,
        m.Reply.objects.create(**org, topic=topic, author=user, body="r"),
        m.EngagementSettings.objects.create(**org, program=program),
        EmailPreference.objects.create(**org, user=user, kind="reminders", enabled=False),
    ]


def org_url_patterns(resolver=None, prefix=""):
    """(route, pattern) of every page under /o/<org_slug>/."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from org_url_patterns(entry, route)
        elif isinstance(entry, URLPattern) and "<slug:org_slug>" in route:
            yield route, entry


def fill_route(route, org_slug, ids):
    path = route.replace("<slug:org_slug>", org_slug)
    for kwarg, value in ids.items():
        for converter in ("int", "str"):
            path = path.replace(f"<{converter}:{kwarg}>", str(value))
    assert "<" not in path, f"no foreign object for {route}: add it to build_world"
    return "/" + path.lstrip("^")
