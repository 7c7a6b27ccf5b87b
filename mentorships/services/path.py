"""The program's learning path: program managers author it (or copy a starter) and pairs mark
its items done as they reach each stage."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from mentorships import selectors
from mentorships.models import (
    LearningPath,
    Mentorship,
    PathItem,
    PathItemKind,
    PathItemProgress,
    PathStage,
)
from mentorships.selectors.path import stage_is_open
from mentorships.starter_paths import STARTER_PATHS
from organizations.models import Organization
from programs.models import Program

TEXT_MAX = 1000
STAGES_MAX = 20
ITEMS_MAX = 30


def _texts(value: dict[str, str], field: str, *, required: bool = True) -> dict[str, str]:
    """Texts by language, trimmed; at least one language is needed when required."""
    cleaned = {
        code: " ".join(text.split()) for code, text in value.items() if text and text.strip()
    }
    if required and not cleaned:
        raise DomainError(_("Write it in at least one language."), field=field)
    if any(len(text) > TEXT_MAX for text in cleaned.values()):
        raise DomainError(_("Keep it under %(n)d characters.") % {"n": TEXT_MAX + 1}, field=field)
    return cleaned


def _path(organization: Organization, program: Program) -> LearningPath:
    if program.organization_id != organization.pk:
        raise DomainError(_("No such program."), code="not_found")
    path, _created = LearningPath.objects.for_org(organization).get_or_create(
        organization=organization, program=program
    )
    return path


@transaction.atomic
def path_copy_starter(
    *, organization: Organization, program: Program, starter: str
) -> LearningPath:
    """Replace the program's path with a copy of a starter path."""
    template = STARTER_PATHS.get(starter)
    if template is None:
        raise DomainError(_("There is no such starter path."), field="starter")
    path = _path(organization, program)
    PathStage.objects.for_org(organization).filter(path=path).delete()
    path.name = dict(template.name)
    path.starter = template.key
    path.save(update_fields=["name", "starter", "updated_at"])
    for position, stage in enumerate(template.stages, start=1):
        saved = PathStage.objects.create(
            organization=organization,
            path=path,
            position=position,
            title=dict(stage.title),
            description=dict(stage.description),
            opens_after_days=stage.opens_after_days,
            opens_after_check_ins=stage.opens_after_check_ins,
        )
        PathItem.objects.bulk_create(
            [
                PathItem(
                    organization=organization,
                    stage=saved,
                    kind=item.kind,
                    text=dict(item.text),
                    url=item.url,
                    position=index,
                )
                for index, item in enumerate(stage.items, start=1)
            ]
        )
    return path


def _opening(opens_after_days: int | None, opens_after_check_ins: int | None) -> None:
    for value, field in (
        (opens_after_days, "opens_after_days"),
        (opens_after_check_ins, "opens_after_check_ins"),
    ):
        if value is not None and not 0 <= value <= 3650:
            raise DomainError(_("Give a number from 0 to 3650."), field=field)


@transaction.atomic
def path_stage_save(
    *,
    organization: Organization,
    program: Program,
    title: dict[str, str],
    description: dict[str, str],
    opens_after_days: int | None = None,
    opens_after_check_ins: int | None = None,
    stage: PathStage | None = None,
) -> PathStage:
    """Add a stage at the end, or change one."""
    path = _path(organization, program)
    title = _texts(title, "title")
    description = _texts(description, "description", required=False)
    _opening(opens_after_days, opens_after_check_ins)
    if stage is None:
        stages = PathStage.objects.for_org(organization).filter(path=path)
        if stages.count() >= STAGES_MAX:
            raise DomainError(_("A path has at most %(n)d stages.") % {"n": STAGES_MAX})
        position = (stages.aggregate(last=Max("position"))["last"] or 0) + 1
        return PathStage.objects.create(
            organization=organization,
            path=path,
            position=position,
            title=title,
            description=description,
            opens_after_days=opens_after_days,
            opens_after_check_ins=opens_after_check_ins,
        )
    stage = _own_stage(organization, path, stage.pk)
    stage.title, stage.description = title, description
    stage.opens_after_days, stage.opens_after_check_ins = opens_after_days, opens_after_check_ins
    stage.save()
    return stage


