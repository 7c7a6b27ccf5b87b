from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.http import OrganizationRequest
from core.permissions import Capability, requires
from notifications import selectors, services

PAGE_SIZE = 50


@requires(Capability.VIEW_CATALOG)
def notification_list(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    notifications = selectors.notification_list(
        organization=request.organization, user=request.user
    )
    return render(
        request,
        "notifications/notification_list.html",
        {"notifications": notifications[:PAGE_SIZE]},
    )


@require_POST
@requires(Capability.VIEW_CATALOG)
def notification_mark_read(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    services.notifications_mark_read(organization=request.organization, user=request.user)
    return redirect("notifications:notification_list", org_slug=org_slug)
