from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TenantManager, TenantOwnedModel
from participants.models import Participant
from programs.models import Cohort


class MentorshipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    ENDED = "ended", _("Ended early")


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
