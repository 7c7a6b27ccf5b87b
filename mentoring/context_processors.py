"""What the app shell (templates/base.html) needs on every page: the section the page belongs to
and, for people who run programs, how many decisions wait for them."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from mentoring.selectors import DecisionCounts, decision_counts
from organizations.permissions import Capability, role_can

# Pages a participant opens about their own mentoring belong to "My mentorships".
_OWN_MATCHING_PAGES = {
    "find_mentor",
    "preferences",
    "mentor_request_inbox",
    "mentor_request_respond",
}
_CATALOG_PAGES = {"catalog", "enroll", "enrolled"}
_SETTINGS_PAGES = {"api_key_list", "api_key_revoke", "audit_log"}
_PEOPLE_PAGES = {"member_list", "member_change_role", "member_remove", "invitation_revoke"}


def nav_section(request: HttpRequest) -> str:
    """The navigation section of the page `request` asks for ("" when none applies)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    namespace, name = match.namespace, match.url_name or ""
    if not namespace:
        return "home" if name == "dashboard" else ""
    if name in _CATALOG_PAGES:
        return "catalog"
    if namespace in ("programs", "participants"):
        return "programs"
    if namespace == "matching":
        return "mentorships" if name in _OWN_MATCHING_PAGES else "matching"
    if namespace == "organizations":
        if name in _SETTINGS_PAGES:
            return "settings"
        return "people" if name in _PEOPLE_PAGES else ""
    if namespace == "mentorships":
        return "mentorships"
    if namespace == "webhooks":
        return "settings"
    if namespace == "notifications":
        return "notifications"
    if namespace == "surveys":
        return "surveys"
    if namespace == "analytics" and name.startswith(("dashboard", "fairness")):
        return "insights"
    return ""


def app_shell(request: HttpRequest) -> dict:
    organization = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    section = nav_section(request)
    cached: list[DecisionCounts | None] = []

    def counts() -> DecisionCounts | None:
        # Lazy and once per page: one query, only when the navigation draws the badge for
        # someone who runs programs.
        if not cached:
            runs_programs = (
                organization is not None
                and membership is not None
                and role_can(membership.role, Capability.VIEW_PROGRAMS_ADMIN)
            )
            cached.append(
                decision_counts(organization=organization)
                if runs_programs and organization is not None
                else None
            )
        return cached[0]

    decisions: Callable[[], DecisionCounts | None] = counts
    return {
        "nav_section": section,
        "nav_current": {section: True} if section else {},
        "nav_decisions": decisions,
    }
