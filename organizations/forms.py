from collections.abc import Sequence
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import APIKeyScope, Role


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=120)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, assignable_roles: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        role = cast(forms.ChoiceField, self.fields["role"])
        role.choices = [c for c in Role.choices if c[0] in assignable_roles]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class APIKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50, help_text=_("e.g. “HR dashboard”"))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=APIKeyScope.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, allowed_scopes: Sequence[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        scopes = cast(forms.MultipleChoiceField, self.fields["scopes"])
        scopes.choices = [c for c in APIKeyScope.choices if c[0] in allowed_scopes]
