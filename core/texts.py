"""Text that program teams write in more than one language (learning paths, surveys): a JSON
object from language code to text, shown in the reader's language."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def in_language(texts: dict[str, str] | None, language: str | None = None) -> str:
    """The text in `language` (default: the active one), else in the site's default language,
    else in any language that has one; empty when there is none."""
    if not texts:
        return ""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    default = settings.LANGUAGE_CODE.split("-")[0]
    for code in (language, default):
        if texts.get(code):
            return texts[code]
    return next((text for text in texts.values() if text), "")
