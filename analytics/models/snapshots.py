"""One row per cohort and day, written nightly, so time series and large organizations read a
few rows instead of recounting every check-in (docs/metrics.md, "Snapshots")."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import models, transaction
from django.db.models import signals
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TenantManager, TenantOwnedModel
from programs.models import Cohort

# The day's figures, as columns so that a period's sums are one SQL aggregate. Counts of the
# day ("held that day") add up over a period; counts at the day's end ("on the roster") are
# read on the period's last day.
FIGURES = (
    "participants",
    "mentees",
    "matched_mentees",
    "joined",
    "withdrawals",
    "mentorships_open",
    "mentorships_active",
    "mentorships_started",
    "mentorships_completed",
    "mentorships_ended_early",
    "check_ins_held",
    "minutes_mentored",
    "ratings",
    "rating_total",
    "satisfied_ratings",
    "rating_1",
    "rating_2",
    "rating_3",
    "rating_4",
    "rating_5",
    "seconds_mentored",
)


class CohortDaySnapshot(TenantOwnedModel):
    """A cohort's figures for one day (the server's day, UTC), as docs/metrics.md defines
    them."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    # At the end of the day.
    participants = models.PositiveIntegerField(default=0)
    mentees = models.PositiveIntegerField(default=0)
    matched_mentees = models.PositiveIntegerField(default=0)
    mentorships_open = models.PositiveIntegerField(default=0)
    mentorships_active = models.PositiveIntegerField(default=0)
    # During the day.
    joined = models.PositiveIntegerField(default=0)
    withdrawals = models.PositiveIntegerField(default=0)
    mentorships_started = models.PositiveIntegerField(default=0)
    mentorships_completed = models.PositiveIntegerField(default=0)
    mentorships_ended_early = models.PositiveIntegerField(default=0)
    check_ins_held = models.PositiveIntegerField(default=0)
    minutes_mentored = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    rating_total = models.PositiveIntegerField(default=0)
    satisfied_ratings = models.PositiveIntegerField(default=0)
    # Ratings of each value, 1 to 5: the dashboard's ratings chart over a period.
    rating_1 = models.PositiveIntegerField(default=0)
    rating_2 = models.PositiveIntegerField(default=0)
    rating_3 = models.PositiveIntegerField(default=0)
    rating_4 = models.PositiveIntegerField(default=0)
    rating_5 = models.PositiveIntegerField(default=0)
    # The held check-ins' length to the second, so a period's hours from snapshots equal the
    # hours counted live (minutes are rounded per cohort and day). Empty on rows taken before
    # it and the ratings by value existed: such a row does not cover its day for the dashboard
    # (analytics.selectors.period_facts), which counts that day live.
    seconds_mentored = models.PositiveBigIntegerField(null=True, default=None)
    taken_at = models.DateTimeField(default=timezone.now)

    objects = TenantManager()

    class Meta:
        verbose_name = _("cohort day snapshot")
        verbose_name_plural = _("cohort day snapshots")
        ordering = ("day", "cohort_id")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "cohort", "day"], name="cohort_day_snapshot_once"
            )
        ]
        indexes = [models.Index(fields=["organization", "day"])]

    def __str__(self) -> str:
        return f"Cohort {self.cohort_id} on {self.day}"


# --- The dashboard's data version -------------------------------------------------------------
#
# The program-health panel is cached per organization, scope and period under the organization's
# data version (analytics.dashboard.program_health). Every save or delete of a row its figures
# read sets a new version, so the next request computes the panel again. Connected here, with
# the models, so that every process that writes (web, worker) bumps it. Writes that send no
# signal (bulk updates, `bulk_create`, raw SQL) are not seen: the cache's lifetime
# (`analytics.dashboard.PANEL_CACHE_SECONDS`) bounds how long they can go unseen.

DATA_VERSION_KEY = "analytics:data-version:{organization_id}"
# What the dashboard's figures read (the surveys' answers feed satisfaction and NPS).
VERSIONED_MODELS = (
    "participants.Participant",
    "programs.Cohort",
    "mentorships.Mentorship",
    "mentorships.MentorshipMentee",
    "mentorships.CheckIn",
    "mentorships.CheckInRecord",
    "mentorships.Goal",
    "mentorships.GoalChange",
    "mentorships.Message",
    "mentorships.EngagementSettings",
    "surveys.SurveyResponse",
    "surveys.SurveyAnswer",
    "analytics.CohortDaySnapshot",
)


def data_version(organization_id: int) -> str:
    """The organization's current data version (set on first use)."""
    key = DATA_VERSION_KEY.format(organization_id=organization_id)
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        # `add`: two first requests at once agree on one version.
        if not cache.add(key, version, timeout=None):
            version = cache.get(key) or version
    return str(version)


def bump_data_version(organization_id: int) -> None:
    """A new version (never one used before, even after the cache lost the key)."""
    cache.set(DATA_VERSION_KEY.format(organization_id=organization_id), uuid.uuid4().hex, None)


def _bump_on_write(sender: type[models.Model], instance: models.Model, **kwargs: object) -> None:
    organization_id = getattr(instance, "organization_id", None)
    if organization_id is None:
        return
    bump_data_version(organization_id)
    # Again once the write is committed: a panel computed meanwhile, before the write was
    # visible, went under the first new version and must not be served.
    transaction.on_commit(lambda: bump_data_version(organization_id))


for _label in VERSIONED_MODELS:
    for _signal in (signals.post_save, signals.post_delete):
        _signal.connect(
            _bump_on_write, sender=_label, weak=False, dispatch_uid=f"analytics-version-{_label}"
        )
