from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import OrganizationRequest
from core.permissions import Capability, requires
from programs import selectors, services
from programs.forms import CatalogFilterForm, CohortForm, ProgramForm, QuestionForm


def _apply(form, call):
    """Run a service; its ValidationError lands on the form's fields. Returns the result or None."""
    try:
        return call()
    except ValidationError as error:
        form.add_error(None, error)
        return None


@requires(Capability.VIEW_CATALOG)
def catalog(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """Open cohorts as cards, filtered by program type and goal; htmx gets the results only."""
    filter_form = CatalogFilterForm(request.GET)
    cohorts = selectors.cohort_list_open(organization=request.organization)
    # Cohorts the viewer already takes part in say so instead of offering "Enroll" again.
    enrolled = cohorts.filter(participants__user=request.user, participants__status="active")
    context = {
        "cohorts": list(filter_form.filter(cohorts)),
        "enrolled_cohort_ids": set(enrolled.values_list("pk", flat=True)),
        "filter_form": filter_form,
        "filtered": filter_form.is_filtering,
    }
    if request.htmx:
        return render(request, "programs/_catalog_results.html", context)
    return render(request, "programs/catalog.html", context)


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def program_list(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    show_archived = request.GET.get("archived") == "1"
    programs = selectors.program_list(
        organization=request.organization, include_archived=show_archived
    )
    return render(
        request,
        "programs/program_list.html",
        {"programs": programs, "show_archived": show_archived},
    )


@requires(Capability.MANAGE_PROGRAMS)
def program_create(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        program = _apply(
            form,
            lambda: services.program_create(
                organization=request.organization, actor=request.user, **form.cleaned_data
            ),
        )
        if program is not None:
            messages.success(request, _("Program created. Now add its first cohort."))
            return redirect("programs:program_detail", org_slug=org_slug, program_id=program.pk)
    return render(request, "programs/program_form.html", {"form": form, "program": None})


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def program_detail(request: OrganizationRequest, org_slug: str, program_id: int) -> HttpResponse:
    program = selectors.program_get(organization=request.organization, program_id=program_id)
    cohorts = selectors.cohort_list(organization=request.organization, program=program)
    return render(request, "programs/program_detail.html", {"program": program, "cohorts": cohorts})


@requires(Capability.MANAGE_PROGRAMS)
def program_edit(request: OrganizationRequest, org_slug: str, program_id: int) -> HttpResponse:
    program = selectors.program_get(organization=request.organization, program_id=program_id)
    form = ProgramForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        updated = _apply(
            form,
            lambda: services.program_update(
                organization=request.organization,
                actor=request.user,
                program=program,
                **form.cleaned_data,
            ),
        )
        if updated is not None:
            messages.success(request, _("Program saved."))
            return redirect("programs:program_detail", org_slug=org_slug, program_id=program.pk)
    return render(request, "programs/program_form.html", {"form": form, "program": program})


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def program_archive(request: OrganizationRequest, org_slug: str, program_id: int) -> HttpResponse:
    program = selectors.program_get(organization=request.organization, program_id=program_id)
    services.program_archive(organization=request.organization, actor=request.user, program=program)
    messages.success(request, _("Program archived; it no longer appears in the catalog."))
    return redirect("programs:program_list", org_slug=org_slug)


@requires(Capability.MANAGE_PROGRAMS)
def cohort_create(request: OrganizationRequest, org_slug: str, program_id: int) -> HttpResponse:
    program = selectors.program_get(organization=request.organization, program_id=program_id)
    form = CohortForm(request.POST or None, program_type=program.program_type)
    if request.method == "POST" and form.is_valid():
        cohort = _apply(
            form,
            lambda: services.cohort_create(
                organization=request.organization,
                actor=request.user,
                program=program,
                **form.cleaned_data,
            ),
        )
        if cohort is not None:
            messages.success(
                request, _("Cohort created. Add enrollment questions if you need any.")
            )
            return redirect("programs:cohort_detail", org_slug=org_slug, cohort_id=cohort.pk)
    return render(
        request, "programs/cohort_form.html", {"form": form, "program": program, "cohort": None}
    )


@requires(Capability.VIEW_PROGRAMS_ADMIN)
def cohort_detail(request: OrganizationRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    cohort = selectors.cohort_get(organization=request.organization, cohort_id=cohort_id)
    context = {
        "cohort": cohort,
        "questions": selectors.question_list(organization=request.organization, cohort=cohort),
        "question_form": QuestionForm(),
    }
    return render(request, "programs/cohort_detail.html", context)


@requires(Capability.MANAGE_PROGRAMS)
def cohort_edit(request: OrganizationRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    cohort = selectors.cohort_get(organization=request.organization, cohort_id=cohort_id)
    form = CohortForm(
        request.POST or None, instance=cohort, program_type=cohort.program.program_type
    )
    if request.method == "POST" and form.is_valid():
        updated = _apply(
            form,
            lambda: services.cohort_update(
                organization=request.organization,
                actor=request.user,
                cohort=cohort,
                **form.cleaned_data,
            ),
        )
        if updated is not None:
            messages.success(request, _("Cohort saved."))
            return redirect("programs:cohort_detail", org_slug=org_slug, cohort_id=cohort.pk)
    return render(
        request,
        "programs/cohort_form.html",
        {"form": form, "program": cohort.program, "cohort": cohort},
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def question_add(request: OrganizationRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    """htmx: answers with the refreshed question list; without htmx, redirects back."""
    cohort = selectors.cohort_get(organization=request.organization, cohort_id=cohort_id)
    form = QuestionForm(request.POST)
    if form.is_valid():
        question = _apply(
            form,
            lambda: services.question_create(
                organization=request.organization, cohort=cohort, **form.cleaned_data
            ),
        )
        if question is not None:
            form = QuestionForm()
    context = {
        "cohort": cohort,
        "questions": selectors.question_list(organization=request.organization, cohort=cohort),
        "question_form": form,
    }
    if request.htmx:
        return render(request, "programs/_questions.html", context)
    if form.errors:
        return render(request, "programs/cohort_detail.html", context, status=400)
    return redirect("programs:cohort_detail", org_slug=org_slug, cohort_id=cohort.pk)


@require_POST
@requires(Capability.MANAGE_PROGRAMS)
def question_delete(request: OrganizationRequest, org_slug: str, question_id: int) -> HttpResponse:
    question = selectors.question_get(organization=request.organization, question_id=question_id)
    cohort = question.cohort
    services.question_delete(organization=request.organization, question=question)
    if request.htmx:
        context = {
            "cohort": cohort,
            "questions": selectors.question_list(organization=request.organization, cohort=cohort),
            "question_form": QuestionForm(),
        }
        return render(request, "programs/_questions.html", context)
    return redirect("programs:cohort_detail", org_slug=org_slug, cohort_id=cohort.pk)
