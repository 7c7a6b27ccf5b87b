"""Reading a program's learning path and how far a mentorship has come along it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from mentorships.models import (
    CheckIn,
    CheckInRecord,
    CheckInStatus,
    LearningPath,
    Mentorship,
    PathItem,
    PathItemProgress,
    PathStage,
)
from organizations.models import Organization
from programs.models import Program


def path_stage_get(*, organization: Organization, path_stage_id: int) -> PathStage:
    stage = (
        PathStage.objects.for_org(organization)
        .filter(pk=path_stage_id)
        .select_related("path")
        .first()
    )
    if stage is None:
        raise DomainError(_("No such stage."), code="not_found")
    return stage


def path_item_get(*, organization: Organization, path_item_id: int) -> PathItem:
    item = (
        PathItem.objects.for_org(organization)
        .filter(pk=path_item_id)
        .select_related("stage__path")
        .first()
    )
    if item is None:
        raise DomainError(_("No such item."), code="not_found")
    return item


def path_for_program(*, organization: Organization, program: Program) -> LearningPath | None:
    """The program's path with its stages and items (three queries), or None."""
    return (
        LearningPath.objects.for_org(organization)
        .filter(program=program)
        .prefetch_related(
            Prefetch(
                "stages",
                queryset=PathStage.objects.for_org(organization).prefetch_related(
                    Prefetch("items", queryset=PathItem.objects.for_org(organization))
                ),
            )
        )
        .first()
    )


def held_check_ins(
    *, organization: Organization, mentorship: Mentorship, now: dt.datetime | None = None
) -> int:
    """Check-ins that took place: not cancelled, over, and nobody recorded that it did not
    happen."""
    now = now or timezone.now()
    missed = CheckInRecord.objects.for_org(organization).filter(
        check_in=OuterRef("pk"), happened=False
    )
    return (
        CheckIn.objects.for_org(organization)
        .filter(mentorship=mentorship, status=CheckInStatus.SCHEDULED, ends_at__lte=now)
        .exclude(Exists(missed))
        .count()
    )


def _opens(stage: PathStage, days: int, held: int) -> bool:
    """A stage with no condition is open from the start; with both, either opens it."""
    conditions = [
        (stage.opens_after_days, days),
        (stage.opens_after_check_ins, held),
    ]
    set_conditions = [(needed, have) for needed, have in conditions if needed is not None]
    return not set_conditions or any(have >= needed for needed, have in set_conditions)


def stage_is_open(*, organization: Organization, mentorship: Mentorship, stage: PathStage) -> bool:
    days = (timezone.localdate() - mentorship.started_on).days
    held = held_check_ins(organization=organization, mentorship=mentorship)
    return _opens(stage, days, held)


@dataclass(frozen=True)
class ItemView:
    item: PathItem
    done: bool


@dataclass(frozen=True)
class StageView:
    stage: PathStage
    is_open: bool
    items: list[ItemView]

    @property
    def done_count(self) -> int:
        return sum(1 for entry in self.items if entry.done)


@dataclass(frozen=True)
class MentorshipPath:
    path: LearningPath
    stages: list[StageView]
    days: int
    held: int

    @property
    def current(self) -> StageView | None:
        """The last open stage: where the pair is now."""
        open_stages = [stage for stage in self.stages if stage.is_open]
        return open_stages[-1] if open_stages else None

    @property
    def percent_done(self) -> int:
        total = sum(len(stage.items) for stage in self.stages)
        done = sum(stage.done_count for stage in self.stages)
        return round(100 * done / total) if total else 0


def path_for_mentorship(
    *, organization: Organization, mentorship: Mentorship
) -> MentorshipPath | None:
    path = path_for_program(organization=organization, program=mentorship.cohort.program)
    if path is None:
        return None
    done_items = set(
        PathItemProgress.objects.for_org(organization)
        .filter(mentorship=mentorship)
        .values_list("item_id", flat=True)
    )
    days = (timezone.localdate() - mentorship.started_on).days
    held = held_check_ins(organization=organization, mentorship=mentorship)
    stages = [
        StageView(
            stage=stage,
            is_open=_opens(stage, days, held),
            items=[ItemView(item, item.pk in done_items) for item in stage.items.all()],
        )
        for stage in path.stages.all()
    ]
    return MentorshipPath(path=path, stages=stages, days=days, held=held)
