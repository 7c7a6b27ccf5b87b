"""The living style guide at /_styleguide/ (staff only) and the design tokens read from CSS.

`?view=shell` shows the app shell with an administrator's home built from the components.

The page shows every component of templates/components/ with its variants, in the language
asked for by `?lang=` (English by default, so a Spanish-speaking designer can compare both), and
the contrast of every text token, computed from static/css/design.css, the file browsers load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.messages import constants as levels
from django.contrib.messages.storage.base import Message
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from core.templatetags.ui import AA_NORMAL_TEXT, ICONS, contrast_ratio

DESIGN_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "design.css"

# Text tokens and the backgrounds each is used on; all must reach WCAG AA (4.5:1) in both
# schemes. tests/core/test_components.py checks the same list.
TEXT_PAIRS: list[tuple[str, str]] = [
    ("--ui-text", "--ui-bg"),
    ("--ui-text", "--ui-surface"),
    ("--ui-text", "--ui-surface-sunken"),
    ("--ui-text-muted", "--ui-bg"),
    ("--ui-text-muted", "--ui-surface"),
    ("--ui-text-muted", "--ui-surface-sunken"),
    ("--ui-brand", "--ui-bg"),
    ("--ui-brand", "--ui-surface"),
    ("--ui-on-brand", "--ui-brand"),
    ("--ui-on-brand", "--ui-brand-hover"),
    ("--ui-brand-soft-text", "--ui-brand-soft"),
    ("--ui-success", "--ui-success-soft"),
    ("--ui-success", "--ui-surface"),
    ("--ui-warning", "--ui-warning-soft"),
    ("--ui-warning", "--ui-surface"),
    ("--ui-danger", "--ui-danger-soft"),
    ("--ui-danger", "--ui-surface"),
    ("--ui-info", "--ui-info-soft"),
    ("--ui-info", "--ui-surface"),
    ("--ui-neutral", "--ui-neutral-soft"),
]

_LIGHT_DARK = re.compile(
    r"(--ui-[a-z0-9-]+)\s*:\s*light-dark\(\s*(#[0-9a-fA-F]{3,6})\s*,\s*(#[0-9a-fA-F]{3,6})\s*\)\s*;"
)


@dataclass(frozen=True)
class ColourToken:
    name: str
    light: str
    dark: str


@cache
def colour_tokens(css_path: Path = DESIGN_CSS) -> dict[str, ColourToken]:
    """Every `--ui-*: light-dark(#light, #dark);` declaration of the design CSS, by name."""
    text = css_path.read_text()
    return {
        name: ColourToken(name, light.lower(), dark.lower())
        for name, light, dark in _LIGHT_DARK.findall(text)
    }


@dataclass(frozen=True)
class ContrastCheck:
    foreground: str
    background: str
    light: float
    dark: float

    @property
    def passes(self) -> bool:
        return min(self.light, self.dark) >= AA_NORMAL_TEXT


def contrast_checks() -> list[ContrastCheck]:
    tokens = colour_tokens()
    checks = []
    for fg, bg in TEXT_PAIRS:
        checks.append(
            ContrastCheck(
                fg,
                bg,
                round(contrast_ratio(tokens[fg].light, tokens[bg].light), 2),
                round(contrast_ratio(tokens[fg].dark, tokens[bg].dark), 2),
            )
        )
    return checks


# --- sample content -----------------------------------------------------------------------------

PEOPLE = [
    {"name": "Amara Okafor", "country": "NG", "time_zone": "Africa/Lagos"},
    {"name": "Lucía Fernández", "country": "AR", "time_zone": "America/Argentina/Buenos_Aires"},
    {"name": "Kenji Watanabe", "country": "JP", "time_zone": "Asia/Tokyo"},
    {"name": "Priya Raman", "country": "IN", "time_zone": "Asia/Kolkata"},
    {"name": "Jonas Berg", "country": "SE", "time_zone": "Europe/Stockholm"},
    {"name": "María José Ortega", "country": "MX", "time_zone": "America/Mexico_City"},
]


def _charts() -> list[dict[str, Any]]:
    return [
        {
            "id": "chart-funnel",
            "type": "hbar",
            "title": _("Enrollment funnel"),
            "description": _("From invited to matched, this cohort"),
            "labels": [
                _("Invited"),
                pgettext("count label", "Enrolled"),
                _("Eligible"),
                _("Matched"),
            ],
            "series": [{"label": _("People"), "data": [1240, 812, 774, 701]}],
        },
        {
            "id": "chart-trend",
            "type": "line",
            "title": _("Check-ins per week"),
            "labels": [_("Week %(n)s") % {"n": n} for n in range(1, 9)],
            "series": [
                {"label": _("Held"), "data": [38, 52, 61, 58, 70, 74, 69, 81]},
                {"label": _("Missed"), "data": [9, 11, 8, 12, 7, 6, 8, 5]},
            ],
        },
        {
            "id": "chart-histogram",
            "type": "histogram",
            "title": _("Pair scores"),
            "x_label": _("Score"),
            "labels": [f"{low}\N{EN DASH}{low + 10}" for low in range(0, 100, 10)],
            "series": [{"label": _("Pairs"), "data": [2, 4, 9, 21, 48, 96, 171, 224, 180, 62]}],
        },
        {
            "id": "chart-capacity",
            "type": "stacked-hbar",
            "title": _("Mentor capacity"),
            "labels": [_("Engineering"), _("Design"), _("Sales"), _("Leadership")],
            "series": [
                {"label": _("Seats taken"), "data": [46, 18, 22, 12]},
                {"label": _("Seats free"), "data": [6, 9, 3, 0]},
            ],
        },
    ]


def _messages() -> list[Message]:
    return [
        Message(levels.SUCCESS, _("Round published: 176 people were emailed.")),
        Message(levels.INFO, _("Matching is running; this page updates by itself.")),
        Message(levels.WARNING, _("Three mentors have no seats left.")),
        Message(levels.ERROR, _("The file could not be read: row 14 has no email.")),
    ]


@require_GET
def styleguide(request: HttpRequest) -> HttpResponse:
    if not getattr(request.user, "is_staff", False):
        raise Http404
    languages = [code for code, _name in settings.LANGUAGES]
    language = request.GET.get("lang", "en")
    if language not in languages:
        language = "en"
    with translation.override(language):
        if request.GET.get("view") == "shell":
            return render(request, "styleguide/shell.html", {"languages": languages})
        context = {
            "languages": languages,
            "people": PEOPLE,
            "charts": _charts(),
            "sample_messages": _messages(),
            "icons": sorted(ICONS),
            "contrast": contrast_checks(),
            "tokens": colour_tokens(),
            "table_rows": [
                {
                    "person": PEOPLE[i % len(PEOPLE)],
                    "mentor": PEOPLE[(i + 2) % len(PEOPLE)],
                    "score": 96 - i * 2,
                    "status": ("approved", "proposed", "rejected")[i % 3],
                }
                for i in range(24)
            ],
            "AA": AA_NORMAL_TEXT,
        }
        return render(request, "styleguide/index.html", context)
