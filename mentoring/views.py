from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.http import OrganizationRequest
from core.permissions import Capability, requires
from mentoring import health
from mentoring.home import admin_home, participant_home
from organizations.permissions import role_can
from organizations.selectors import membership_list_for_user


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


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and feed readers ask for /favicon.ico whatever the page links: the shipped icon
    (its static address is known only at run time, once the manifest is loaded)."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))


@requires(Capability.VIEW_CATALOG)
def dashboard(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """The organization's home: the program team's figures and decisions for those who run
    programs, and the viewer's own mentorships, enrollments and the catalog for everyone."""
    organization = request.organization
    can_run_programs = role_can(request.membership.role, Capability.VIEW_PROGRAMS_ADMIN)
    context = {
        "admin_home": admin_home(organization=organization) if can_run_programs else None,
        # The program team has the catalog in the navigation; their home lists the programs.
        "participant_home": participant_home(
            organization=organization, user=request.user, with_catalog=not can_run_programs
        ),
    }
    return render(request, "organizations/dashboard.html", context)
