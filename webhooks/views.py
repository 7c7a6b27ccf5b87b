"""Settings → Webhooks: owners and admins register endpoints and read their delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import service_errors_on
from core.http import OrganizationRequest
from core.permissions import Capability, requires
from webhooks import selectors, services
from webhooks.forms import EndpointEditForm, EndpointForm
from webhooks.models import WebhookEndpoint

# The secret of an endpoint just added or rotated waits here for the page the POST redirects
# to, which shows it once and removes it: reloading that page, or going back to it, shows it no
# more, and reloading never repeats the POST (a second endpoint, a second rotation).
NEW_SECRET_SESSION_KEY = "webhooks.new_secret"  # noqa: S105 (a session key, not a secret)


def _new_secret_keep(request: OrganizationRequest, endpoint: WebhookEndpoint, secret: str) -> None:
    request.session[NEW_SECRET_SESSION_KEY] = {"endpoint": endpoint.pk, "secret": secret}


def _new_secret_take(request: OrganizationRequest, endpoint: WebhookEndpoint) -> str:
    """The endpoint's freshly made secret, once; another endpoint's page leaves it waiting."""
    kept = request.session.get(NEW_SECRET_SESSION_KEY)
    if not isinstance(kept, dict) or kept.get("endpoint") != endpoint.pk:
        return ""
    del request.session[NEW_SECRET_SESSION_KEY]
    return str(kept.get("secret", ""))


@requires(Capability.MANAGE_WEBHOOKS)
def endpoint_list(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            endpoint = services.webhook_endpoint_create(
                organization=organization, actor=request.user, **form.cleaned_data
            )
        if form.is_valid():
            _new_secret_keep(request, endpoint, endpoint.secret)
            messages.success(request, _("Endpoint added."))
            return redirect("webhooks:endpoint_detail", org_slug, endpoint.pk)
    context = {
        "endpoints": selectors.webhook_endpoint_list(organization=organization),
        "form": form,
    }
    return render(request, "webhooks/endpoint_list.html", context)


@requires(Capability.MANAGE_WEBHOOKS)
def endpoint_detail(
    request: OrganizationRequest, org_slug: str, webhook_endpoint_id: int
) -> HttpResponse:
    endpoint = selectors.webhook_endpoint_get(
        organization=request.organization, webhook_endpoint_id=webhook_endpoint_id
    )
    if request.method == "POST":
        form = EndpointEditForm(request.POST)
        if form.is_valid():
            with service_errors_on(form):
                services.webhook_endpoint_update(
                    organization=request.organization, endpoint=endpoint, **form.cleaned_data
                )
            if form.is_valid():
                messages.success(request, _("Endpoint saved."))
                return redirect("webhooks:endpoint_detail", org_slug, endpoint.pk)
        return _endpoint_page(request, endpoint, form=form, status=400)
    return _endpoint_page(request, endpoint, new_secret=_new_secret_take(request, endpoint))


def _endpoint_page(
    request: OrganizationRequest,
    endpoint: WebhookEndpoint,
    *,
    form: EndpointEditForm | None = None,
    new_secret: str = "",
    status: int = 200,
) -> HttpResponse:
    form = form or EndpointEditForm(
        initial={
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": endpoint.event_types,
            "is_active": endpoint.is_active,
        }
    )
    context = {
        "endpoint": endpoint,
        "form": form,
        "new_secret": new_secret,
        "deliveries": selectors.webhook_delivery_list(
            organization=request.organization, endpoint=endpoint
        ),
    }
    return render(request, "webhooks/endpoint_detail.html", context, status=status)


@require_POST
@requires(Capability.MANAGE_WEBHOOKS)
def endpoint_rotate_secret(
    request: OrganizationRequest, org_slug: str, webhook_endpoint_id: int
) -> HttpResponse:
    endpoint = selectors.webhook_endpoint_get(
        organization=request.organization, webhook_endpoint_id=webhook_endpoint_id
    )
    new_secret = services.webhook_endpoint_rotate_secret(
        organization=request.organization, endpoint=endpoint
    )
    _new_secret_keep(request, endpoint, new_secret)
    return redirect("webhooks:endpoint_detail", org_slug, endpoint.pk)


@require_POST
@requires(Capability.MANAGE_WEBHOOKS)
def endpoint_send_test(
    request: OrganizationRequest, org_slug: str, webhook_endpoint_id: int
) -> HttpResponse:
    endpoint = selectors.webhook_endpoint_get(
        organization=request.organization, webhook_endpoint_id=webhook_endpoint_id
    )
    services.webhook_endpoint_send_test(organization=request.organization, endpoint=endpoint)
    messages.success(
        request, _("A test event is on its way; its delivery appears in the log below.")
    )
    return redirect("webhooks:endpoint_detail", org_slug, endpoint.pk)


@require_POST
@requires(Capability.MANAGE_WEBHOOKS)
def endpoint_delete(
    request: OrganizationRequest, org_slug: str, webhook_endpoint_id: int
) -> HttpResponse:
    endpoint = selectors.webhook_endpoint_get(
        organization=request.organization, webhook_endpoint_id=webhook_endpoint_id
    )
    services.webhook_endpoint_delete(organization=request.organization, endpoint=endpoint)
    messages.success(request, _("Endpoint deleted; it receives no more events."))
    return redirect("webhooks:endpoint_list", org_slug)


@requires(Capability.MANAGE_WEBHOOKS)
def delivery_detail(
    request: OrganizationRequest, org_slug: str, webhook_delivery_id: int
) -> HttpResponse:
    delivery = selectors.webhook_delivery_get(
        organization=request.organization, webhook_delivery_id=webhook_delivery_id
    )
    context = {
        "delivery": delivery,
        "endpoint": delivery.endpoint,
        "attempts": selectors.delivery_attempt_list(
            organization=request.organization, delivery=delivery
        ),
        "body": services.message_body(delivery.message),
    }
    return render(request, "webhooks/delivery_detail.html", context)


@require_POST
@requires(Capability.MANAGE_WEBHOOKS)
def delivery_replay(
    request: OrganizationRequest, org_slug: str, webhook_delivery_id: int
) -> HttpResponse:
    delivery = selectors.webhook_delivery_get(
        organization=request.organization, webhook_delivery_id=webhook_delivery_id
    )
    services.webhook_delivery_replay(organization=request.organization, delivery=delivery)
    messages.success(request, _("The delivery is sent again now."))
    return redirect("webhooks:endpoint_detail", org_slug, delivery.endpoint_id)
