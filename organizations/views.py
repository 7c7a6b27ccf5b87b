from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.forms import service_errors_on
from core.http import AuthenticatedRequest, OrganizationRequest
from core.permissions import requires
from organizations import selectors, services
from organizations.forms import APIKeyForm, InvitationForm, OrganizationForm, RoleForm
from organizations.models import Role
from organizations.permissions import ASSIGNABLE_ROLES, Capability


@login_required
def organization_list(request: AuthenticatedRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            organization = services.organization_create(
                name=form.cleaned_data["name"], owner=request.user
            )
        if form.is_valid():
            messages.success(request, _("%(name)s is ready.") % {"name": organization.name})
            return redirect(organization)
    memberships = selectors.membership_list_for_user(user=request.user)
    return render(
        request, "organizations/organization_list.html", {"memberships": memberships, "form": form}
    )


@requires(Capability.MANAGE_MEMBERS)
def member_list(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = InvitationForm(
        request.POST or None, assignable_roles=ASSIGNABLE_ROLES.get(request.membership.role, ())
    )
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            services.invitation_create(
                organization=organization, invited_by=request.membership, **form.cleaned_data
            )
        if form.is_valid():
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("organizations:member_list", org_slug=organization.slug)
    context = {
        "members": selectors.membership_list(organization=organization),
        "invitations": selectors.invitation_list_pending(organization=organization),
        "form": form,
        "assignable_roles": [
            (value, label)
            for value, label in Role.choices  # RoleForm's choices
            if value in ASSIGNABLE_ROLES.get(request.membership.role, ())
        ],
    }
    return render(request, "organizations/member_list.html", context)


@require_POST
@requires(Capability.MANAGE_MEMBERS)
def member_change_role(
    request: OrganizationRequest, org_slug: str, membership_id: int
) -> HttpResponse:
    organization = request.organization
    membership = selectors.membership_get(organization=organization, membership_id=membership_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        services.membership_change_role(
            organization=organization,
            actor=request.membership,
            membership=membership,
            role=form.cleaned_data["role"],
        )
        messages.success(request, _("Role updated."))
    else:
        messages.error(request, _("Choose a valid role."))
    return redirect("organizations:member_list", org_slug=organization.slug)


@require_POST
@requires(Capability.VIEW_CATALOG)
def member_remove(request: OrganizationRequest, org_slug: str, membership_id: int) -> HttpResponse:
    """Admins remove anyone; every member may remove themselves (leave)."""
    organization = request.organization
    membership = selectors.membership_get(organization=organization, membership_id=membership_id)
    services.membership_remove(
        organization=organization, actor=request.membership, membership=membership
    )
    if membership.pk == request.membership.pk:
        messages.success(request, _("You left %(name)s.") % {"name": organization.name})
        return redirect("organizations:organization_list")
    messages.success(request, _("Member removed."))
    return redirect("organizations:member_list", org_slug=organization.slug)


@require_POST
@requires(Capability.MANAGE_MEMBERS)
def invitation_revoke(
    request: OrganizationRequest, org_slug: str, invitation_id: int
) -> HttpResponse:
    invitation = selectors.invitation_get(
        organization=request.organization, invitation_id=invitation_id
    )
    services.invitation_revoke(
        organization=request.organization, actor=request.membership, invitation=invitation
    )
    messages.success(request, _("Invitation revoked."))
    return redirect("organizations:member_list", org_slug=org_slug)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_get_by_token(token=token)
    if invitation is None or not invitation.is_pending:
        return render(request, "organizations/invitation_invalid.html", status=404)
    if not request.user.is_authenticated:
        # Remembered so that sign-up or sign-in brings the person back here.
        request.session["pending_invitation_token"] = token
        return render(request, "organizations/invitation_accept.html", {"invitation": invitation})
    if request.method == "POST":
        membership = services.invitation_accept(token=token, user=request.user)
        request.session.pop("pending_invitation_token", None)
        messages.success(
            request, _("Welcome to %(name)s.") % {"name": membership.organization.name}
        )
        return redirect(membership.organization)
    return render(request, "organizations/invitation_accept.html", {"invitation": invitation})


# A key just created waits here for the page the POST redirects to, which shows it once and
# removes it: a reload shows it no more, and never repeats the POST (a second key).
NEW_API_KEY_SESSION_KEY = "organizations.new_api_key"


def _new_api_key_take(request: OrganizationRequest) -> str:
    """This organization's freshly created key, once; another organization's keeps waiting."""
    kept = request.session.get(NEW_API_KEY_SESSION_KEY)
    if not isinstance(kept, dict) or kept.get("organization") != request.organization.pk:
        return ""
    del request.session[NEW_API_KEY_SESSION_KEY]
    return str(kept.get("key", ""))


@requires(Capability.MANAGE_API_KEYS)
def api_key_list(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    allowed = services.allowed_api_key_scopes(request.membership.role)
    form = APIKeyForm(request.POST or None, allowed_scopes=allowed)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            _api_key, new_key = services.api_key_create(
                organization=organization, actor=request.membership, **form.cleaned_data
            )
        if form.is_valid():
            request.session[NEW_API_KEY_SESSION_KEY] = {
                "organization": organization.pk,
                "key": new_key,
            }
            return redirect("organizations:api_key_list", org_slug=org_slug)
    context = {
        "api_keys": selectors.api_key_list(organization=organization),
        "form": form,
        "new_key": _new_api_key_take(request) if request.method == "GET" else "",
    }
    return render(request, "organizations/api_key_list.html", context)


@require_POST
@requires(Capability.MANAGE_API_KEYS)
def api_key_revoke(request: OrganizationRequest, org_slug: str, api_key_id: str) -> HttpResponse:
    api_key = selectors.api_key_get(organization=request.organization, api_key_id=api_key_id)
    services.api_key_revoke(
        organization=request.organization, actor=request.membership, api_key=api_key
    )
    messages.success(request, _("The key was revoked; requests using it now fail."))
    return redirect("organizations:api_key_list", org_slug=org_slug)


AUDIT_PAGE_SIZE = 100
# What each recorded action code means to a person reading the log. An unknown code (one added
# without a label here) is shown as it is.
AUDIT_ACTION_LABELS = {
    "api_key.create": gettext_lazy("API key created"),
    "api_key.revoke": gettext_lazy("API key revoked"),
    "cohort.create": gettext_lazy("Cohort created"),
    "cohort.update": gettext_lazy("Cohort edited"),
    "invitation.accept": gettext_lazy("Invitation accepted"),
    "invitation.create": gettext_lazy("Invitation sent"),
    "invitation.revoke": gettext_lazy("Invitation revoked"),
    "matching.settings": gettext_lazy("Matching settings changed"),
    "membership.remove": gettext_lazy("Member removed"),
    "membership.role_change": gettext_lazy("Member's role changed"),
    "mentor_request.approve": gettext_lazy("Mentor request approved"),
    "mentor_request.create": gettext_lazy("Mentor requested"),
    "organization.create": gettext_lazy("Organization created"),
    "pair.forbid": gettext_lazy("Pair forbidden"),
    "pair.pin": gettext_lazy("Pair pinned"),
    "participant.create": gettext_lazy("Participant added"),
    "participant.enroll": gettext_lazy("Participant enrolled"),
    "participant.import": gettext_lazy("Participants imported"),
    "participant.reinstate": gettext_lazy("Participant reinstated"),
    "participant.update": gettext_lazy("Participant edited"),
    "participant.withdraw": gettext_lazy("Participant withdrawn"),
    "preferences.save": gettext_lazy("Match preferences saved"),
    "program.archive": gettext_lazy("Program archived"),
    "program.create": gettext_lazy("Program created"),
    "program.update": gettext_lazy("Program edited"),
    "proposal.approve_many": gettext_lazy("Pairs approved together"),
    "proposal.reject_many": gettext_lazy("Pairs rejected together"),
    "proposal.swap": gettext_lazy("Mentors swapped"),
    "round.publish": gettext_lazy("Match round published"),
    "round.rerun": gettext_lazy("Match round run again"),
    "round.start": gettext_lazy("Match round started"),
}


@requires(Capability.VIEW_AUDIT_LOG)
def audit_log(request: OrganizationRequest, org_slug: str) -> HttpResponse:
    entries = selectors.audit_log_list(organization=request.organization)
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    offset = (page - 1) * AUDIT_PAGE_SIZE
    rows = list(entries[offset : offset + AUDIT_PAGE_SIZE + 1])
    for entry in rows:
        entry.action_label = AUDIT_ACTION_LABELS.get(entry.action, entry.action)
    context = {
        "entries": rows[:AUDIT_PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > AUDIT_PAGE_SIZE,
    }
    return render(request, "organizations/audit_log.html", context)
