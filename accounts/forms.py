from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User, known_time_zones

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def time_zone_choices() -> list[tuple[str, StrOrPromise]]:
    zones = sorted(z for z in known_time_zones() if "/" in z and not z.startswith("Etc"))
    return [
        ("", _("Follow my browser")),
        ("UTC", "UTC"),
        *((z, z.replace("_", " ")) for z in zones),
    ]


class SignupForm(AllauthSignupForm):
    """Sign-up creates an organization unless the person arrives through an invitation."""

    full_name = forms.CharField(label=_("Your name"), max_length=150)
    organization_name = forms.CharField(
        label=_("Organization name"),
        max_length=120,
        required=False,
        help_text=_("You become its owner. Leave empty if you were invited."),
    )
    field_order = ["full_name", "email", "organization_name", "password1", "password2"]

    def clean(self):
        cleaned = super().clean()
        request = context.request
        invited = bool(request and request.session.get("pending_invitation_token"))
        if not invited and not (cleaned.get("organization_name") or "").strip():
            self.add_error("organization_name", _("Name the organization you are setting up."))
        return cleaned


class UserSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Follow my browser")), *settings.LANGUAGES],
        required=False,
    )

    class Meta:
        model = User
        fields = ["full_name", "language", "time_zone"]
