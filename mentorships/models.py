from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TenantManager, TenantOwnedModel
from participants.models import Participant
from programs.models import Cohort


class MentorshipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    ENDED = "ended", _("Ended early")


class CloseReason(models.TextChoices):
    GOALS_MET = "goals_met", _("We met our goals")
    PROGRAM_ENDED = "program_ended", _("The program ended")
    NO_TIME = "no_time", _("Not enough time")
    NOT_A_FIT = "not_a_fit", _("Not a good fit")
    LEFT = "left", _("Someone left the organization")
    OTHER = "other", _("Other")


class Mentorship(TenantOwnedModel):
    """One mentor with one or more mentees (a pair, a group, or one seat of a board)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="mentorships")
    mentor = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="mentorships_as_mentor"
    )
    mentees = models.ManyToManyField(
        Participant, through="MentorshipMentee", related_name="mentorships_as_mentee"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=MentorshipStatus.choices,
        default=MentorshipStatus.ACTIVE,
    )
    seat_role = models.CharField(_("seat role"), max_length=60, blank=True)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    # The match round that created it, so a re-published round does not duplicate it.
    source_round_id = models.BigIntegerField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(
        _("reason"), max_length=20, choices=CloseReason.choices, blank=True
    )
    close_comment = models.TextField(_("comment"), blank=True, max_length=2000)
    closed_by = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A member asked the program team for a new match.
    rematch_requested_at = models.DateTimeField(null=True, blank=True)
    rematch_reason = models.TextField(blank=True, max_length=2000)

    objects = TenantManager()

    class Meta:
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"Mentorship {self.pk} ({self.mentor_id})"


class MentorshipMentee(TenantOwnedModel):
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="memberships")
    mentee = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "mentorship", "mentee"], name="mentorship_mentee_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentee_id} in {self.mentorship_id}"


class CheckInStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class CheckIn(TenantOwnedModel):
    """A meeting of a mentorship. Times are instants (UTC in the database); `time_zone` is the
    organizer's, in which calendar files write them, so a series keeps its local time.

    One calendar event is one `ical_uid`. A single check-in has its own; each occurrence of a
    recurring series shares the series' uid and is told apart by `recurrence_id` (its original
    start), which is how calendars address one occurrence of a series. `sequence` rises on every
    change, so calendars take the newest version."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="check_ins")
    organizer = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    agenda = models.TextField(_("agenda"), blank=True, max_length=4000)
    location = models.CharField(_("video link or place"), blank=True, max_length=500)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CheckInStatus.choices,
        default=CheckInStatus.SCHEDULED,
    )
    cancel_reason = models.CharField(_("reason"), blank=True, max_length=500)
    ical_uid = models.CharField(max_length=100)
    recurrence_id = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ("starts_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="check_in_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["organization", "ical_uid"],
                condition=models.Q(recurrence_id__isnull=True),
                name="check_in_unique_single_event",
            ),
            models.UniqueConstraint(
                fields=["organization", "ical_uid", "recurrence_id"],
                name="check_in_unique_occurrence",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "starts_at"])]

    def __str__(self) -> str:
        return f"Check-in {self.pk} of mentorship {self.mentorship_id}"


class CheckInRecord(TenantOwnedModel):
    """Each side's quick account after a check-in: did it happen, how useful it was."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="records")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    happened = models.BooleanField(_("it happened"))
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "check_in", "participant"],
                name="check_in_record_once_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="check_in_record_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"Record of {self.participant_id} for check-in {self.check_in_id}"


class CheckInReminder(TenantOwnedModel):
    """A reminder that must go out: a row from the moment a check-in is booked or moved, so
    the minute scan finds it whatever happened to workers or the broker, and `sent_at` says it
    went. A moved check-in's unsent reminders are replaced; a cancelled one's are deleted."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20)  # how long before: "24h", "1h"
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(sent_at__isnull=True),
                name="check_in_reminder_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder of check-in {self.check_in_id}"


# --- Goals and the development plan ----------------------------------------------------------


class GoalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class Goal(TenantOwnedModel):
    """A goal of the mentorship; either side proposes it and both see every change."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("goal"), max_length=200)
    description = models.TextField(_("details"), blank=True, max_length=4000)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=GoalStatus.choices, default=GoalStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        ordering = ("position", "id")
        indexes = [models.Index(fields=["organization", "status", "target_date"])]

    def __str__(self) -> str:
        return self.title


class Milestone(TenantOwnedModel):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)

    objects = TenantManager()

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.title


class GoalChange(TenantOwnedModel):
    """Who changed what on a goal, so both sides see the plan's history."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=40)  # e.g. "created", "status", "milestone_done"
    detail = models.JSONField(default=dict, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.action} on goal {self.goal_id}"


# --- The program's learning path -------------------------------------------------------------
# Authored per program by its managers (or copied from a starter path); texts are JSON objects
# from language code to text (`core.texts.in_language`).


