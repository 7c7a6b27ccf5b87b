"""Validators model fields share, so the model, its forms and its serializers hold one limit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


@deconstructible
class ListLimitValidator:
    """A JSON list of short strings: at most `max_items` entries of `max_length` characters."""

    def __init__(self, *, max_items: int, max_length: int) -> None:
        self.max_items = max_items
        self.max_length = max_length

    def __call__(self, value: Any) -> None:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValidationError(_("Enter a list of words or phrases."), code="invalid")
        if len(value) > self.max_items:
            raise ValidationError(
                ngettext_lazy(
                    "Enter at most %(limit)d entry.", "Enter at most %(limit)d entries.", "limit"
                ),
                code="max_items",
                params={"limit": self.max_items},
            )
        if any(len(item) > self.max_length for item in value):
            raise ValidationError(
                _("Keep each entry to %(limit)d characters or fewer."),
                code="max_length",
                params={"limit": self.max_length},
            )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ListLimitValidator)
            and other.max_items == self.max_items
            and other.max_length == self.max_length
        )
