"""Language and time zone follow the viewer: Spanish pages, local times, locale formats, and the
catalog check that keeps the Spanish translation complete."""

import datetime as dt
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from accounts.middleware import BROWSER_TIME_ZONE_COOKIE
from matching.models import MatchRound, RoundStatus
from tests.conftest import login

pytestmark = pytest.mark.django_db

UTC = dt.UTC
CATALOG = Path(settings.LOCALE_PATHS[0]) / "es" / "LC_MESSAGES"


def spanish(msgid: str) -> str:
    """The shipped Spanish for an English UI string; fails if it was left untranslated."""
    with translation.override("es"):
        text = translation.gettext(msgid)
    assert text != msgid, f"{msgid!r} has no Spanish translation"
    return text


def _page(client, url: str, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def closing_cohort(cohort, unscoped):
    """Enrollment closes on 2027-02-01 at 17:00 UTC."""
    cohort.enrollment_opens_at = dt.datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    cohort.enrollment_closes_at = dt.datetime(2027, 2, 1, 17, 0, tzinfo=UTC)
    cohort.save()
    return cohort


def _set_preferences(user, *, language: str = "", time_zone: str = "") -> None:
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["language", "time_zone"])


# Language


def test_spanish_user_sees_dashboard_catalog_and_program_in_spanish(
    client, org, program_manager, program, cohort
):
    _set_preferences(program_manager, language="es")
    login(client, program_manager)

    dashboard = _page(client, reverse("dashboard", args=[org.slug]))
    catalog = _page(client, reverse("programs:catalog", args=[org.slug]))
    detail = _page(client, reverse("programs:program_detail", args=[org.slug, program.pk]))

    assert '<html lang="es">' in dashboard
    # A program manager's home leads with the program team's work.
    assert spanish("New program") in dashboard
    assert "New program" not in dashboard
    assert spanish("Program catalog") in catalog
    assert spanish("Enrollment closes") in catalog
    assert spanish("Edit program") in detail
    assert spanish("Cohorts") in detail
    assert "Edit program" not in detail


def test_english_user_sees_the_same_pages_in_english(client, org, program_manager, program):
    _set_preferences(program_manager, language="en")
    login(client, program_manager)

    detail = _page(client, reverse("programs:program_detail", args=[org.slug, program.pk]))

    assert "Edit program" in detail
    assert spanish("Edit program") not in detail


def test_anonymous_visitor_gets_sign_in_page_in_browser_language(client):
    page = _page(client, reverse("account_login"), accept_language="es")

    assert '<html lang="es">' in page
    assert spanish("Sign up") in page
    assert spanish("Skip to content") in page


def test_language_switcher_switches_anonymous_visitor(client):
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert spanish("Start your organization") in _page(client, "/")


def test_language_switcher_saves_signed_in_users_choice(client, org, member):
    # A saved language outranks the cookie, so the switch must update it too.
    _set_preferences(member, language="en")
    login(client, member)

    client.post(reverse("set_language"), {"language": "es", "next": "/"})

    member.refresh_from_db()
    assert member.language == "es"
    assert spanish("Your participations") in _page(client, reverse("dashboard", args=[org.slug]))


def test_language_switcher_ignores_unknown_language(client, member):
    _set_preferences(member, language="en")
    login(client, member)

    client.post(reverse("set_language"), {"language": "xx", "next": "/"})

    member.refresh_from_db()
    assert member.language == "en"


def test_progress_label_stored_by_worker_shows_in_viewers_language(
    client, org, program_manager, cohort, unscoped
):
    # The worker stores the English label; the page translates it for whoever looks.
    match_round = MatchRound.objects.create(
        organization=org,
        cohort=cohort,
        status=RoundStatus.RUNNING,
        progress=35,
        progress_label="Scoring and solving",
    )
    _set_preferences(program_manager, language="es")
    login(client, program_manager)

    page = _page(client, reverse("matching:round_detail", args=[org.slug, match_round.pk]))

    assert spanish("Scoring and solving") in page


# Time zone


@pytest.mark.parametrize(
    ("zone", "iso", "shown"),
    [
        ("America/New_York", "2027-02-01T12:00:00-05:00", "Feb. 1, 2027, noon"),
        ("Europe/Madrid", "2027-02-01T18:00:00+01:00", "Feb. 1, 2027, 6 p.m."),
    ],
)
def test_times_render_in_users_chosen_time_zone(
    client, org, program_manager, closing_cohort, zone, iso, shown
):
    _set_preferences(program_manager, language="en", time_zone=zone)
    login(client, program_manager)

    page = _page(client, reverse("programs:cohort_detail", args=[org.slug, closing_cohort.pk]))

    assert f'<time datetime="{iso}">{shown}</time>' in page
    assert f"Times shown in {zone}." in page


def test_spanish_user_in_madrid_sees_spanish_date_and_24_hour_time(
    client, org, program_manager, closing_cohort
):
    _set_preferences(program_manager, language="es", time_zone="Europe/Madrid")
    login(client, program_manager)

    page = _page(client, reverse("programs:cohort_detail", args=[org.slug, closing_cohort.pk]))

    assert "1 de febrero de 2027 a las 18:00" in page


def test_browser_zone_cookie_is_used_when_user_chose_none(
    client, org, program_manager, closing_cohort
):
    _set_preferences(program_manager, language="en", time_zone="")
    login(client, program_manager)
    client.cookies[BROWSER_TIME_ZONE_COOKIE] = "Asia/Tokyo"

    page = _page(client, reverse("programs:cohort_detail", args=[org.slug, closing_cohort.pk]))

    assert '<time datetime="2027-02-02T02:00:00+09:00">' in page


