"""The program's learning path: the pair's page (stages in order, open ones with items to tick,
locked ones saying when they open) and the program managers' editor (a starter path copied in,
stages and items written in English and Spanish side by side, opening rules).

The pair's page is for the mentorship's members only (anyone else gets 404); the editor needs
the program-management capability."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.forms import add_domain_error
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from core.texts import in_language
from mentorships.models import PathItemKind, PathStage
from mentorships.selectors import mentorship_get_for_member
from mentorships.selectors import path as path_selectors
from mentorships.selectors.path import MentorshipPath, StageView
from mentorships.services import path as path_services
from mentorships.starter_paths import STARTER_PATHS, starter_for
from programs import selectors as program_selectors
from programs.models import Program

LANGUAGES = (("en", gettext_lazy("English")), ("es", gettext_lazy("Spanish")))


# --- The pair's page ---------------------------------------------------------------------------


def opens_when(stage: PathStage, days: int, held: int) -> str:
    """When a locked stage opens, in words: "in 12 days", "after your first check-in", or both
    joined by "or" (either opens it)."""
    parts = []
    if stage.opens_after_days is not None and stage.opens_after_days > days:
        left = stage.opens_after_days - days
        parts.append(ngettext("in %(n)d day", "in %(n)d days", left) % {"n": left})
    if stage.opens_after_check_ins is not None and stage.opens_after_check_ins > held:
        needed = stage.opens_after_check_ins
        if needed == 1:
            parts.append(_("after your first check-in"))
        else:
            more = needed - held
            parts.append(
                ngettext("after %(n)d more check-in", "after %(n)d more check-ins", more)
                % {"n": more}
            )
    return _(" or ").join(parts)


@dataclass(frozen=True)
class StageLine:
    view: StageView
    number: int
    title: str
    description: str
    opens: str  # empty when open
    items: list[tuple[object, str]]  # (ItemView, text in the reader's language)
    is_current: bool


def _stage_lines(progress: MentorshipPath) -> list[StageLine]:
    current = progress.current
    return [
        StageLine(
            view=stage,
            number=number,
            title=in_language(stage.stage.title),
            description=in_language(stage.stage.description),
            opens="" if stage.is_open else opens_when(stage.stage, progress.days, progress.held),
            items=[(entry, in_language(entry.item.text)) for entry in stage.items],
            is_current=current is not None and current.stage.pk == stage.stage.pk,
        )
        for number, stage in enumerate(progress.stages, start=1)
    ]


def _pair_context(request: OrganizationRequest, mentorship, viewer) -> dict:
    organization = request.organization
    progress = path_selectors.path_for_mentorship(organization=organization, mentorship=mentorship)
    return {
        "mentorship": mentorship,
        "viewer": viewer,
        "progress": progress,
        "path_name": in_language(progress.path.name) if progress else "",
        "stages": _stage_lines(progress) if progress else [],
        "can_tick": mentorship.status not in ("completed", "ended"),
        "tab": "path",
    }


@requires(Capability.VIEW_CATALOG)
def path(request: OrganizationRequest, org_slug: str, mentorship_id: int) -> HttpResponse:
    mentorship, viewer = mentorship_get_for_member(
        organization=request.organization, mentorship_id=mentorship_id, user=request.user
    )
    return render(request, "mentorships/path.html", _pair_context(request, mentorship, viewer))


@require_POST
@requires(Capability.VIEW_CATALOG)
def path_item_mark(
    request: OrganizationRequest, org_slug: str, mentorship_id: int, path_item_id: int
) -> HttpResponse:
    """Tick or untick an item; htmx gets the stages again."""
    mentorship, viewer = mentorship_get_for_member(
        organization=request.organization, mentorship_id=mentorship_id, user=request.user
    )
    item = path_selectors.path_item_get(
        organization=request.organization, path_item_id=path_item_id
    )
    path_services.path_item_mark(
        organization=request.organization,
        mentorship=mentorship,
        item=item,
        actor=request.user,
        done=request.POST.get("done") == "1",
    )
    if request.htmx:
        return render(
            request, "mentorships/path_stages.html", _pair_context(request, mentorship, viewer)
        )
    return redirect("mentorships:path", org_slug=org_slug, mentorship_id=mentorship.pk)


# --- The program managers' editor --------------------------------------------------------------


@contextmanager
def service_errors_on(form: forms.Form) -> Iterator[None]:
    """A service's refusal on the form. It names a text in every language as one field
    ("title"); the form shows that beside the first language's input."""
    try:
        yield
    except DomainError as error:
        if error.code == "not_found":
            raise
        first = f"{error.field}_{LANGUAGES[0][0]}"
        if error.field and first in form.fields:
            form.add_error(first, error.message)
        else:
            add_domain_error(form, error)


