from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TenantManager, TenantOwnedModel


class ProgramType(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("One-to-one")
    GROUP = "group", _("Group")
    ADVISORY_BOARD = "advisory_board", _("Personal advisory board")
    REVERSE = "reverse", _("Reverse")
    FLASH = "flash", _("Flash")


class ProgramGoal(models.TextChoices):
    CROSS_CULTURAL = "cross_cultural", _("Cross-cultural")
    CROSS_FUNCTIONAL = "cross_functional", _("Cross-functional")
    ONBOARDING = "onboarding", _("Onboarding")
    LEADERSHIP = "leadership", _("Leadership")
    CUSTOM = "custom", _("Custom")


class CheckInCadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    AD_HOC = "ad_hoc", _("When the pair decides")


# The fields a program team edits, listed once: services, forms and the API read them.
PROGRAM_FIELDS = (
    "name",
    "program_type",
    "goal",
    "description",
    "participation_criteria",
    "time_commitment",
    "default_check_in_cadence",
)


# A page of text each; a 1 MB description slows every catalog page that lists the program.
DESCRIPTION_MAX_LENGTH = 5000
CRITERIA_MAX_LENGTH = 1000


class Program(TenantOwnedModel):
    name = models.CharField(_("name"), max_length=120)
    program_type = models.CharField(
        _("type"), max_length=20, choices=ProgramType.choices, default=ProgramType.ONE_TO_ONE
    )
    goal = models.CharField(
        _("goal"), max_length=20, choices=ProgramGoal.choices, default=ProgramGoal.CUSTOM
    )
    # TextField's max_length only reaches forms and serializers; the validator holds the model
    # (and so every service) to the same limit.
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=DESCRIPTION_MAX_LENGTH,
        validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)],
    )
    participation_criteria = models.TextField(
        _("who may join"),
        blank=True,
        max_length=CRITERIA_MAX_LENGTH,
        validators=[MaxLengthValidator(CRITERIA_MAX_LENGTH)],
        help_text=_("Shown in the catalog, e.g. “Engineers”."),
    )
    time_commitment = models.CharField(
        _("time commitment"), max_length=120, blank=True, help_text=_("e.g. “2 hours a month”")
    )
    default_check_in_cadence = models.CharField(
        _("default check-in cadence"),
        max_length=20,
        choices=CheckInCadence.choices,
        default=CheckInCadence.BIWEEKLY,
    )
    is_archived = models.BooleanField(_("archived"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="program_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class CohortStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ENROLLING = "enrolling", _("Enrolling")
    MATCHING = "matching", _("Matching")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


# The fields a program team edits, listed once: services, forms and the API read them.
COHORT_FIELDS = (
    "name",
    "starts_on",
    "ends_on",
    "enrollment_opens_at",
    "enrollment_closes_at",
    "mentor_capacity",
    "mentee_capacity",
    "status",
)


class Cohort(TenantOwnedModel):
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("program")
    )
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    enrollment_opens_at = models.DateTimeField(_("enrollment opens"))
    enrollment_closes_at = models.DateTimeField(_("enrollment closes"))
    mentor_capacity = models.PositiveIntegerField(
        _("mentor seats"), help_text=_("How many mentors may enroll.")
    )
    mentee_capacity = models.PositiveIntegerField(
        _("mentee seats"), help_text=_("How many mentees may enroll.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CohortStatus.choices, default=CohortStatus.DRAFT
    )
    matching_settings = models.JSONField(_("matching settings"), default=dict, blank=True)
    # Seats held by active participants ("both" holds one on each side), stored so that lists
    # read them instead of counting participants per cohort on every request. Every service
    # that changes an active participant's role or status rewrites them under the cohort's
    # row lock (programs.services.cohort_lock) from a count taken under that lock.
    mentor_seats_taken = models.PositiveIntegerField(default=0, editable=False)
    mentee_seats_taken = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ("-starts_on", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "program", "name"], name="cohort_unique_name"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="cohort_dates_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(enrollment_closes_at__gt=models.F("enrollment_opens_at")),
                name="cohort_enrollment_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.name} — {self.name}"

    def get_absolute_url(self) -> str:
        return reverse(
            "programs:cohort_detail",
            kwargs={"org_slug": self.organization.slug, "cohort_id": self.pk},
        )

    @property
    def mentor_seats_left(self) -> int:
        return max(self.mentor_capacity - self.mentor_seats_taken, 0)

    @property
    def mentee_seats_left(self) -> int:
        return max(self.mentee_capacity - self.mentee_seats_taken, 0)

    @property
    def is_enrollment_open(self) -> bool:
        now = timezone.now()
        return (
            self.status == CohortStatus.ENROLLING
            and self.enrollment_opens_at <= now < self.enrollment_closes_at
        )


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    SCALE = "scale", _("Scale from 1 to 5")


class QuestionAudience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    MENTORS = "mentors", _("Mentors")
    MENTEES = "mentees", _("Mentees")


class EnrollmentQuestion(TenantOwnedModel):
    """A cohort's own question, asked on top of the standard profile."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    audience = models.CharField(
        _("asked of"), max_length=20, choices=QuestionAudience.choices, default="everyone"
    )
    required = models.BooleanField(_("required"), default=False)
    # Sensitive answers (e.g. gender, ethnicity) are audited for fair matching by group.
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Audit matching fairness across the answers to this question."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = TenantManager()

    class Meta:
        verbose_name = _("enrollment question")
        verbose_name_plural = _("enrollment questions")
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.label

    @property
    def answer_key(self) -> str:
        return f"q{self.pk}"
