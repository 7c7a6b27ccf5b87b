"""Lists of people's names read as the reader's language writes them: "A, B and C" in English,
"A, B y C" in Spanish, where "y" becomes "e" before the vowel sound /i/ ("Ana e Inés") but not
where the i glides into the next vowel ("y Hiedra") or is the consonant y ("y Yolanda"). The
check-in email lists the other people of a group check-in that way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from core.texts import join_names


@pytest.mark.parametrize(
    ("names", "english", "spanish"),
    [
        ([], "", ""),
        (["Ana"], "Ana", "Ana"),
        (["Ana", "Kenji"], "Ana and Kenji", "Ana y Kenji"),
        (["Ana", "Kenji", "Bea"], "Ana, Kenji and Bea", "Ana, Kenji y Bea"),
        (["Ana", "Inés"], "Ana and Inés", "Ana e Inés"),
        (["Ana", "Kenji", "Inés"], "Ana, Kenji and Inés", "Ana, Kenji e Inés"),
        (["Luis", "Hilda"], "Luis and Hilda", "Luis e Hilda"),
        (["Luis", "ISABEL"], "Luis and ISABEL", "Luis e ISABEL"),
        (["Luis", "Íñigo"], "Luis and Íñigo", "Luis e Íñigo"),
        (["Luis", "Hiedra"], "Luis and Hiedra", "Luis y Hiedra"),
        (["Luis", "Iolanda"], "Luis and Iolanda", "Luis y Iolanda"),
        (["Luis", "Yolanda"], "Luis and Yolanda", "Luis y Yolanda"),
        # Only the name right after the conjunction decides it.
        (["Inés", "Kenji"], "Inés and Kenji", "Inés y Kenji"),
        # Blank names (a participant without one) are left out, not joined as empty.
        (["Ana", "", "  ", "Inés"], "Ana and Inés", "Ana e Inés"),
    ],
)
def test_names_join_as_each_language_writes_them(names, english, spanish):
    with translation.override("en"):
        assert join_names(names) == english
    with translation.override("es"):
        assert join_names(names) == spanish


def test_a_regional_spanish_joins_as_spanish_does():
    with translation.override("es-mx"):
        assert join_names(["Ana", "Inés"]) == "Ana e Inés"


def test_the_join_takes_any_iterable_of_names():
    with translation.override("en"):
        assert join_names(name for name in ("Ana", "Kenji")) == "Ana and Kenji"


def _check_in_email(language: str, **context) -> str:
    base = {
        "kind": "booked",
        "organizer": "Kenji Watanabe",
        "booked_by_you": False,
        "starts_at": dt.datetime(2031, 6, 2, 9, tzinfo=dt.UTC),
        "time_zone": "UTC",
        "occurrences": 1,
        "url": "/o/acme/",
        "site_url": "https://meridian.test",
    }
    with translation.override(language):
        body = render_to_string("notifications/email/check_in_body.txt", {**base, **context})
    return " ".join(body.split())


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Kenji Watanabe booked a check-in with you and Bea Ruiz and Inés Mora on"),
        (
            "es",
            "Kenji Watanabe ha reservado una reunión de seguimiento contigo y con Bea Ruiz e Inés",
        ),
    ],
)
def test_a_group_check_in_email_names_the_other_invitees_with_the_conjunction(language, expected):
    body = _check_in_email(
        language,
        others=["Kenji Watanabe", "Bea Ruiz", "Inés Mora"],
        also_invited=["Bea Ruiz", "Inés Mora"],
    )
    assert expected in body
    assert "Bea Ruiz, Inés Mora" not in body


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "You booked a check-in with Ana Souza, Bea Ruiz and Inés Mora on"),
        ("es", "Has reservado una reunión de seguimiento con Ana Souza, Bea Ruiz e Inés Mora el"),
    ],
)
def test_the_organizer_reads_everyone_else_joined(language, expected):
    body = _check_in_email(
        language,
        booked_by_you=True,
        others=["Ana Souza", "Bea Ruiz", "Inés Mora"],
        also_invited=["Ana Souza", "Bea Ruiz", "Inés Mora"],
    )
    assert expected in body


def test_a_cancelled_one_to_one_still_names_the_one_other_person():
    body = _check_in_email("en", kind="cancelled", others=["Kenji Watanabe"], also_invited=[])
    assert "The check-in with Kenji Watanabe on" in body
