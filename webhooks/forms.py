from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.models import EventType


class EndpointForm(forms.Form):
    """An endpoint's editable fields (webhooks.services.webhook_endpoint_create/_update)."""

    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https:// address on the public internet that answers POST requests."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What receives these events, e.g. “HR data warehouse”."),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )


class EndpointEditForm(EndpointForm):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Off: no new events are queued for it, and waiting deliveries hold."),
    )
