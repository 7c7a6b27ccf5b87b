"""`{% load names %}`: `{{ people|join_names }}` joins names as the active language does
("Ana, Kenji and Inés", "Ana, Kenji e Inés"), for emails and pages that list people."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from core.texts import join_names as _join_names

register = template.Library()


@register.filter
def join_names(names: Iterable[str] | None) -> str:
    return _join_names(names or [])
