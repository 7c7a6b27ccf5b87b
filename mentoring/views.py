from collections import Counter

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.permissions import Capability, requires
from matching.config import config_from_json
from matching.models import RoundStatus
from mentoring import health
from mentorships.selectors import mentorship_list_for_user
from organizations.selectors import membership_list_for_user
from participants.models import ParticipantStatus
from participants.selectors import participant_list_for_user
from programs.selectors import cohort_list, cohort_list_open, program_count


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home.html")
    memberships = list(membership_list_for_user(user=request.user)[:2])
    if len(memberships) == 1:
        return redirect(memberships[0].organization)
    return redirect("organizations:organization_list")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = health.run_checks()
    healthy = all(check.ok for check in checks.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "checks": {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)


@requires(Capability.VIEW_CATALOG)
def dashboard(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The organization's front page: open cohorts for everyone, counts for staff."""
    organization = request.organization
    participations = list(participant_list_for_user(organization=organization, user=request.user))
    mentorships = list(mentorship_list_for_user(organization=organization, user=request.user))
    _set_next_steps(organization, participations, mentorships, request.user)
    _set_partners(mentorships, request.user)
    context = {
        "open_cohorts": cohort_list_open(organization=organization)[:6],
        "enrolled_cohort_ids": {
            p.cohort_id for p in participations if p.status == ParticipantStatus.ACTIVE
        },
        "program_count": program_count(organization=organization),
        "my_participations": participations,
        "my_mentorships": mentorships,
    }
    return render(request, "organizations/dashboard.html", context)


def _set_partners(mentorships, user) -> None:
    """The people the viewer works with in each mentorship, the viewer left out: a mentor sees
    their mentees; a mentee sees the mentor and any fellow mentees of a group."""
    for mentorship in mentorships:
        mentor = mentorship.mentor
        people = [] if mentor.user_id == user.pk else [(mentor, True)]
        people += [(m, False) for m in mentorship.mentees.all() if m.user_id != user.pk]
        mentorship.partners = [{"person": p, "is_mentor": is_mentor} for p, is_mentor in people]
        mentorship.viewer_is_mentor = mentor.user_id == user.pk


def _set_next_steps(organization, participations, mentorships, user) -> None:
    """Each active participation's next step, if one still applies: rank the other side until the
    cohort's round is published, or find a mentor until the mentee has the mentors they want."""
    mentors_found: Counter[int] = Counter()
    for mentorship in mentorships:
        for mentee in mentorship.mentees.all():
            if mentee.user_id == user.pk:
                mentors_found[mentee.pk] += 1
    active = [p for p in participations if p.status == ParticipantStatus.ACTIVE]
    published = set(
        cohort_list(organization=organization)
        .filter(pk__in=[p.cohort_id for p in active], match_rounds__status=RoundStatus.PUBLISHED)
        .values_list("pk", flat=True)
    )
    for participation in participations:
        participation.next_step = None
        if participation.status != ParticipantStatus.ACTIVE:
            continue
        if config_from_json(participation.cohort.matching_settings).collects_preferences:
            if participation.cohort_id not in published and not mentors_found[participation.pk]:
                participation.next_step = "rank"
        elif participation.is_mentee and (
            mentors_found[participation.pk] < participation.mentors_wanted
        ):
            participation.next_step = "find_mentor"