def _own_stage(organization: Organization, path: LearningPath, stage_id: int) -> PathStage:
    stage = PathStage.objects.for_org(organization).filter(path=path, pk=stage_id).first()
    if stage is None:
        raise DomainError(_("No such stage."), code="not_found")
    return stage


@transaction.atomic
def path_stage_delete(*, organization: Organization, program: Program, stage: PathStage) -> None:
    """The stage, its items and the pairs' ticks on them go."""
    _own_stage(organization, _path(organization, program), stage.pk).delete()


@transaction.atomic
def path_item_save(
    *,
    organization: Organization,
    program: Program,
    stage: PathStage,
    kind: str,
    text: dict[str, str],
    url: str = "",
    item: PathItem | None = None,
) -> PathItem:
    stage = _own_stage(organization, _path(organization, program), stage.pk)
    if kind not in PathItemKind.values:
        raise DomainError(_("Choose what kind of item it is."), field="kind")
    text = _texts(text, "text")
    if kind == PathItemKind.RESOURCE and not url:
        raise DomainError(_("A resource needs its link."), field="url")
    if url and not url.startswith(("https://", "http://")):
        raise DomainError(_("Give a web address starting with https://."), field="url")
    if item is None:
        items = PathItem.objects.for_org(organization).filter(stage=stage)
        if items.count() >= ITEMS_MAX:
            raise DomainError(_("A stage has at most %(n)d items.") % {"n": ITEMS_MAX})
        return PathItem.objects.create(
            organization=organization,
            stage=stage,
            kind=kind,
            text=text,
            url=url,
            position=(items.aggregate(last=Max("position"))["last"] or 0) + 1,
        )
    own = PathItem.objects.for_org(organization).filter(stage=stage, pk=item.pk).first()
    if own is None:
        raise DomainError(_("No such item."), code="not_found")
    own.kind, own.text, own.url = kind, text, url
    own.save(update_fields=["kind", "text", "url"])
    return own


@transaction.atomic
def path_item_delete(
    *, organization: Organization, program: Program, stage: PathStage, item: PathItem
) -> None:
    stage = _own_stage(organization, _path(organization, program), stage.pk)
    deleted, _by_model = (
        PathItem.objects.for_org(organization).filter(stage=stage, pk=item.pk).delete()
    )
    if not deleted:
        raise DomainError(_("No such item."), code="not_found")


@transaction.atomic
def path_item_mark(
    *,
    organization: Organization,
    mentorship: Mentorship,
    item: PathItem,
    actor: User,
    done: bool,
) -> bool:
    """A member ticks (or unticks) an item of a stage their mentorship has reached. Ticking
    twice is one tick. Returns whether the item is now done."""
    member = selectors.mentorship_member(
        organization=organization, mentorship=mentorship, user=actor
    )
    locked = (
        PathItem.objects.for_org(organization)
        .filter(pk=item.pk, stage__path__program_id=mentorship.cohort.program_id)
        .select_related("stage")
        .first()
    )
    if locked is None:
        raise DomainError(_("No such item."), code="not_found")
    item = locked
    if not stage_is_open(organization=organization, mentorship=mentorship, stage=item.stage):
        raise DomainError(_("This stage has not opened yet."), code="conflict")
    progress = PathItemProgress.objects.for_org(organization).filter(
        mentorship=mentorship, item=item
    )
    if done:
        PathItemProgress.objects.for_org(organization).get_or_create(
            organization=organization,
            mentorship=mentorship,
            item=item,
            defaults={"done_by": member},
        )
    else:
        progress.delete()
    return done
