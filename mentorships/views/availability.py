"""Each person's weekly availability, in their own time zone: the windows in which the
booking page offers slots. A person in several cohorts of the organization edits each
participation's week (they may keep different hours for each)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from mentorships.selectors import availability_of
from mentorships.selectors.availability import availability_list
from mentorships.selectors.home import zone_label
from mentorships.services.availability import MOST_WINDOWS, Window, availability_replace
from participants.models import ParticipantStatus, WeeklyAvailability
from participants.selectors import participant_list_for_user

EXTRA_ROWS = 3


class WindowForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Day"),
        choices=[("", "—"), *WeeklyAvailability.Weekday.choices],
        coerce=int,
    )
    starts_at = forms.TimeField(
        label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends_at = forms.TimeField(
        label=gettext_lazy("Until"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


class BaseWindowFormSet(forms.BaseFormSet):
    def windows(self) -> list[Window]:
        return [
            Window(
                f.cleaned_data["weekday"], f.cleaned_data["starts_at"], f.cleaned_data["ends_at"]
            )
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


# The stubs type formset_factory's class as the base formset; it subclasses `formset`.
WindowFormSet = cast(
    type[BaseWindowFormSet],
    forms.formset_factory(
        WindowForm,
        formset=BaseWindowFormSet,
        extra=EXTRA_ROWS,
        can_delete=True,
        max_num=MOST_WINDOWS,
        absolute_max=MOST_WINDOWS + EXTRA_ROWS,
    ),
)


@requires(Capability.VIEW_CATALOG)
def availability(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    participations = [
        p
        for p in participant_list_for_user(organization=organization, user=request.user)
        if p.status == ParticipantStatus.ACTIVE
    ]
    chosen = request.GET.get("participant", "")
    participant = next((p for p in participations if str(p.pk) == chosen), None) or (
        participations[0] if participations else None
    )
    context: dict = {"participations": participations, "participant": participant}
    if participant is None:
        return render(request, "mentorships/availability.html", context)
    rows = availability_list(organization=organization, participant=participant)
    formset = WindowFormSet(
        request.POST or None,
        initial=[
            {"weekday": r.weekday, "starts_at": r.starts_at, "ends_at": r.ends_at} for r in rows
        ],
        prefix="windows",
    )
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            availability_replace(
                organization=organization,
                participant=participant,
                actor=request.user,
                windows=formset.windows(),
            )
        except DomainError as error:
            if error.field != "windows":
                raise
            errors = [error.message]
        if not errors:
            messages.success(request, _("Your availability is saved. Booking offers these times."))
            url = request.path + (
                f"?participant={participant.pk}" if len(participations) > 1 else ""
            )
            return redirect(url)
    week = availability_of(organization=organization, participant=participant)
    context.update(
        {
            "formset": formset,
            "errors": errors,
            "zone": participant.time_zone,
            "zone_label": zone_label(participant.time_zone),
            "uses_working_hours": not rows.exists() and bool(week.windows),
            "week": _week_lines(week.windows),
            "most": MOST_WINDOWS,
        }
    )
    invalid = request.method == "POST" and (errors or not formset.is_valid())
    return render(request, "mentorships/availability.html", context, status=400 if invalid else 200)


def _week_lines(windows) -> list[tuple[str, list[str]]]:
    """Each day with its windows as text, for the summary beside the editor."""
    lines = []
    for day, label in WeeklyAvailability.Weekday.choices:
        spans = [
            f"{w.start_minute // 60}:{w.start_minute % 60:02d}\N{EN DASH}"
            f"{(w.end_minute // 60) % 24}:{w.end_minute % 60:02d}"
            for w in sorted(windows, key=lambda w: w.start_minute)
            if w.weekday == day
        ]
        lines.append((str(label), spans))
    return lines