class LearningPath(TenantOwnedModel):
    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="learning_path"
    )
    name = models.JSONField(_("name"), default=dict)
    # Which starter path it was copied from, if any ("cross_cultural", ...).
    starter = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    def __str__(self) -> str:
        return f"Learning path of program {self.program_id}"


class PathStage(TenantOwnedModel):
    """A stage opens for a mentorship when it is old enough or has held enough check-ins."""

    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveIntegerField(default=0)
    title = models.JSONField(_("title"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    opens_after_days = models.PositiveIntegerField(_("opens after days"), null=True, blank=True)
    opens_after_check_ins = models.PositiveIntegerField(
        _("opens after check-ins"), null=True, blank=True
    )

    objects = TenantManager()

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return f"Stage {self.position} of path {self.path_id}"


class PathItemKind(models.TextChoices):
    MILESTONE = "milestone", _("Milestone")
    PROMPT = "prompt", _("Conversation prompt")
    RESOURCE = "resource", _("Resource")


class PathItem(TenantOwnedModel):
    stage = models.ForeignKey(PathStage, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=20, choices=PathItemKind.choices)
    text = models.JSONField(_("text"), default=dict)
    url = models.URLField(_("link"), blank=True, max_length=500)
    position = models.PositiveIntegerField(default=0)

    objects = TenantManager()

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} of stage {self.stage_id}"


class PathItemProgress(TenantOwnedModel):
    """A pair marked an item of their path done."""

    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="path_progress"
    )
    item = models.ForeignKey(PathItem, on_delete=models.CASCADE, related_name="+")
    done_by = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "mentorship", "item"], name="path_item_done_once"
            )
        ]

    def __str__(self) -> str:
        return f"Item {self.item_id} done in mentorship {self.mentorship_id}"


# --- The living document and private reflections ---------------------------------------------


class SharedDocument(TenantOwnedModel):
    """The pair's agreements and notes, in Markdown (rendered through `nh3`). `version` rises
    with each save, so an edit made on an older version is refused rather than lost."""

    mentorship = models.OneToOneField(Mentorship, on_delete=models.CASCADE, related_name="document")
    body = models.TextField(blank=True, max_length=50_000)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    def __str__(self) -> str:
        return f"Document of mentorship {self.mentorship_id} v{self.version}"


class DocumentRevision(TenantOwnedModel):
    document = models.ForeignKey(SharedDocument, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    body = models.TextField(blank=True, max_length=50_000)
    author = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")

    objects = TenantManager()

    class Meta:
        ordering = ("-version",)
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "document", "version"], name="document_revision_once"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} of document {self.document_id}"


class Reflection(TenantOwnedModel):
    """A private note: only its author ever reads it (not the other side, not program staff,
    not an API key)."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=20_000)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"Reflection {self.pk}"


# --- Messages --------------------------------------------------------------------------------


class Message(TenantOwnedModel):
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=10_000)
    edited_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=["organization", "mentorship", "created_at"])]

    def __str__(self) -> str:
        return f"Message {self.pk} in mentorship {self.mentorship_id}"


class ThreadRead(TenantOwnedModel):
    """How far a member has read the mentorship's messages: later messages by others are
    unread for them."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    read_until = models.DateTimeField()

    objects = TenantManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "mentorship", "participant"], name="thread_read_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} read {self.mentorship_id} until {self.read_until}"


# --- The program community -------------------------------------------------------------------


class Topic(TenantOwnedModel):
    """A discussion in a program's community, open to its participants and program team;
    managers pin, lock and hide."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), max_length=10_000)
    pinned = models.BooleanField(default=False)
    locked = models.BooleanField(default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)

    objects = TenantManager()

    class Meta:
        ordering = ("-pinned", "-last_activity_at", "-id")

    def __str__(self) -> str:
        return self.title


class Reply(TenantOwnedModel):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("reply"), max_length=10_000)
    hidden_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        ordering = ("created_at", "id")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"Reply {self.pk} to topic {self.topic_id}"


# --- A program's engagement rules ------------------------------------------------------------


def _default_reminder_hours() -> list[int]:
    return [24, 1]


def _default_first_check_in_nudge_days() -> list[int]:
    return [3, 7, 14]


class EngagementSettings(TenantOwnedModel):
    """Per program: when reminders and nudges go out and what counts as at risk. A program
    without a row uses the defaults below."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="engagement_settings"
    )
    reminder_hours = models.JSONField(default=_default_reminder_hours)
    first_check_in_nudge_days = models.JSONField(default=_default_first_check_in_nudge_days)
    quiet_after_days = models.PositiveIntegerField(default=30)
    low_rating_below = models.PositiveSmallIntegerField(default=3)
    unanswered_message_days = models.PositiveIntegerField(default=7)
    overdue_goal_nudges = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    def __str__(self) -> str:
        return f"Engagement settings of program {self.program_id}"
