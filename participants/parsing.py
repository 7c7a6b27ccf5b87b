"""Turns the text people type (forms, CSV cells) into profile values, with clear errors."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from participants.languages import ISO_639_1
from participants.models import LanguageProficiency

LANGUAGE_NAMES = ISO_639_1
# "Spanish; Castilian" is reachable as "spanish" and as "castilian".
_CODE_BY_NAME = {
    alias.strip().lower(): code
    for code, name in LANGUAGE_NAMES.items()
    for alias in name.split(";")
}
_PROFICIENCIES = set(LanguageProficiency.values)
LIST_SEPARATORS = (";", ",")


def split_list(text: str) -> list[str]:
    """'SQL; public speaking' or 'SQL, public speaking' → ['SQL', 'public speaking']."""
    separator = ";" if ";" in text else ","
    items: list[str] = []
    for raw in text.split(separator):
        item = " ".join(raw.split())
        if item and item.lower() not in {existing.lower() for existing in items}:
            items.append(item)
    return items


def language_code(value: str) -> str | None:
    value = value.strip().lower()
    if value in LANGUAGE_NAMES:
        return value
    return _CODE_BY_NAME.get(value)


def parse_languages(text: str) -> list[dict[str, str]]:
    """'en:native; es:fluent' or 'English (native), Spanish' → [{'code', 'proficiency'}]."""
    languages: list[dict[str, str]] = []
    for item in split_list(text):
        name, proficiency = item, LanguageProficiency.FLUENT.value
        if ":" in item:
            name, proficiency = (part.strip() for part in item.split(":", 1))
        elif item.endswith(")") and "(" in item:
            name, proficiency = (part.strip(" )") for part in item.split("(", 1))
        code = language_code(name)
        if code is None:
            raise ValidationError(_("“%(name)s” is not a language we know.") % {"name": name})
        proficiency = proficiency.lower()
        if proficiency not in _PROFICIENCIES:
            raise ValidationError(
                _("Proficiency “%(value)s” must be one of: %(choices)s.")
                % {"value": proficiency, "choices": ", ".join(LanguageProficiency.values)}
            )
        if code not in {entry["code"] for entry in languages}:
            languages.append({"code": code, "proficiency": proficiency})
    return languages


def format_languages(languages: list[dict[str, str]]) -> str:
    return "; ".join(f"{entry['code']}:{entry['proficiency']}" for entry in languages)


def validate_languages(languages: object) -> list[dict[str, str]]:
    """For structured input (the API): the same rules as the text form."""
    if not isinstance(languages, list):
        raise ValidationError(_("Give a list of {code, proficiency} objects."))
    text = "; ".join(
        f"{entry.get('code', '')}:{entry.get('proficiency', 'fluent')}"
        if isinstance(entry, dict)
        else str(entry)
        for entry in languages
    )
    return parse_languages(text)


def parse_time(text: str) -> dt.time:
    text = text.strip()
    for pattern in ("%H:%M", "%H:%M:%S", "%H"):
        try:
            return dt.datetime.strptime(text, pattern).time()  # noqa: DTZ007 — a wall-clock time
        except ValueError:
            continue
    raise ValidationError(_("Enter a time such as 09:00."))
