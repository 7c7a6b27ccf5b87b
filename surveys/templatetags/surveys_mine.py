"""The participant home's card of surveys waiting for the viewer's answer."""

from __future__ import annotations

from typing import Any

from django import template

from surveys.links import open_survey_list

register = template.Library()


@register.inclusion_tag("surveys/mine_card.html", takes_context=True)
def open_surveys_card(context: template.Context) -> dict[str, Any]:
    """Shown only while something waits for an answer; two queries."""
    organization, request = context.get("organization"), context.get("request")
    user = getattr(request, "user", None)
    if organization is None or user is None or not user.is_authenticated:
        return {"waiting": []}
    waiting = [
        entry
        for entry in open_survey_list(organization=organization, user=user)
        if entry.progress != "answered"
    ]
    return {"waiting": waiting, "organization": organization}
