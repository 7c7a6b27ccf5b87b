"""The admin's review of a proposed round: decide, approve all, swap, pin or forbid, mark
reviewed."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import asdict

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from matching import selectors
from matching.adapters import engine_inputs
from matching.config import (
    config_from_json,
    engine_settings,
)
from matching.engine import explain
from matching.models import (
    MatchProposal,
    MatchRound,
    PairRule,
    PairRuleKind,
    ProposalStatus,
    RoundStatus,
)
from matching.services.rounds import finite_json
from organizations.models import Organization
from organizations.services import audit_log_record
from participants.models import Participant
from programs.models import Cohort

logger = logging.getLogger(__name__)


def _editable(organization: Organization, match_round: MatchRound) -> None:
    """Refuse unless the round is under review, as the database has it now.

    The caller's copy may predate a publish by another admin, so the status is read again
    under the round's row lock. A publish waits for that lock; a decision or a swap reopens the
    round for review, so the publish's conditional update then finds nothing to claim.
    """
    status = (
        MatchRound.objects.for_org(organization)
        .select_for_update()
        .filter(pk=match_round.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status not in (RoundStatus.PROPOSED, RoundStatus.REVIEWED):
        raise DomainError(_("Proposals can be changed only while the round is under review."))


@transaction.atomic
def proposal_decide(
    *, organization: Organization, proposal: MatchProposal, actor: User | None, approve: bool
) -> MatchProposal:
    _editable(organization, proposal.match_round)
    proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
    proposal.save(update_fields=["status"])
    _reopen_review(organization, proposal.match_round)
    return proposal


@transaction.atomic
def proposal_approve_all(
    *, organization: Organization, match_round: MatchRound, actor: User | None
) -> int:
    _editable(organization, match_round)
    return (
        MatchProposal.objects.for_org(organization)
        .filter(match_round=match_round, status=ProposalStatus.PROPOSED)
        .update(status=ProposalStatus.APPROVED)
    )


@transaction.atomic
def proposals_decide_bulk(
    *,
    organization: Organization,
    match_round: MatchRound,
    actor: User | None,
    approve: bool,
    proposal_ids: Collection[int] | None = None,
    filters: selectors.ProposalFilter | None = None,
) -> int:
    """Approve or reject many proposals of one round at once: the listed `proposal_ids`, or
    every proposal `filters` lets through (all of them without either). Returns how many.

    Ids that are not this round's proposals (another round's, another organization's, or
    made up) refuse the whole change, so a forged form touches nothing.
    """
    _editable(organization, match_round)
    chosen = MatchProposal.objects.for_org(organization).filter(match_round=match_round)
    if proposal_ids is not None:
        wanted = {int(pk) for pk in proposal_ids}
        if not wanted:
            raise DomainError(_("Select at least one pair."))
        chosen = chosen.filter(pk__in=wanted)
        if chosen.count() != len(wanted):
            raise DomainError(_("Some of the selected pairs are not in this round."))
    elif filters is not None:
        listed = selectors.proposal_filtered(
            organization=organization, match_round=match_round, filters=filters
        )
        # The ids first, then the update: an IN over a subquery of the same table, under
        # row-level security, runs that subquery once per row (quadratic; 170 s at 10,000).
        chosen = chosen.filter(pk__in=list(listed.order_by().values_list("pk", flat=True)))
    status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
    changed = chosen.exclude(status=status).update(status=status)
    if changed:
        _reopen_review(organization, match_round)
    audit_log_record(
        organization=organization,
        actor=actor,
        action="proposal.approve_many" if approve else "proposal.reject_many",
        target=str(match_round.pk),
        data={"changed": changed, "selected": proposal_ids is not None},
    )
    return changed


def _reopen_review(organization: Organization, match_round: MatchRound) -> None:
    # A change after "reviewed" needs another look before publishing.
    MatchRound.objects.for_org(organization).filter(
        pk=match_round.pk, status=RoundStatus.REVIEWED
    ).update(status=RoundStatus.PROPOSED)


def _explained_proposals(
    organization: Organization,
    match_round: MatchRound,
    pairs: list[tuple[Participant, Participant]],
) -> list[MatchProposal]:
    """Score manual pairs against the whole cohort, so scores compare with the engine's."""
    cohort = match_round.cohort
    config = config_from_json(cohort.matching_settings)
    participants = list(selectors.active_participants(organization=organization, cohort=cohort))
    mentees, mentors = engine_inputs(
        [p for p in participants if p.is_mentee],
        [p for p in participants if p.is_mentor],
        board_roles=config.board_roles,
    )
    explained = explain(
        mentees,
        mentors,
        [(str(mentee.pk), str(mentor.pk)) for mentee, mentor in pairs],
        engine_settings(cohort, config),
    )
    return [
        MatchProposal(
            organization=organization,
            match_round=match_round,
            mentee=mentee,
            mentor=mentor,
            score=pair.score,
            factors=finite_json([asdict(f) for f in pair.factors]),
            status=ProposalStatus.APPROVED,
            manual=True,
        )
        for (mentee, mentor), pair in zip(pairs, explained, strict=True)
    ]


