"""Serializer fields for the API: a text field takes text only.

DRF's `CharField` turns `0`, `12.5` and `true` into "0", "12.5" and "True", so `{"name": 0}` made
a program called "0"; a client sending the wrong type is told so instead.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from rest_framework import serializers

_M = TypeVar("_M", bound=models.Model)


class _TextOnly:
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


class CharField(_TextOnly, serializers.CharField):
    pass


class EmailField(_TextOnly, serializers.EmailField):
    pass


class SlugField(_TextOnly, serializers.SlugField):
    pass


class URLField(_TextOnly, serializers.URLField):
    pass


class ModelSerializer(serializers.ModelSerializer[_M]):
    """DRF's, with text-only fields for the model's text columns."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: CharField,
        models.EmailField: EmailField,
        models.SlugField: SlugField,
        models.URLField: URLField,
    }