def test_chosen_zone_wins_over_browser_cookie(client, org, program_manager, closing_cohort):
    _set_preferences(program_manager, language="en", time_zone="America/New_York")
    login(client, program_manager)
    client.cookies[BROWSER_TIME_ZONE_COOKIE] = "Asia/Tokyo"

    page = _page(client, reverse("programs:cohort_detail", args=[org.slug, closing_cohort.pk]))

    assert '<time datetime="2027-02-01T12:00:00-05:00">' in page


def test_unknown_browser_zone_falls_back_to_utc(client, org, program_manager, closing_cohort):
    _set_preferences(program_manager, language="en", time_zone="")
    login(client, program_manager)
    client.cookies[BROWSER_TIME_ZONE_COOKIE] = "Mars/Olympus"

    page = _page(client, reverse("programs:cohort_detail", args=[org.slug, closing_cohort.pk]))

    assert '<time datetime="2027-02-01T17:00:00+00:00">' in page


# Locale formats


def test_catalog_dates_follow_the_viewers_language(client, org, member, cohort, unscoped):
    cohort.starts_on = dt.date(2027, 3, 1)
    cohort.ends_on = dt.date(2027, 6, 30)
    cohort.save()
    login(client, member)
    url = reverse("programs:catalog", args=[org.slug])

    _set_preferences(member, language="es")
    spanish_page = _page(client, url)
    _set_preferences(member, language="en")
    english_page = _page(client, url)

    assert "1 de marzo de 2027 \u2013 30 de junio de 2027" in spanish_page
    assert "March 1, 2027 \u2013 June 30, 2027" in english_page


def test_scores_use_the_viewers_decimal_separator(client, org, program_manager, cohort, unscoped):
    match_round = MatchRound.objects.create(
        organization=org,
        cohort=cohort,
        status=RoundStatus.PROPOSED,
        total_score=12.5,
        matched_slots=3,
        demanded_slots=4,
        greedy_total_score=11.25,
        greedy_matched_slots=3,
    )
    login(client, program_manager)
    url = reverse("matching:round_detail", args=[org.slug, match_round.pk])

    _set_preferences(program_manager, language="es")
    spanish_page = _page(client, url)
    _set_preferences(program_manager, language="en")
    english_page = _page(client, url)

    figure = '<span class="ui-nums" data-testid="engine-figure">{}</span>'
    assert figure.format("12,50") in spanish_page
    assert figure.format("12.50") in english_page


# The catalog check run by scripts/test


@pytest.fixture
def catalog_copy(tmp_path):
    """A copy of the shipped catalog that a test may break."""
    target = tmp_path / "es" / "LC_MESSAGES"
    target.mkdir(parents=True)
    for name in ("django.po", "django.mo"):
        shutil.copy(CATALOG / name, target / name)
    with override_settings(LOCALE_PATHS=[tmp_path]):
        yield target


def _run_check(capsys) -> tuple[bool, str]:
    try:
        call_command("check_translations", skip_extract=True)
    except CommandError:
        return False, capsys.readouterr().err
    return True, capsys.readouterr().out


def test_password_hints_and_errors_address_the_reader_as_tu():
    """Django's own Spanish says "Su contraseña"; our catalog overrides it
    (accounts/django_es_overrides.py)."""
    with translation.override("es"):
        hints = password_validation.password_validators_help_texts()
        with pytest.raises(ValidationError) as refused:
            password_validation.validate_password("1234")

    assert len(hints) == len(settings.AUTH_PASSWORD_VALIDATORS)
    assert all(hint.startswith("Tu contraseña") for hint in hints), hints
    assert "Debe tener al menos 8 caracteres." in " ".join(refused.value.messages)


def test_shipped_catalog_is_complete_and_compiled(capsys):
    passed, output = _run_check(capsys)

    assert passed, output


def test_check_lists_fuzzy_and_untranslated_entries(catalog_copy, capsys):
    po = polib.pofile(str(catalog_copy / "django.po"))
    po.find("Program catalog").flags.append("fuzzy")
    po.find("Edit cohort").msgstr = ""
    po.save()
    po.save_as_mofile(str(catalog_copy / "django.mo"))

    passed, output = _run_check(capsys)

    assert not passed
    assert "fuzzy: 'Program catalog'" in output
    assert "untranslated: 'Edit cohort'" in output


def test_check_catches_a_forgotten_compilemessages(catalog_copy, capsys):
    po = polib.pofile(str(catalog_copy / "django.po"))
    po.find("Program catalog").msgstr = "Catálogo"
    po.save()

    passed, output = _run_check(capsys)

    assert not passed
    assert "django.mo does not match django.po" in output


def test_check_catches_a_broken_placeholder(catalog_copy, capsys):
    po = polib.pofile(str(catalog_copy / "django.po"))
    po.find("Welcome to %(name)s.").msgstr = "Te damos la bienvenida a %(nombre)s."
    po.save()
    po.save_as_mofile(str(catalog_copy / "django.mo"))

    passed, output = _run_check(capsys)

    assert not passed
    assert "unknown %(nombre)s" in output


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext")
def test_check_catches_a_string_missing_from_the_catalog(catalog_copy, capsys):
    po = polib.pofile(str(catalog_copy / "django.po"))
    po.remove(po.find("Program catalog"))
    po.save()
    po.save_as_mofile(str(catalog_copy / "django.mo"))

    with pytest.raises(CommandError):
        call_command("check_translations")

    assert "not in the catalog (run makemessages): 'Program catalog'" in capsys.readouterr().err
