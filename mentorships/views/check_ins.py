"""Check-ins of a mentorship: the list, booking from the slots both people are free (shown in
each person's zone), moving one in one step, cancelling and saying afterwards how it went.

Every write goes through `mentorships.services.check_ins`; its refusals land on the form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from mentorships import scheduling
from mentorships.models import CheckIn, CheckInRecord, CheckInStatus, Mentorship
from mentorships.selectors import (
    check_in_get,
    check_in_list,
    check_in_slots,
    mentorship_get_for_member,
    mentorship_members,
)
from mentorships.selectors.check_ins import check_in_record_list, check_in_record_of
from mentorships.selectors.home import LocalTime, local_times, zone_label
from mentorships.services import check_ins as check_in_services
from participants.models import Participant
from programs.models import CheckInCadence

DURATIONS = (30, 45, 60, 90)
DEFAULT_DURATION = 45
SLOT_WEEKS = (2, 3)
# Slots start at least this far ahead, so nobody is booked into a meeting that starts now.
SLOT_LEAD = dt.timedelta(hours=1)
SLOT_STEP_MINUTES = 30
DEFAULT_OCCURRENCES = 6
# A program's cadence as the repeat of a series: every N weeks, None for single meetings.
CADENCE_WEEKS: dict[str, int | None] = {
    CheckInCadence.WEEKLY: 1,
    CheckInCadence.BIWEEKLY: 2,
    CheckInCadence.MONTHLY: 4,
    CheckInCadence.AD_HOC: None,
}


# --- Reading times -----------------------------------------------------------------------------


def _viewer_first(viewer: Participant, members: list[Participant]) -> list[Participant]:
    return [viewer, *(p for p in members if p.pk != viewer.pk)]


@dataclass(frozen=True)
class SlotChoice:
    value: str  # the start in UTC, ISO 8601
    times: list[LocalTime]  # the viewer's first
    holidays: list[str]

    @property
    def label(self) -> str:
        """ "Mon 9:00 Tokyo · Sun 21:00 Sao Paulo": every zone, the viewer's first."""
        return " · ".join(f"{date_format(t.at, 'D')} {t.clock} {t.zone_label}" for t in self.times)


@dataclass(frozen=True)
class SlotDay:
    day: str
    slots: list[SlotChoice]


