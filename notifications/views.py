from django.apps import apps
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from notifications import selectors, services
from notifications.models import EmailKind

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


@requires(Capability.VIEW_CATALOG)
def preferences(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    """One switch per kind of email; a post saves them all (an unticked box is off)."""
    organization = request.organization
    if request.method == "POST":
        chosen = set(request.POST.getlist("kinds"))
        for kind in EmailKind.values:
            services.email_preference_set(
                organization=organization, user=request.user, kind=kind, enabled=kind in chosen
            )
        messages.success(request, _("Your email choices are saved."))
        return redirect("notifications:preferences", org_slug=org_slug)
    current = selectors.email_preferences_of(organization=organization, user=request.user)
    kinds = [(kind, label, current[kind]) for kind, label in EmailKind.choices]
    return render(request, "notifications/preferences.html", {"kinds": kinds})


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an email: no sign-in. A GET only asks (mail scanners follow links); the
    button's POST turns that one kind of email off."""
    link = services.unsubscribe_read(token)
    # By name: the organizations app sits above this one (docs/architecture.md).
    organization_model = apps.get_model("organizations", "Organization")
    organization = (
        organization_model.objects.filter(pk=link.organization_id).first() if link else None
    )
    user = User.objects.filter(pk=link.user_id).first() if link else None
    if link is None or organization is None or user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    context = {
        "kind_label": EmailKind(link.kind).label,
        "unsubscribed_from": organization,
        "done": False,
    }
    if request.method == "POST":
        services.email_preference_set(
            organization=organization, user=user, kind=link.kind, enabled=False
        )
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)
