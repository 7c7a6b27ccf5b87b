from typing import Any

from django import template

from matching.config import config_from_json
from matching.phrases import say, say_factor

register = template.Library()


@register.filter(name="say_factor")
def say_factor_filter(factor: Any) -> str:
    """An explanation factor in the viewer's language."""
    return say_factor(factor)


@register.filter
def say_reason(unmatched: Any) -> str:
    """An unmatched mentee's reason in the viewer's language."""
    return say(unmatched.reason_key, unmatched.reason_params, unmatched.reason)


@register.filter
def collects_preferences(cohort: Any) -> bool:
    """Whether the cohort asks its participants to rank the other side."""
    return config_from_json(cohort.matching_settings).collects_preferences


@register.filter
def initials(name: str) -> str:
    """Up to two initials for an avatar: "Ana María Ruiz" → "AR"."""
    words = [word for word in str(name or "").split() if word[:1].isalpha()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()