def _iso(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def _slot_days(slots: list[scheduling.Slot], people: list[Participant]) -> list[SlotDay]:
    """Slots grouped by the viewer's (the first person's) local day."""
    days: list[SlotDay] = []
    for slot in slots:
        times = local_times(slot.start, people)
        choice = SlotChoice(
            value=_iso(slot.start),
            times=times,
            holidays=[f"{h.name} ({h.country})" for h in slot.holidays],
        )
        day = date_format(times[0].at, "l j F")
        if not days or days[-1].day != day:
            days.append(SlotDay(day=day, slots=[]))
        days[-1].slots.append(choice)
    return days


def _slot_window(weeks: int) -> tuple[dt.datetime, dt.datetime]:
    begins = timezone.now() + SLOT_LEAD
    begins = begins.replace(second=0, microsecond=0)
    extra = (-begins.minute) % SLOT_STEP_MINUTES
    begins += dt.timedelta(minutes=extra)
    return begins, begins + dt.timedelta(weeks=weeks)


def _int_param(value: str | None, allowed: tuple[int, ...], default: int) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return default
    return number if number in allowed else default


# --- Forms -------------------------------------------------------------------------------------


class _TimeForm(forms.Form):
    """A start: one of the offered slots, or a time of the viewer's own choosing in their
    zone."""

    slot = forms.CharField(required=False, widget=forms.RadioSelect)
    # Read as text: the wall-clock time belongs to the participant's zone, which may differ from
    # the account's zone that Django's DateTimeField would apply.
    custom_start = forms.CharField(
        label=gettext_lazy("Or another time (your time zone)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone

    def clean(self):
        data = super().clean()
        slot, custom = data.get("slot"), data.get("custom_start")
        if custom:
            try:
                data["starts_at"] = dt.datetime.strptime(custom[:16], "%Y-%m-%dT%H:%M").replace(
                    tzinfo=ZoneInfo(self.time_zone)
                )
            except ValueError:
                self.add_error("custom_start", _("Enter a date and time."))
        elif slot:
            try:
                data["starts_at"] = dt.datetime.strptime(slot, "%Y-%m-%dT%H:%MZ").replace(
                    tzinfo=dt.UTC
                )
            except ValueError:
                self.add_error("slot", _("Choose one of the times offered."))
        else:
            self.add_error("slot", _("Choose a time, or type one below."))
        return data


class BookForm(_TimeForm):
    duration = forms.TypedChoiceField(
        label=gettext_lazy("Length"),
        choices=lambda: [(d, _("%(minutes)d minutes") % {"minutes": d}) for d in DURATIONS],
        coerce=int,
        initial=DEFAULT_DURATION,
        widget=forms.Select(attrs={"data-slot-control": ""}),
    )
    agenda = forms.CharField(
        label=gettext_lazy("Agenda"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What you would like to talk about; both of you see it."),
    )
    location = forms.CharField(
        label=gettext_lazy("Video link or place"), required=False, max_length=500
    )
    repeat = forms.BooleanField(label=gettext_lazy("Repeat as a series"), required=False)
    every_weeks = forms.TypedChoiceField(
        label=gettext_lazy("Every"),
        choices=[
            (1, gettext_lazy("week")),
            (2, gettext_lazy("2 weeks")),
            (3, gettext_lazy("3 weeks")),
            (4, gettext_lazy("4 weeks")),
        ],
        coerce=int,
        initial=2,
    )
    occurrences = forms.IntegerField(
        label=gettext_lazy("Times"),
        min_value=2,
        max_value=check_in_services.SERIES_MOST_OCCURRENCES,
        initial=DEFAULT_OCCURRENCES,
    )


class RescheduleForm(_TimeForm):
    pass


class RecordForm(forms.Form):
    happened = forms.TypedChoiceField(
        label=gettext_lazy("Did it happen?"),
        choices=[
            ("yes", gettext_lazy("Yes, we met")),
            ("no", gettext_lazy("No, it did not happen")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    rating = forms.TypedChoiceField(
        label=gettext_lazy("How useful was it? (1 to 5)"),
        choices=[("", "—"), *((n, str(n)) for n in range(1, 6))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@contextmanager
def _refusals_on(form: forms.Form) -> Iterator[None]:
    """A service's refusal beside the input it concerns: a refused start beside the time the
    person chose (an offered slot or their own), the rest by name, or above the form. A missing
    row or a stranger still answers 404 or 403."""
    try:
        yield
    except DomainError as error:
        if error.code in ("not_found", "permission_denied"):
            raise
        field = error.field
        if field == "starts_at":
            field = "custom_start" if form.cleaned_data.get("custom_start") else "slot"
        form.add_error(field if field in form.fields else None, error.message)


# --- Pages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInRow:
    check_in: CheckIn
    times: list[LocalTime]
    my_record: CheckInRecord | None
    records: int

    @property
    def is_past(self) -> bool:
        return self.check_in.starts_at <= timezone.now()

    @property
    def is_cancelled(self) -> bool:
        return self.check_in.status == CheckInStatus.CANCELLED


def _member_page(request: OrganizationRequest, mentorship_id: int):
    return mentorship_get_for_member(
        organization=request.organization, mentorship_id=mentorship_id, user=request.user
    )


def _check_in_for_member(request: OrganizationRequest, check_in_id: int):
    """The check-in, its mentorship and the viewer in it; not found for anyone else."""
    check_in = check_in_get(organization=request.organization, check_in_id=check_in_id)
    mentorship, viewer = mentorship_get_for_member(
        organization=request.organization,
        mentorship_id=check_in.mentorship_id,
        user=request.user,
    )
    return check_in, mentorship, viewer


@requires(Capability.VIEW_CATALOG)
def check_ins(request: OrganizationRequest, org_slug: str, mentorship_id: int) -> HttpResponse:
    organization = request.organization
    mentorship, viewer = _member_page(request, mentorship_id)
    people = _viewer_first(
        viewer, mentorship_members(organization=organization, mentorship=mentorship)
    )
    rows = list(check_in_list(organization=organization, mentorship=mentorship))
    records = list(check_in_record_list(organization=organization, mentorship=mentorship))
    now = timezone.now()
    shown = [
        CheckInRow(
            check_in=c,
            times=local_times(c.starts_at, people),
            my_record=next(
                (r for r in records if r.check_in_id == c.pk and r.participant_id == viewer.pk),
                None,
            ),
            records=sum(1 for r in records if r.check_in_id == c.pk),
        )
        for c in rows
    ]
    upcoming = [r for r in shown if r.check_in.ends_at > now and not r.is_cancelled]
    past = [r for r in reversed(shown) if r not in upcoming]
    return render(
        request,
        "mentorships/check_ins.html",
        {
            "mentorship": mentorship,
            "viewer": viewer,
            "people": people,
            "upcoming": upcoming,
            "past": past,
            "tab": "check_ins",
            "can_book": mentorship.status == "active",
        },
    )


def _slots_context(
    request: OrganizationRequest,
    mentorship: Mentorship,
    people: list[Participant],
    *,
    duration: int,
) -> dict:
    params = request.POST if request.method == "POST" else request.GET
    weeks = _int_param(params.get("weeks"), SLOT_WEEKS, SLOT_WEEKS[0])
    skip_holidays = params.get("skip_holidays") == "1"
    begins, ends = _slot_window(weeks)
    slots = check_in_slots(
        organization=request.organization,
        mentorship=mentorship,
        start=begins,
        end=ends,
        duration=dt.timedelta(minutes=duration),
        skip_holidays=skip_holidays,
    )
    return {
        "slot_days": _slot_days(slots, people),
        "slot_count": len(slots),
        "weeks": weeks,
        "week_choices": SLOT_WEEKS,
        "skip_holidays": skip_holidays,
        "zones": [zone_label(tz) for tz in dict.fromkeys(p.time_zone for p in people)],
    }


def _series_default(mentorship: Mentorship) -> int | None:
    return CADENCE_WEEKS.get(mentorship.cohort.program.default_check_in_cadence, 2)


@requires(Capability.VIEW_CATALOG)
def book(request: OrganizationRequest, org_slug: str, mentorship_id: int) -> HttpResponse:
    organization = request.organization
    mentorship, viewer = _member_page(request, mentorship_id)
    people = _viewer_first(
        viewer, mentorship_members(organization=organization, mentorship=mentorship)
    )
    cadence_weeks = _series_default(mentorship)
    initial = {
        "duration": _int_param(request.GET.get("duration"), DURATIONS, DEFAULT_DURATION),
        "repeat": cadence_weeks is not None,
        "every_weeks": cadence_weeks or 2,
        "occurrences": DEFAULT_OCCURRENCES,
    }
    form = BookForm(request.POST or None, initial=initial, time_zone=viewer.time_zone)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with _refusals_on(form):
            booked = check_in_services.check_in_book(
                organization=organization,
                mentorship=mentorship,
                actor=request.user,
                starts_at=data["starts_at"],
                duration=dt.timedelta(minutes=data["duration"]),
                agenda=data["agenda"],
                location=data["location"],
                every_weeks=data["every_weeks"] if data["repeat"] else None,
                occurrences=data["occurrences"] if data["repeat"] else 1,
            )
        if form.is_valid():
            messages.success(
                request,
                _("Booked. Everyone gets an invitation for their calendar.")
                if len(booked) == 1
                else _(
                    "Booked %(count)d check-ins. Everyone gets an invitation for their calendar."
                )
                % {"count": len(booked)},
            )
            return redirect("mentorships:check_ins", org_slug=org_slug, mentorship_id=mentorship.pk)
    duration = (
        form.cleaned_data.get("duration")
        if form.is_bound and hasattr(form, "cleaned_data")
        else None
    ) or initial["duration"]
    context = {
        "mentorship": mentorship,
        "viewer": viewer,
        "people": people,
        "form": form,
        "tab": "check_ins",
        "cadence": mentorship.cohort.program.get_default_check_in_cadence_display(),
        "selected_slot": form["slot"].value() or "",
        **_slots_context(request, mentorship, people, duration=duration),
    }
    if request.htmx and request.method == "GET":
        return render(request, "mentorships/_slots.html", context)
    return render(
        request,
        "mentorships/book.html",
        context,
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@requires(Capability.VIEW_CATALOG)
def check_in_reschedule(
    request: OrganizationRequest, org_slug: str, check_in_id: int
) -> HttpResponse:
    """Move a check-in, a missed one included, to another slot in one step."""
    organization = request.organization
    check_in, mentorship, viewer = _check_in_for_member(request, check_in_id)
    people = _viewer_first(
        viewer, mentorship_members(organization=organization, mentorship=mentorship)
    )
    form = RescheduleForm(request.POST or None, time_zone=viewer.time_zone)
    if request.method == "POST" and form.is_valid():
        with _refusals_on(form):
            check_in_services.check_in_reschedule(
                organization=organization,
                check_in=check_in,
                actor=request.user,
                starts_at=form.cleaned_data["starts_at"],
            )
        if form.is_valid():
            messages.success(request, _("Moved. Everyone's calendar gets the new time."))
            return redirect("mentorships:check_ins", org_slug=org_slug, mentorship_id=mentorship.pk)
    duration = int((check_in.ends_at - check_in.starts_at).total_seconds() // 60)
    context = {
        "mentorship": mentorship,
        "viewer": viewer,
        "people": people,
        "form": form,
        "check_in": check_in,
        "current_times": local_times(check_in.starts_at, people),
        "tab": "check_ins",
        "selected_slot": form["slot"].value() or "",
        "reschedule": True,
        **_slots_context(request, mentorship, people, duration=duration),
    }
    if request.htmx and request.method == "GET":
        return render(request, "mentorships/_slots.html", context)
    return render(
        request,
        "mentorships/book.html",
        context,
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_POST
@requires(Capability.VIEW_CATALOG)
def check_in_cancel(request: OrganizationRequest, org_slug: str, check_in_id: int) -> HttpResponse:
    check_in, mentorship, _viewer = _check_in_for_member(request, check_in_id)
    check_in_services.check_in_cancel(
        organization=request.organization,
        check_in=check_in,
        actor=request.user,
        reason=request.POST.get("reason", "")[:500],
    )
    messages.success(request, _("Cancelled. Everyone's calendar drops it."))
    return redirect("mentorships:check_ins", org_slug=org_slug, mentorship_id=mentorship.pk)


def _not_recordable_yet(check_in: CheckIn, viewer: Participant) -> str:
    """Why the viewer cannot say how this check-in went, or "" when they can."""
    if check_in.status != CheckInStatus.SCHEDULED:
        return _("This check-in was cancelled, so there is nothing to record.")
    if check_in.starts_at > timezone.now():
        (mine,) = local_times(check_in.starts_at, [viewer])
        return _(
            "This check-in starts on %(day)s at %(clock)s (%(zone)s time). "
            "You can say how it went once it has started."
        ) % {"day": mine.day, "clock": mine.clock, "zone": mine.zone_label}
    return ""


@requires(Capability.VIEW_CATALOG)
def check_in_record(request: OrganizationRequest, org_slug: str, check_in_id: int) -> HttpResponse:
    """Each member's quick account of a check-in once it has started."""
    organization = request.organization
    check_in, mentorship, viewer = _check_in_for_member(request, check_in_id)
    if request.method == "GET":
        # The service refuses a note on a cancelled or future check-in; showing its form first
        # would let someone fill it in only to be turned away on Save.
        refusal = _not_recordable_yet(check_in, viewer)
        if refusal:
            messages.info(request, refusal)
            return redirect("mentorships:detail", org_slug=org_slug, mentorship_id=mentorship.pk)
    existing = check_in_record_of(organization=organization, check_in=check_in, participant=viewer)
    initial = (
        {
            "happened": "yes" if existing.happened else "no",
            "rating": existing.rating or "",
            "comment": existing.comment,
        }
        if existing
        else {}
    )
    form = RecordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with _refusals_on(form):
            check_in_services.check_in_record(
                organization=organization,
                check_in=check_in,
                actor=request.user,
                happened=data["happened"],
                rating=data["rating"],
                comment=data["comment"],
            )
        if form.is_valid():
            messages.success(request, _("Thank you: your note on this check-in is saved."))
            return redirect("mentorships:check_ins", org_slug=org_slug, mentorship_id=mentorship.pk)
    people = _viewer_first(
        viewer, mentorship_members(organization=organization, mentorship=mentorship)
    )
    return render(
        request,
        "mentorships/record.html",
        {
            "mentorship": mentorship,
            "check_in": check_in,
            "times": local_times(check_in.starts_at, people),
            "form": form,
            "tab": "check_ins",
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
