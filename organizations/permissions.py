"""What each role may do. The only place that maps roles to capabilities."""

from __future__ import annotations

from core.permissions import Capability
from organizations.models import Role

__all__ = ["ASSIGNABLE_ROLES", "ROLE_CAPABILITIES", "Capability", "role_can"]


_EVERYONE = {Capability.VIEW_CATALOG, Capability.ENROLL}
_READ_ADMIN = {Capability.VIEW_PROGRAMS_ADMIN, Capability.VIEW_PARTICIPANTS}
_PROGRAM_WORK = {Capability.MANAGE_PROGRAMS, Capability.MANAGE_PARTICIPANTS}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OWNER: frozenset(Capability),
    Role.ADMIN: frozenset(Capability),
    Role.PROGRAM_MANAGER: frozenset(_EVERYONE | _READ_ADMIN | _PROGRAM_WORK),
    Role.HR_ANALYST: frozenset(
        _EVERYONE | _READ_ADMIN | {Capability.VIEW_REPORTS, Capability.MANAGE_API_KEYS}
    ),
    Role.MEMBER: frozenset(_EVERYONE),
}

# Roles an owner may hand out; admins may not create owners.
ASSIGNABLE_ROLES: dict[str, tuple[str, ...]] = {
    Role.OWNER: tuple(Role.values),
    Role.ADMIN: tuple(r for r in Role.values if r != Role.OWNER),
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
