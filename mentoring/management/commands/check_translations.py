"""Fails when a shipped translation catalog is incomplete, stale or not compiled.

For every language in LANGUAGES except the source language (English):
1. every entry of `locale/<lang>/LC_MESSAGES/django.po` is translated and none is fuzzy, and the
   named placeholders (`%(name)s`) of each translation are the ones of its source text;
2. the compiled `django.mo` holds exactly the translations of the `.po` (a forgotten
   `compilemessages` fails here);
3. no string marked for translation in the code or templates is missing from the `.po` (a
   forgotten `makemessages` fails here). The catalog is extracted again into a temporary directory,
   so the working tree is never written to; this step needs GNU gettext and is skipped with a
   warning when it is missing, except under CI=true.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

# The same arguments as the documented `makemessages` command line (docs/i18n.md).
MAKEMESSAGES_IGNORE = [".venv", "var", "node_modules", "tests", "bench", "matching/engine/*"]
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq")
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
SHOWN = 30  # Problems listed per kind; the count says how many more there are.


def _key(entry: polib.POEntry | polib.MOEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def _translation(entry: polib.POEntry | polib.MOEntry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _placeholder_problems(entry: polib.POEntry) -> list[str]:
    if "python-format" not in entry.flags:
        return []
    expected = set(PLACEHOLDER.findall(entry.msgid)) | set(
        PLACEHOLDER.findall(entry.msgid_plural or "")
    )
    problems = []
    for form, text in enumerate(_translation(entry)):
        found = set(PLACEHOLDER.findall(text))
        unknown = found - expected
        # A singular may leave the count out ("Queda una plaza"); other names must stay.
        lost = expected - found - ({"counter", "count", "n"} if entry.msgid_plural else set())
        if unknown or lost:
            detail = ", ".join(
                [f"unknown %({name})s" for name in sorted(unknown)]
                + [f"missing %({name})s" for name in sorted(lost)]
            )
            problems.append(f"form {form}: {detail}")
    return problems


class Command(BaseCommand):
    help = "Check that every shipped translation catalog is complete, compiled and up to date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--skip-extract",
            action="store_true",
            help="Skip re-extracting strings from the code (the slow, gettext-dependent check).",
        )

    def handle(self, *args, skip_extract: bool, **options) -> None:
        locale_dir = Path(settings.LOCALE_PATHS[0])
        languages = [code for code, _name in settings.LANGUAGES if code != "en"]
        problems: list[str] = []
        catalogs: dict[str, polib.POFile] = {}
        for language in languages:
            po_path = locale_dir / language / "LC_MESSAGES" / "django.po"
            if not po_path.exists():
                problems.append(f"[{language}] {po_path} is missing: run makemessages.")
                continue
            catalogs[language] = polib.pofile(str(po_path))
            problems += self._check_catalog(language, catalogs[language])
            problems += self._check_compiled(language, catalogs[language], po_path)
        if catalogs and not skip_extract:
            problems += self._check_extracted(catalogs)
        if problems:
            self.stderr.write("Translation problems:")
            for problem in problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError(
                f"{len(problems)} translation problem(s). See docs/i18n.md: run makemessages, "
                "translate, then compilemessages."
            )
        self.stdout.write(
            self.style.SUCCESS(
                "Translations complete: "
                + ", ".join(f"{lang} ({len(po)} entries)" for lang, po in catalogs.items())
            )
        )

    def _check_catalog(self, language: str, po: polib.POFile) -> list[str]:
        problems = []
        untranslated = po.untranslated_entries()
        fuzzy = [entry for entry in po.fuzzy_entries() if not entry.obsolete]
        for label, entries in (("untranslated", untranslated), ("fuzzy", fuzzy)):
            problems += [f"[{language}] {label}: {_short(e.msgid)!r}" for e in entries[:SHOWN]]
            if len(entries) > SHOWN:
                problems.append(f"[{language}] … and {len(entries) - SHOWN} more {label}")
        for entry in po.translated_entries():
            problems += [
                f"[{language}] placeholders differ in {_short(entry.msgid)!r} ({problem})"
                for problem in _placeholder_problems(entry)
            ]
        return problems

    def _check_compiled(self, language: str, po: polib.POFile, po_path: Path) -> list[str]:
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            return [f"[{language}] {mo_path} is missing: run compilemessages."]
        expected = {_key(e): _translation(e) for e in po.translated_entries()}
        compiled = {_key(e): _translation(e) for e in polib.mofile(str(mo_path)) if e.msgid}
        stale = sorted(
            k for k in expected.keys() | compiled.keys() if expected.get(k) != compiled.get(k)
        )
        if not stale:
            return []
        listed = ", ".join(repr(_short(msgid, 50)) for _ctx, msgid in stale[:5])
        more = f" and {len(stale) - 5} more" if len(stale) > 5 else ""
        return [
            f"[{language}] django.mo does not match django.po for {len(stale)} entr(y/ies) "
            f"({listed}{more}): run compilemessages."
        ]

    def _check_extracted(self, catalogs: dict[str, polib.POFile]) -> list[str]:
        missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
        if missing_tools:
            message = (
                f"GNU gettext ({', '.join(missing_tools)}) is not installed, so strings missing "
                "from the catalogs cannot be detected."
            )
            if os.environ.get("CI") == "true":
                return [message + " CI must install gettext."]
            self.stderr.write(self.style.WARNING(f"WARNING: {message} Skipped that check."))
            return []
        extracted = self._extract(sorted(catalogs))
        problems = []
        for language, po in catalogs.items():
            known = {_key(entry) for entry in po if not entry.obsolete}
            new = sorted(k for k in extracted[language] if k not in known)
            problems += [
                f"[{language}] not in the catalog (run makemessages): {_short(msgid)!r}"
                for _ctx, msgid in new[:SHOWN]
            ]
            if len(new) > SHOWN:
                problems.append(f"[{language}] … and {len(new) - SHOWN} more not in the catalog")
        return problems

    def _extract(self, languages: list[str]) -> dict[str, set[tuple[str, str]]]:
        """Run makemessages over links to the project's sources, writing only to a temp dir."""
        base_dir = Path(settings.BASE_DIR)
        # Deeper patterns (matching/engine/*) are applied by makemessages itself.
        skipped = {name for name in MAKEMESSAGES_IGNORE if "/" not in name} | {"locale"}
        cwd = Path.cwd()
        with tempfile.TemporaryDirectory(prefix="check-translations-") as tmp:
            root = Path(tmp)
            for child in base_dir.iterdir():
                if child.name not in skipped and not child.name.startswith("."):
                    (root / child.name).symlink_to(child)
            (root / "locale").mkdir()
            try:
                os.chdir(root)
                with override_settings(LOCALE_PATHS=[root / "locale"]):
                    call_command(
                        "makemessages",
                        locale=languages,
                        no_location=True,
                        symlinks=True,
                        ignore_patterns=MAKEMESSAGES_IGNORE,
                        verbosity=0,
                    )
            finally:
                os.chdir(cwd)
            return {
                language: {
                    _key(entry)
                    for entry in polib.pofile(
                        str(root / "locale" / language / "LC_MESSAGES" / "django.po")
                    )
                }
                for language in languages
            }
