"""Another organization's rows are unreachable: every tenant model, every page, every endpoint,
for every role. Adding a model, a page or an endpoint without covering it here fails a test."""

import datetime as dt

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_scopes import ScopeError, scopes_disabled

from organizations.models import (
    AuditLogEntry,
    Invitation,
    Membership,
    OrganizationAPIKey,
    Role,
    TenantOwnedModel,
)
from tests.factories import (
    CohortFactory,
    EnrollmentQuestionFactory,
    MembershipFactory,
    OrganizationFactory,
    ParticipantFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ALL_ROLES = list(Role.values)


def tenant_models():
    found = [m for m in apps.get_models() if issubclass(m, TenantOwnedModel)]
    return [*found, OrganizationAPIKey]


def _build_foreign_world(organization):
    """One row of every tenant model in `organization`, keyed by URL kwarg and by model."""
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
    }
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
    ]
    return by_kwarg, rows


def test_every_tenant_model_has_a_required_organization_and_a_scoped_manager(db):
    for model in tenant_models():
        field = model._meta.get_field("organization")
        assert not field.null, model
        manager = model.scoped if model is OrganizationAPIKey else model.objects
        with pytest.raises(ScopeError):
            list(manager.all())


def test_the_foreign_world_covers_every_tenant_model(db):
    _by_kwarg, rows = _build_foreign_world(OrganizationFactory())

    assert {type(row) for row in rows} == set(tenant_models())


def _org_url_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _org_url_patterns(entry, route)
        elif isinstance(entry, URLPattern) and "<slug:org_slug>" in route:
            yield route, entry


def _fill(route, org_slug, ids):
    path = route.replace("<slug:org_slug>", org_slug)
    for kwarg, value in ids.items():
        for converter in ("int", "str"):
            path = path.replace(f"<{converter}:{kwarg}>", str(value))
    assert "<" not in path, f"no foreign object for {route}: add it to _build_foreign_world"
    return "/" + path.lstrip("^")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_no_page_shows_or_changes_another_organizations_rows(client, org, other_org, role):
    foreign_ids, _rows = _build_foreign_world(other_org)
    user = MembershipFactory(organization=org, role=role, user=UserFactory()).user
    client.force_login(user)
    checked = 0
    for route, _entry in _org_url_patterns():
        if "<" not in route.replace("<slug:org_slug>", ""):
            continue  # pages without object ids are checked by the listing tests
        url = _fill(route, org.slug, foreign_ids)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            # 404 (missing and foreign look alike) or 403/405 before any lookup; never content.
            assert response.status_code in (403, 404, 405), (
                role,
                method,
                url,
                response.status_code,
            )
            checked += 1
    assert checked > 10
    with scopes_disabled():
        assert Membership.objects.filter(organization=other_org).count() == 1
        assert OrganizationAPIKey.objects.get(organization=other_org).revoked is False


@pytest.mark.parametrize("role", ALL_ROLES)
def test_another_organizations_slug_is_404_for_every_page(client, org, other_org, role):
    user = MembershipFactory(organization=org, role=role, user=UserFactory()).user
    client.force_login(user)
    foreign_ids, _rows = _build_foreign_world(other_org)

    for route, _entry in _org_url_patterns():
        url = _fill(route, other_org.slug, foreign_ids)
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ALL_ROLES)
def test_own_pages_never_list_another_organizations_rows(client, org, other_org, role):
    program = ProgramFactory(organization=org, name="Home program")
    cohort = CohortFactory(program=program, name="Home cohort")
    ParticipantFactory(cohort=cohort, email="home@acme.test")
    _build_foreign_world(other_org)
    user = MembershipFactory(organization=org, role=role, user=UserFactory()).user
    client.force_login(user)
    ids = {"program_id": program.pk, "cohort_id": cohort.pk}

    for route, _entry in _org_url_patterns():
        other_ids = route.replace("<slug:org_slug>", "")
        for kwarg in ids:
            other_ids = other_ids.replace(f"<int:{kwarg}>", "")
        if "<" in other_ids:
            continue  # detail pages of other objects: covered by the 404 test above
        response = client.get(_fill(route, org.slug, ids))
        if response.status_code != 200:
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for marker in (
            b"Foreign program",
            b"Foreign cohort",
            b"foreign@globex.test",
            b"invitee@globex.test",
        ):
            assert marker not in body, (route, marker)