@transaction.atomic
def proposal_swap(
    *, organization: Organization, first: MatchProposal, second: MatchProposal, actor: User | None
) -> tuple[MatchProposal, MatchProposal]:
    """Exchange the mentors of two proposals; the new pairs are scored, explained and approved."""
    if first.match_round_id != second.match_round_id or first.pk == second.pk:
        raise DomainError(_("Choose two different proposals of the same round."), field="other")
    match_round = first.match_round
    _editable(organization, match_round)
    if first.mentor_id == second.mentor_id or first.mentee_id == second.mentee_id:
        raise DomainError(
            _("Those two proposals share a person; swapping changes nothing."), field="other"
        )
    taken = set(
        MatchProposal.objects.for_org(organization)
        .filter(match_round=match_round)
        .exclude(pk__in=[first.pk, second.pk])
        .values_list("mentee_id", "mentor_id")
    )
    if (first.mentee_id, second.mentor_id) in taken or (second.mentee_id, first.mentor_id) in taken:
        raise DomainError(_("One of the swapped pairs is already proposed."), field="other")
    new_first, new_second = _explained_proposals(
        organization, match_round, [(first.mentee, second.mentor), (second.mentee, first.mentor)]
    )
    MatchProposal.objects.for_org(organization).filter(pk__in=[first.pk, second.pk]).delete()
    new_first.save()
    new_second.save()
    _reopen_review(organization, match_round)
    audit_log_record(
        organization=organization,
        actor=actor,
        action="proposal.swap",
        target=str(match_round.pk),
        data={
            "pairs": [
                [new_first.mentee_id, new_first.mentor_id],
                [new_second.mentee_id, new_second.mentor_id],
            ]
        },
    )
    return new_first, new_second


@transaction.atomic
def pair_rule_set(
    *,
    organization: Organization,
    cohort: Cohort,
    mentee: Participant,
    mentor: Participant,
    kind: str,
    actor: User | None,
) -> PairRule:
    if {cohort.organization_id, mentee.organization_id, mentor.organization_id} != {
        organization.pk
    }:
        raise DomainError(_("No such pair."), code="not_found")
    if mentee.cohort_id != cohort.pk or mentor.cohort_id != cohort.pk:
        raise DomainError(_("Both people must be in this cohort."))
    rule, _created = PairRule.objects.for_org(organization).update_or_create(
        organization=organization,
        cohort=cohort,
        mentee=mentee,
        mentor=mentor,
        defaults={"kind": kind, "created_by": actor},
    )
    if kind == PairRuleKind.FORBID:
        # A forbidden pair cannot stay proposed in any round still under review.
        MatchProposal.objects.for_org(organization).filter(
            mentee=mentee,
            mentor=mentor,
            match_round__status__in=[RoundStatus.PROPOSED, RoundStatus.REVIEWED],
        ).update(status=ProposalStatus.REJECTED)
    audit_log_record(
        organization=organization,
        actor=actor,
        action=f"pair.{kind}",
        target=f"{mentee.email} ↔ {mentor.email}",
    )
    return rule


@transaction.atomic
def pair_rule_delete(*, organization: Organization, rule: PairRule, actor: User | None) -> None:
    PairRule.objects.for_org(organization).filter(pk=rule.pk).delete()


@transaction.atomic
def round_mark_reviewed(
    *, organization: Organization, match_round: MatchRound, actor: User | None
) -> MatchRound:
    counts = selectors.proposal_counts(organization=organization, match_round=match_round)
    only_proposed = _("Only a proposed round can be marked reviewed.")
    if match_round.status != RoundStatus.PROPOSED:
        raise DomainError(only_proposed)
    if counts["undecided"]:
        raise DomainError(
            _("Approve or reject every proposal first (%(n)d undecided).")
            % {"n": counts["undecided"]}
        )
    if not counts["approved"]:
        raise DomainError(_("Approve at least one proposal before publishing."))
    # Conditional on the status the database has now: a copy read before a publish must not
    # turn a published round back into a reviewed one (and so publishable a second time).
    claimed = (
        MatchRound.objects.for_org(organization)
        .filter(pk=match_round.pk, status=RoundStatus.PROPOSED)
        .update(status=RoundStatus.REVIEWED)
    )
    if claimed != 1:
        raise DomainError(only_proposed)
    match_round.refresh_from_db()
    return match_round
