from __future__ import annotations

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
