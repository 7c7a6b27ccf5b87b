from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.models import validate_time_zone
from core.models import TenantManager, TenantOwnedModel
from core.validators import ListLimitValidator
from programs.models import Cohort


class ParticipantRole(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    MENTEE = "mentee", _("Mentee")
    BOTH = "both", _("Mentor and mentee")


class ParticipantStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Seniority(models.IntegerChoices):
    ENTRY = 1, _("Entry level")
    INTERMEDIATE = 2, _("Intermediate")
    SENIOR = 3, _("Senior")
    LEAD = 4, _("Lead / manager")
    EXECUTIVE = 5, _("Executive")


class LanguageProficiency(models.TextChoices):
    BASIC = "basic", _("Basic")
    CONVERSATIONAL = "conversational", _("Conversational")
    FLUENT = "fluent", _("Fluent")
    NATIVE = "native", _("Native")


# The fields a program team edits, listed once: services, forms and the API read them.
PROFILE_FIELDS = (
    "full_name",
    "role",
    "skills_offered",
    "skills_wanted",
    "goals",
    "languages",
    "time_zone",
    "working_hours_start",
    "working_hours_end",
    "country",
    "cultural_background",
    "function",
    "seniority",
    "mentor_capacity",
    "mentors_wanted",
    "manager_email",
    "board_roles",
)


# Limits on free text, held by the model (services validate with it), read by the form and the
# serializer. Matching compares skills and seats pairwise, so long lists cost every round.
GOALS_MAX_LENGTH = 2000
SKILLS_LIMIT = ListLimitValidator(max_items=30, max_length=80)
BOARD_ROLES_LIMIT = ListLimitValidator(max_items=20, max_length=60)


class Participant(TenantOwnedModel):
    """A person in one cohort, with the standard profile the matching engine reads."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
    )
    email = models.EmailField(_("email"))
    full_name = models.CharField(_("full name"), max_length=150)
    role = models.CharField(_("role"), max_length=10, choices=ParticipantRole.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ParticipantStatus.choices,
        default=ParticipantStatus.ACTIVE,
    )
    skills_offered = models.JSONField(
        _("skills offered"), default=list, blank=True, validators=[SKILLS_LIMIT]
    )
    skills_wanted = models.JSONField(
        _("skills wanted"), default=list, blank=True, validators=[SKILLS_LIMIT]
    )
    goals = models.TextField(
        _("goals"),
        blank=True,
        max_length=GOALS_MAX_LENGTH,
        validators=[MaxLengthValidator(GOALS_MAX_LENGTH)],
    )
    # [{"code": "es", "proficiency": "fluent"}, …]
    languages = models.JSONField(_("languages"), default=list, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    working_hours_start = models.TimeField(_("working hours start"))
    working_hours_end = models.TimeField(_("working hours end"))
    country = CountryField(_("country"))
    cultural_background = models.CharField(_("cultural background"), max_length=120, blank=True)
    function = models.CharField(_("function / department"), max_length=120)
    seniority = models.PositiveSmallIntegerField(_("seniority"), choices=Seniority.choices)
    mentor_capacity = models.PositiveSmallIntegerField(
        _("mentee capacity"),
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
        help_text=_("How many mentees you can take on (mentors only)."),
    )
    mentors_wanted = models.PositiveSmallIntegerField(
        _("mentors wanted"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("How many mentors you would like (mentees only)."),
    )
    manager_email = models.EmailField(_("manager's email"), blank=True)
    # Advisory-board programs: the seats (program-defined roles) a mentor can fill; empty = any.
    board_roles = models.JSONField(
        _("advisory board seats"), default=list, blank=True, validators=[BOARD_ROLES_LIMIT]
    )
    # Answers to the cohort's own questions, keyed by EnrollmentQuestion.answer_key.
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ("full_name", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "cohort", "email"], name="participant_unique_email"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "cohort", "status"]),
            models.Index(fields=["organization", "-created_at", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    @property
    def is_mentor(self) -> bool:
        return self.role in (ParticipantRole.MENTOR, ParticipantRole.BOTH)

    @property
    def is_mentee(self) -> bool:
        return self.role in (ParticipantRole.MENTEE, ParticipantRole.BOTH)

    @property
    def language_codes(self) -> list[str]:
        return [entry["code"] for entry in self.languages]


class WeeklyAvailability(TenantOwnedModel):
    """A recurring free time of a participant, in their own time zone. Without any, their
    working hours on weekdays stand in (`mentorships.selectors.availability_of`)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="availability"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts_at = models.TimeField(_("from"))
    # 00:00 means midnight at the end of the day.
    ends_at = models.TimeField(_("until"))

    objects = TenantManager()

    class Meta:
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")
        ordering = ("weekday", "starts_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6),
                name="availability_weekday_monday_to_sunday",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at"))
                | models.Q(ends_at=dt.time(0)),
                name="availability_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"
