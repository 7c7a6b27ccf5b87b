from django.http import HttpRequest

from organizations.permissions import ROLE_CAPABILITIES
from organizations.selectors import membership_list_for_user


def current_organization(request: HttpRequest) -> dict:
    organization = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)

    def memberships():
        # Lazy: only pages that draw the organization switcher pay for the query.
        if user is None or not user.is_authenticated:
            return []
        return list(membership_list_for_user(user=user))

    capabilities = (
        ROLE_CAPABILITIES.get(membership.role, frozenset()) if membership else frozenset()
    )
    return {
        "organization": organization,
        "membership": membership,
        "can": {capability.value: True for capability in capabilities},
        "my_memberships": memberships,
    }