def _text_fields(name: str, label: str, *, required: bool, textarea: bool = False) -> dict:
    widget = forms.Textarea(attrs={"rows": 2}) if textarea else forms.TextInput()
    return {
        f"{name}_{code}": forms.CharField(
            label=f"{label} ({language})",
            required=False,
            max_length=path_services.TEXT_MAX,
            widget=widget,
        )
        for code, language in LANGUAGES
    }


class _TextsForm(forms.Form):
    def texts(self, name: str) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"{name}_{code}", "") for code, _label in LANGUAGES}

    def pairs(self, name: str) -> list[forms.BoundField]:
        return [self[f"{name}_{code}"] for code, _label in LANGUAGES]


class StageForm(_TextsForm):
    opens_after_days = forms.IntegerField(
        label=gettext_lazy("Opens after days"),
        required=False,
        min_value=0,
        max_value=3650,
        help_text=gettext_lazy("Days since the pair started; empty: no wait."),
    )
    opens_after_check_ins = forms.IntegerField(
        label=gettext_lazy("Opens after check-ins"),
        required=False,
        min_value=0,
        max_value=3650,
        help_text=gettext_lazy("Check-ins held; with both set, either opens it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_text_fields("title", str(_("Title")), required=True))
        self.fields.update(
            _text_fields("description", str(_("Description")), required=False, textarea=True)
        )

    @property
    def titles(self) -> list[forms.BoundField]:
        return self.pairs("title")

    @property
    def descriptions(self) -> list[forms.BoundField]:
        return self.pairs("description")


class ItemForm(_TextsForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=PathItemKind.choices)
    url = forms.URLField(
        label=gettext_lazy("Link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("Needed for a resource."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_text_fields("text", str(_("Text")), required=True))

    @property
    def text_fields(self) -> list[forms.BoundField]:
        return self.pairs("text")


def _stage_initial(stage: PathStage) -> dict:
    initial: dict = {
        "opens_after_days": stage.opens_after_days,
        "opens_after_check_ins": stage.opens_after_check_ins,
    }
    for code, _label in LANGUAGES:
        initial[f"title_{code}"] = stage.title.get(code, "")
        initial[f"description_{code}"] = stage.description.get(code, "")
    return initial


@dataclass
class ItemEditor:
    item: object
    form: forms.Form  # an ItemForm, or the refused one shown again
    text: str


@dataclass
class StageEditor:
    stage: PathStage
    number: int
    form: forms.Form  # a StageForm, or the refused one shown again
    items: list[ItemEditor]
    new_item: forms.Form  # an ItemForm
    title: str


def _editor_context(
    request: OrganizationRequest,
    program: Program,
    bound: dict[str, forms.Form] | None = None,
    starter_error: str = "",
) -> dict:
    """The editor; `bound` holds refused forms by prefix, shown in place of fresh ones."""
    bound = bound or {}
    learning_path = path_selectors.path_for_program(
        organization=request.organization, program=program
    )
    stages = []
    for number, stage in enumerate(learning_path.stages.all() if learning_path else [], start=1):
        items = []
        for item in stage.items.all():
            prefix = f"item-{item.pk}"
            initial = {"kind": item.kind, "url": item.url}
            initial.update({f"text_{c}": item.text.get(c, "") for c, _l in LANGUAGES})
            form = bound.get(prefix) or ItemForm(prefix=prefix, initial=initial)
            items.append(ItemEditor(item=item, form=form, text=in_language(item.text)))
        stage_prefix = f"stage-{stage.pk}"
        new_item_prefix = f"new-item-{stage.pk}"
        stages.append(
            StageEditor(
                stage=stage,
                number=number,
                form=bound.get(stage_prefix)
                or StageForm(prefix=stage_prefix, initial=_stage_initial(stage)),
                items=items,
                new_item=bound.get(new_item_prefix)
                or ItemForm(prefix=new_item_prefix, initial={"kind": PathItemKind.MILESTONE}),
                title=in_language(stage.title),
            )
        )
    fitting = starter_for(program.goal, program.program_type)
    starters = sorted(
        STARTER_PATHS.values(), key=lambda s: (fitting is None or s.key != fitting.key, s.key)
    )
    return {
        "program": program,
        "learning_path": learning_path,
        "stages": stages,
        "new_stage": bound.get("new-stage") or StageForm(prefix="new-stage"),
        "starters": [(s.key, in_language(s.name)) for s in starters],
        "fitting": fitting.key if fitting else "",
        # What the fitting starter is for: reverse programs by their type, others by their goal.
        "fitting_for": (
            program.get_program_type_display()
            if program.program_type == "reverse"
            else program.get_goal_display()
        ),
        "starter_error": starter_error,
        "languages": LANGUAGES,
    }


def _editor_answer(
    request: OrganizationRequest, program: Program, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    failed = any(form.errors for form in (bound or {}).values())
    context = _editor_context(request, program, bound if failed else None)
    if request.htmx:
        return render(request, "mentorships/path_edit_stages.html", context)
    if failed:
        return render(request, "mentorships/path_edit.html", context, status=400)
    return redirect(
        "mentorships:path_edit", org_slug=request.organization.slug, program_id=program.pk
    )


def _program(request: OrganizationRequest, program_id: int) -> Program:
    return program_selectors.program_get(organization=request.organization, program_id=program_id)


def _stage(request: OrganizationRequest, program: Program, path_stage_id: int) -> PathStage:
    stage = path_selectors.path_stage_get(
        organization=request.organization, path_stage_id=path_stage_id
    )
    if stage.path.program_id != program.pk:
        raise Http404(_("No such stage."))
    return stage


@requires(Capability.MANAGE_PROGRAMS)
def path_edit(request: OrganizationRequest, org_slug: str, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    return render(request, "mentorships/path_edit.html", _editor_context(request, program))


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def path_starter(request: OrganizationRequest, org_slug: str, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    form = forms.Form(request.POST)
    form.full_clean()
    with service_errors_on(form):
        path_services.path_copy_starter(
            organization=request.organization,
            program=program,
            starter=request.POST.get("starter", ""),
        )
    if form.errors:
        context = _editor_context(
            request, program, starter_error=" ".join(str(e) for e in form.non_field_errors())
        )
        template = (
            "mentorships/path_edit_stages.html" if request.htmx else "mentorships/path_edit.html"
        )
        return render(request, template, context, status=200 if request.htmx else 400)
    return _editor_answer(request, program)


def _save_stage(
    request: OrganizationRequest, program: Program, form: StageForm, stage: PathStage | None
) -> None:
    if form.is_valid():
        with service_errors_on(form):
            path_services.path_stage_save(
                organization=request.organization,
                program=program,
                title=form.texts("title"),
                description=form.texts("description"),
                opens_after_days=form.cleaned_data["opens_after_days"],
                opens_after_check_ins=form.cleaned_data["opens_after_check_ins"],
                stage=stage,
            )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def path_stage_add(request: OrganizationRequest, org_slug: str, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    form = StageForm(request.POST, prefix="new-stage")
    _save_stage(request, program, form, None)
    return _editor_answer(request, program, {"new-stage": form})


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def path_stage_edit(
    request: OrganizationRequest, org_slug: str, program_id: int, path_stage_id: int
) -> HttpResponse:
    program = _program(request, program_id)
    stage = _stage(request, program, path_stage_id)
    prefix = f"stage-{stage.pk}"
    form = StageForm(request.POST, prefix=prefix)
    _save_stage(request, program, form, stage)
    return _editor_answer(request, program, {prefix: form})


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def path_stage_delete(
    request: OrganizationRequest, org_slug: str, program_id: int, path_stage_id: int
) -> HttpResponse:
    program = _program(request, program_id)
    stage = _stage(request, program, path_stage_id)
    path_services.path_stage_delete(organization=request.organization, program=program, stage=stage)
    return _editor_answer(request, program)


def _save_item(
    request: OrganizationRequest, program: Program, stage: PathStage, form: ItemForm, item=None
) -> None:
    if form.is_valid():
        with service_errors_on(form):
            path_services.path_item_save(
                organization=request.organization,
                program=program,
                stage=stage,
                kind=form.cleaned_data["kind"],
                text=form.texts("text"),
                url=form.cleaned_data["url"],
                item=item,
            )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def path_item_add(
    request: OrganizationRequest, org_slug: str, program_id: int, path_stage_id: int
) -> HttpResponse:
    program = _program(request, program_id)
    stage = _stage(request, program, path_stage_id)
    prefix = f"new-item-{stage.pk}"
    form = ItemForm(request.POST, prefix=prefix)
    _save_item(request, program, stage, form)
    return _editor_answer(request, program, {prefix: form})


def _item(request: OrganizationRequest, program: Program, path_item_id: int):
    item = path_selectors.path_item_get(
        organization=request.organization, path_item_id=path_item_id
    )
    if item.stage.path.program_id != program.pk:
        raise Http404(_("No such item."))
    return item


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def path_item_edit(
    request: OrganizationRequest, org_slug: str, program_id: int, path_item_id: int
) -> HttpResponse:
    program = _program(request, program_id)
    item = _item(request, program, path_item_id)
    prefix = f"item-{item.pk}"
    form = ItemForm(request.POST, prefix=prefix)
    _save_item(request, program, item.stage, form, item)
    return _editor_answer(request, program, {prefix: form})


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def path_item_delete(
    request: OrganizationRequest, org_slug: str, program_id: int, path_item_id: int
) -> HttpResponse:
    program = _program(request, program_id)
    item = _item(request, program, path_item_id)
    path_services.path_item_delete(
        organization=request.organization, program=program, stage=item.stage, item=item
    )
    return _editor_answer(request, program)
