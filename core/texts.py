"""Text in the reader's language: what program teams write in more than one language (learning
paths, surveys: a JSON object from language code to text), and lists of people's names joined
as the reader's language joins them."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _


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


def join_names(names: Iterable[str]) -> str:
    """The names as a sentence says them in the active language: "Ana, Kenji and Inés" in
    English, "Ana, Kenji e Inés" in Spanish. Blank names are left out."""
    names = [name.strip() for name in names if name and name.strip()]
    if len(names) < 2:
        return "".join(names)
    conjunction = _("and")
    spanish = (translation.get_language() or "").split("-")[0] == "es"
    if spanish and conjunction == "y" and _starts_with_i_sound(names[-1]):
        # Spanish writes "e" for "y" before the vowel sound /i/ ("Ana e Inés", "Luis e
        # Hilda") but keeps "y" where the i glides into the next vowel ("y Hiedra",
        # "y Iolanda") or is the consonant y ("y Yolanda").
        conjunction = "e"
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def _starts_with_i_sound(word: str) -> bool:
    # Decomposed, an accent is a separate mark after its letter: "í" is "i" + U+0301.
    letters = unicodedata.normalize("NFD", word.casefold())
    if letters.startswith("h"):
        letters = letters[1:]
    if not letters.startswith("i"):
        return False
    after = letters[1:]
    if after.startswith("\u0301"):  # a stressed í is its own syllable: "e Íñigo"
        return True
    return after[:1] not in {"a", "e", "o", "u"}
