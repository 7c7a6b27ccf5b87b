from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import service_errors_on
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from participants import selectors, services
from participants.csv_io import ImportRejected, participant_export_rows, participant_import
from participants.forms import AdminParticipantForm, ImportForm, ParticipantFilterForm, ProfileForm
from participants.selectors import ParticipantFilters
from programs.selectors import cohort_get, question_list

LIST_PAGE_SIZE = 50


@requires(Capability.ENROLL)
def enroll(request: OrganizationRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    organization = request.organization
    cohort = cohort_get(organization=organization, cohort_id=cohort_id)
    questions = list(question_list(organization=organization, cohort=cohort))
    current = selectors.participant_get_for_user(
        organization=organization, cohort=cohort, user=request.user
    )
    if current is not None:
        return render(
            request,
            "participants/enrolled.html",
            {"cohort": cohort, "participant": current, "just_enrolled": False},
        )
    form = ProfileForm(
        request.POST or None,
        questions=questions,
        browser_time_zone=timezone.get_current_timezone_name(),
        program_type=cohort.program.program_type,
    )
    if not cohort.is_enrollment_open:
        messages.error(request, _("Enrollment for this cohort is closed."))
    elif request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            participant = services.participant_enroll(
                organization=organization,
                cohort=cohort,
                user=request.user,
                data=form.profile_data(),
            )
        if form.is_valid():
            messages.success(
                request, _("You are enrolled. We will let you know when you are matched.")
            )
            return render(
                request,
                "participants/enrolled.html",
                {"cohort": cohort, "participant": participant, "just_enrolled": True},
            )
    return render(request, "participants/enroll.html", {"cohort": cohort, "form": form})


def _filters(form: ParticipantFilterForm) -> ParticipantFilters:
    if not form.is_valid():
        return ParticipantFilters()
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    return ParticipantFilters(**data)


@requires(Capability.VIEW_PARTICIPANTS)
def participant_list(request: OrganizationRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    organization = request.organization
    cohort = cohort_get(organization=organization, cohort_id=cohort_id)
    facets = selectors.participant_facets(organization=organization, cohort=cohort)
    filter_form = ParticipantFilterForm(request.GET or None, facets=facets)
    participants = selectors.participant_list(
        organization=organization, cohort=cohort, filters=_filters(filter_form)
    )
    counts = selectors.participant_counts(participants=participants)
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    offset = (page - 1) * LIST_PAGE_SIZE
    rows = list(participants[offset : offset + LIST_PAGE_SIZE])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "cohort": cohort,
        "participants": rows,
        "counts": counts,
        "filter_form": filter_form,
        "page": page,
        "has_next": offset + LIST_PAGE_SIZE < counts["total"],
        "query": query.urlencode(),
    }
    template = (
        "participants/_participant_table.html"
        if request.htmx
        else "participants/participant_list.html"
    )
    return render(request, template, context)


@requires(Capability.MANAGE_PARTICIPANTS)
def participant_create(request: OrganizationRequest, org_slug: str, cohort_id: int) -> HttpResponse:
    organization = request.organization
    cohort = cohort_get(organization=organization, cohort_id=cohort_id)
    questions = list(question_list(organization=organization, cohort=cohort))
    form = AdminParticipantForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        data = form.profile_data()
        email = data.pop("email")
        with service_errors_on(form):
            services.participant_create(
                organization=organization, cohort=cohort, actor=request.user, email=email, data=data
            )
        if form.is_valid():
            messages.success(request, _("%(email)s added.") % {"email": email})
            return redirect("participants:participant_list", org_slug=org_slug, cohort_id=cohort.pk)
    return render(
        request,
        "participants/participant_form.html",
        {"cohort": cohort, "form": form, "participant": None},
    )


@requires(Capability.MANAGE_PARTICIPANTS)
def participant_edit(
    request: OrganizationRequest, org_slug: str, participant_id: int
) -> HttpResponse:
    organization = request.organization
    participant = selectors.participant_get(
        organization=organization, participant_id=participant_id
    )
    cohort = participant.cohort
    questions = list(question_list(organization=organization, cohort=cohort))
    initial = {
        **ProfileForm.initial_from(participant),
        "email": participant.email,
        "full_name": participant.full_name,
    }
    form = AdminParticipantForm(request.POST or None, questions=questions, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            services.participant_update(
                organization=organization,
                participant=participant,
                actor=request.user,
                data=form.profile_data(),
            )
        if form.is_valid():
            messages.success(request, _("Participant saved."))
            return redirect("participants:participant_list", org_slug=org_slug, cohort_id=cohort.pk)
    return render(
        request,
        "participants/participant_form.html",
        {"cohort": cohort, "form": form, "participant": participant},
    )


@require_POST
@requires(Capability.MANAGE_PARTICIPANTS)
def participant_withdraw(
    request: OrganizationRequest, org_slug: str, participant_id: int
) -> HttpResponse:
    organization = request.organization
    participant = selectors.participant_get(
        organization=organization, participant_id=participant_id
    )
    services.participant_withdraw(
        organization=organization, participant=participant, actor=request.user
    )
    messages.success(request, _("%(name)s was withdrawn.") % {"name": participant.full_name})
    return redirect(
        "participants:participant_list", org_slug=org_slug, cohort_id=participant.cohort_id
    )


@require_POST
@requires(Capability.MANAGE_PARTICIPANTS)
def participant_reinstate(
    request: OrganizationRequest, org_slug: str, participant_id: int
) -> HttpResponse:
    organization = request.organization
    participant = selectors.participant_get(
        organization=organization, participant_id=participant_id
    )
    services.participant_reinstate(
        organization=organization, participant=participant, actor=request.user
    )
    messages.success(request, _("%(name)s is active again.") % {"name": participant.full_name})
    return redirect(
        "participants:participant_list", org_slug=org_slug, cohort_id=participant.cohort_id
    )


@requires(Capability.MANAGE_PARTICIPANTS)
def participant_import_view(
    request: OrganizationRequest, org_slug: str, cohort_id: int
) -> HttpResponse:
    organization = request.organization
    cohort = cohort_get(organization=organization, cohort_id=cohort_id)
    questions = list(question_list(organization=organization, cohort=cohort))
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors = []
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = participant_import(
                organization=organization,
                cohort=cohort,
                actor=request.user,
                upload=upload,
                name=upload.name,
                content_type=upload.content_type or "",
                size=upload.size,
            )
        except ImportRejected as rejected:
            row_errors = rejected.errors
            status = 400
        else:
            messages.success(request, _("Imported %(n)d participants.") % {"n": created})
            return redirect("participants:participant_list", org_slug=org_slug, cohort_id=cohort.pk)
    elif request.method == "POST":
        status = 400
    context = {"cohort": cohort, "form": form, "row_errors": row_errors, "questions": questions}
    return render(request, "participants/participant_import.html", context, status=status)


class _Echo:
    def write(self, value: str) -> str:
        return value


@requires(Capability.VIEW_PARTICIPANTS)
def participant_export(
    request: OrganizationRequest, org_slug: str, cohort_id: int
) -> StreamingHttpResponse:
    organization = request.organization
    cohort = cohort_get(organization=organization, cohort_id=cohort_id)
    questions = list(question_list(organization=organization, cohort=cohort))
    participants = selectors.participant_list(organization=organization, cohort=cohort)
    writer = csv.writer(_Echo())
    rows = participant_export_rows(participants=participants, questions=questions)
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    filename = f"{slugify(cohort.program.name)}-{slugify(cohort.name)}-{timezone.now():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
