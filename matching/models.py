from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TenantManager, TenantOwnedModel
from matching.phrases import say_factor
from participants.models import Participant
from programs.models import Cohort


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RUNNING = "running", _("Running")
    PROPOSED = "proposed", _("Proposed")
    REVIEWED = "reviewed", _("Reviewed")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class RoundTrigger(models.TextChoices):
    ON_DEMAND = "on_demand", _("On demand")
    SCHEDULED = "scheduled", _("Scheduled")


class MatchRound(TenantOwnedModel):
    """One run of the engine over a cohort, and the admin's review of what it proposed."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="match_rounds")
    status = models.CharField(
        _("status"), max_length=20, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    trigger = models.CharField(
        max_length=20, choices=RoundTrigger.choices, default=RoundTrigger.ON_DEMAND
    )
    newcomers_only = models.BooleanField(
        _("match only newcomers"),
        default=False,
        help_text=_("Leave people matched in earlier rounds as they are."),
    )
    # The settings the engine ran with, frozen at the start of the run for audit.
    settings_snapshot = models.JSONField(default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_label = models.CharField(max_length=120, blank=True)
    error = models.TextField(blank=True)
    total_score = models.FloatField(null=True, blank=True)
    matched_slots = models.PositiveIntegerField(null=True, blank=True)
    demanded_slots = models.PositiveIntegerField(null=True, blank=True)
    greedy_total_score = models.FloatField(null=True, blank=True)
    greedy_matched_slots = models.PositiveIntegerField(null=True, blank=True)
    solver_report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    attempt = models.PositiveIntegerField(default=0)
    # A run is a row, not a message: the broker only carries a trigger. A worker claims the run
    # with a lease (`claim_token`, `lease_expires_at`) and renews it while it works; a lease
    # left to expire means the worker is gone, and the next trigger takes the run over.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Workers that took this run since it was last queued; after a few the sweep gives up.
    run_attempts = models.PositiveSmallIntegerField(default=0)
    # When a trigger was last handed to the broker; null when that failed (broker down), so
    # the sweep sends one at its next pass.
    queued_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("match round")
        verbose_name_plural = _("match rounds")
        ordering = ("-created_at", "-id")
        indexes = [
            # The sweep's scan, every minute: only the few rounds still to finish.
            models.Index(
                fields=["status"],
                name="round_unfinished",
                condition=models.Q(status__in=["draft", "running"]),
            )
        ]

    def __str__(self) -> str:
        return f"Round {self.pk} of {self.cohort_id} ({self.status})"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class MatchProposal(TenantOwnedModel):
    match_round = models.ForeignKey(MatchRound, on_delete=models.CASCADE, related_name="proposals")
    mentee = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    mentor = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField()
    # [{"factor", "value", "contribution", "text"}, …] from the engine.
    factors = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    pinned = models.BooleanField(default=False)
    seat_role = models.CharField(max_length=60, blank=True)
    group = models.PositiveIntegerField(null=True, blank=True)
    manual = models.BooleanField(default=False, help_text=_("Made by an admin's swap."))

    objects = TenantManager()

    class Meta:
        ordering = ("-score", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "match_round", "mentee", "mentor"],
                name="proposal_unique_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentee_id} ↔ {self.mentor_id} ({self.score:.2f})"

    @property
    def reasons(self) -> list[dict]:
        """Factors that raised the score, strongest first: what an admin reads first."""
        helping = [f for f in self.factors if f.get("text") and (f.get("contribution") or 0) > 0]
        return sorted(helping, key=lambda f: -f["contribution"])

    @property
    def explanation(self) -> str:
        """The reasons in the viewer's language."""
        return "; ".join(say_factor(f) for f in self.reasons)


class UnmatchedMentee(TenantOwnedModel):
    match_round = models.ForeignKey(MatchRound, on_delete=models.CASCADE, related_name="unmatched")
    mentee = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    slots_unfilled = models.PositiveSmallIntegerField(default=1)
    reason = models.TextField()  # the engine's English words
    # The same reason as a message key and parameters, shown in the viewer's language.
    reason_key = models.CharField(max_length=60, blank=True)
    reason_params = models.JSONField(default=list, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.mentee_id}: {self.reason}"


class PairRuleKind(models.TextChoices):
    PIN = "pin", _("Pinned")
    FORBID = "forbid", _("Forbidden")


class PairRule(TenantOwnedModel):
    """An admin's standing decision about a pair; every later round honours it."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="pair_rules")
    mentee = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=PairRuleKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "cohort", "mentee", "mentor"], name="pair_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.mentee_id} ↔ {self.mentor_id}"


class RequestStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for an earlier choice")
    PENDING = "pending", _("Waiting for the mentor")
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for an admin")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("No answer in time")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MentorRequest(TenantOwnedModel):
    """Self-match: a mentee's ranked request to one mentor; the next rank waits its turn."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="mentor_requests")
    mentee = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=RequestStatus.choices)
    message = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ("rank", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "cohort", "mentee", "mentor"], name="mentor_request_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentee_id} → {self.mentor_id} #{self.rank} ({self.status})"


class PreferenceSide(models.TextChoices):
    AS_MENTEE = "mentee", _("Mentors I would like")
    AS_MENTOR = "mentor", _("Mentees I would like")


class StatedPreference(TenantOwnedModel):
    """A participant's ranking of people on the other side, for rounds the program team runs.

    Stable matching reads both sides' rankings; the other objectives weigh them as the
    "stated preferences" factor."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="preferences")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(max_length=10, choices=PreferenceSide.choices)
    preferred = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()

    objects = TenantManager()

    class Meta:
        ordering = ("participant_id", "side", "rank")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "participant", "side", "preferred"],
                name="preference_unique_person",
            ),
            models.UniqueConstraint(
                fields=["organization", "participant", "side", "rank"],
                name="preference_unique_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} ({self.side}) #{self.rank}: {self.preferred_id}"


class LearnedMatchModel(TenantOwnedModel):
    """A program's model of match success, trained nightly on its past pairs' outcomes
    (matching/learned.py). `model` holds pickled bytes this application wrote itself and only
    ever loads from its own database (see matching.engine.learned.model_from_bytes)."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="learned_match_models"
    )
    trained_at = models.DateTimeField()
    n_pairs = models.PositiveIntegerField()
    positive_pairs = models.PositiveIntegerField(default=0)
    auc = models.FloatField()
    brier = models.FloatField()
    model = models.BinaryField()
    feature_names = models.JSONField(default=list)
    # Per decile of predicted success: its upper bound, success rate and mean rating (1-5).
    deciles = models.JSONField(default=list)

    objects = TenantManager()

    class Meta:
        ordering = ("-trained_at", "-id")
        indexes = [models.Index(fields=["organization", "program", "-trained_at"])]

    def __str__(self) -> str:
        return f"Learned match model {self.pk} of program {self.program_id}"
