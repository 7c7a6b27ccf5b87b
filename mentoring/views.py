from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.permissions import Capability, requires
from mentoring import health
from mentorships.selectors import mentorship_list_for_user
from organizations.selectors import membership_list_for_user
from participants.selectors import participant_list_for_user
from programs.selectors import cohort_list_open, program_count


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
    context = {
        "open_cohorts": cohort_list_open(organization=organization)[:6],
        "program_count": program_count(organization=organization),
        "my_participations": participant_list_for_user(
            organization=organization, user=request.user
        ),
        "my_mentorships": mentorship_list_for_user(organization=organization, user=request.user),
    }
    return render(request, "organizations/dashboard.html", context)
