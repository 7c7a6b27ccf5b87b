"""The design system's components (core/templatetags/ui.py, templates/components/) and tokens
(static/css/design.css): what each renders, its accessibility attributes, and WCAG AA contrast."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib.messages import constants as levels
from django.contrib.messages.storage.base import Message
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import timezone, translation

from core import styleguide
from core.templatetags import ui
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
SPRITE = ROOT / "static" / "vendor" / "lucide" / "sprite.svg"
NOW = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)


def render(source: str, **context) -> str:
    return Template("{% load ui %}" + source).render(Context(context))


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(ui.timezone, "now", lambda: NOW)
    return NOW


# Tokens ----------------------------------------------------------------------------------------


def test_token_parser_reads_light_and_dark_values_of_every_colour_token():
    tokens = styleguide.colour_tokens()
    assert tokens["--ui-brand"].light == "#0b6b63"
    assert tokens["--ui-brand"].dark.startswith("#")
    named = {name for pair in styleguide.TEXT_PAIRS for name in pair}
    assert named <= set(tokens), f"not declared as light-dark(): {named - set(tokens)}"


@pytest.mark.parametrize("foreground,background", styleguide.TEXT_PAIRS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_tokens_reach_wcag_aa_on_their_backgrounds(foreground, background, scheme):
    tokens = styleguide.colour_tokens()
    ratio = ui.contrast_ratio(
        getattr(tokens[foreground], scheme), getattr(tokens[background], scheme)
    )
    assert ratio >= 4.5, f"{foreground} on {background} ({scheme}) is {ratio:.2f}:1"


def test_contrast_ratio_matches_known_wcag_values():
    assert ui.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert ui.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


# Icons -----------------------------------------------------------------------------------------


def test_icon_renders_a_decorative_use_of_the_sprite():
    html = render('{% icon "match" %}')
    assert 'aria-hidden="true"' in html
    assert re.search(r'<use href="[^"]*vendor/lucide/sprite\.svg#match"></use>', html)


def test_icon_with_a_label_is_an_image_with_that_name():
    html = render('{% icon "x" label="Dismiss" %}')
    assert 'role="img" aria-label="Dismiss"' in html
    assert "aria-hidden" not in html


def test_unknown_icon_is_a_template_error():
    with pytest.raises(TemplateSyntaxError):
        render('{% icon "nope" %}')


def test_sprite_holds_exactly_the_icons_the_tag_accepts():
    symbols = set(re.findall(r'<symbol id="([^"]+)"', SPRITE.read_text()))
    assert symbols == set(ui.ICONS)


def test_every_icon_named_in_a_template_exists():
    used = set()
    for path in (ROOT / "templates").rglob("*.html"):
        used |= set(re.findall(r'{%\s*icon\s+"([^"]+)"', path.read_text()))
    assert used <= ui.ICONS, f"unknown icons: {sorted(used - ui.ICONS)}"


# Avatar ----------------------------------------------------------------------------------------

NAMES = [
    "Amara Okafor", "Lucía Fernández", "Kenji Watanabe", "Priya Raman", "Jonas Berg",
    "María José Ortega", "Zoë Ng", "Ólafur Arnalds", "李小龍", "O'Brien", "", "x",
] + [f"Person {n}" for n in range(300)]  # fmt: skip


def test_avatar_colour_is_stable_across_processes():
    # A literal, not a second call: Python's hash() would pass a same-process check and still
    # give every worker a different colour.
    assert ui.avatar_colour("Amara Okafor") == ui.avatar_colour("  amara okafor ")
    assert ui.avatar_colour("Amara Okafor") == "#9232c3"


@pytest.mark.parametrize("name", NAMES)
def test_avatar_initials_reach_aa_contrast_on_their_colour(name):
    assert ui.contrast_ratio(ui.AVATAR_TEXT, ui.avatar_colour(name)) >= 4.5


def test_avatars_spread_over_many_colours():
    assert len({ui.avatar_colour(name) for name in NAMES}) > 100


@pytest.mark.parametrize(
    "name,expected",
    [("Ana María Pérez", "AP"), ("Cher", "C"), ("", "?"), ("  ", "?"), ("ólafur arnalds", "ÓA")],
)
def test_initials_take_the_first_and_last_word(name, expected):
    assert ui.initials(name) == expected


def test_avatar_renders_initials_on_the_computed_colour():
    html = render("{% avatar 'Kenji Watanabe' %}")
    assert f'fill="{ui.avatar_colour("Kenji Watanabe")}"' in html
    assert ">KW</text>" in html
    assert 'aria-hidden="true"' in html
    named = render("{% avatar 'Kenji Watanabe' decorative=False %}")
    assert 'role="img" aria-label="Kenji Watanabe"' in named


# Person chip -----------------------------------------------------------------------------------


def test_person_chip_shows_the_time_now_in_the_persons_zone(frozen_now):
    html = render(
        "{% person_chip name='Kenji Watanabe' role='Mentor' country='JP' time_zone='Asia/Tokyo' %}"
    )
    assert 'datetime="2026-11-29T19:00+09:00"' in html
    assert ">7 p.m.</time>" in html
    assert "Kenji Watanabe" in html and "Mentor" in html
    assert "\N{REGIONAL INDICATOR SYMBOL LETTER J}\N{REGIONAL INDICATOR SYMBOL LETTER P}" in html
    assert 'title="Japan"' in html


def test_person_chip_time_ignores_the_viewers_zone_and_follows_the_viewers_language(frozen_now):
    with timezone.override("America/Los_Angeles"), translation.override("es"):
        html = render("{% person_chip name='Amara Okafor' country='NG' time_zone='Africa/Lagos' %}")
    assert 'datetime="2026-11-29T11:00+01:00"' in html
    assert ">11:00</time>" in html


def test_person_chip_without_a_known_zone_shows_no_time():
    html = render("{% person_chip name='Jonas Berg' time_zone='Mars/Olympus' %}")
    assert "<time" not in html
    assert "Jonas Berg" in html


def test_flag_emoji_is_built_from_the_country_code():
    assert ui.flag_emoji("es") == "\U0001f1ea\U0001f1f8"
    assert ui.flag_emoji("") == ""
    assert ui.flag_emoji("E1") == ""


# Progress --------------------------------------------------------------------------------------


def test_progress_bar_exposes_its_value_to_assistive_technology():
    html = render("{% progress value=38 max=52 label='Seats filled' %}")
    assert 'role="progressbar"' in html
    assert 'aria-valuenow="38"' in html
    assert 'aria-valuemin="0"' in html
    assert 'aria-valuemax="52"' in html
    assert 'aria-valuetext="38 of 52"' in html
    assert 'aria-label="Seats filled"' in html
    assert ">38 of 52</span>" in html  # written out for everyone, not only announced
    assert 'width="73.08%"' in html


def test_progress_bar_numbers_stay_machine_readable_in_spanish():
    with translation.override("es"):
        html = render("{% progress value=12.5 max=20 %}")
    assert 'aria-valuenow="12.5"' in html
    assert 'width="62.5%"' in html


def test_progress_bar_clamps_and_survives_a_zero_maximum():
    assert 'width="100.0%"' in render("{% progress value=30 max=20 %}")
    assert 'width="0.0%"' in render("{% progress value=3 max=0 %}")


# Stat tile -------------------------------------------------------------------------------------


def test_stat_tile_writes_the_trend_in_words():
    html = render(
        "{% stat_tile label='Enrolled' value=812 trend='up' delta='12%' period='vs last cohort' %}"
    )
    assert "Up 12%" in html
    assert "vs last cohort" in html
    assert "ui-stat__trend--good" in html
    assert "#trend-up" in html


def test_stat_tile_trend_down_is_good_for_figures_that_should_fall():
    html = render("{% stat_tile label='Unmatched' value=73 trend='down' delta='18' good='down' %}")
    assert "Down 18" in html
    assert "ui-stat__trend--good" in html
    bad = render("{% stat_tile label='Awaiting' value=36 trend='up' delta='9' good='down' %}")
    assert "Up 9" in bad and "ui-stat__trend--bad" in bad


def test_stat_tile_flat_and_no_trend():
    assert "No change" in render("{% stat_tile label='Matched' value=701 trend='flat' %}")
    assert "ui-stat__trend" not in render("{% stat_tile label='Matched' value=701 %}")


# Block components ------------------------------------------------------------------------------


def test_page_header_has_breadcrumbs_title_and_primary_action():
    html = render(
        "{% crumbs 'Programs' '/p/' 'Spring' '/p/1/' as trail %}"
        "{% page_header title='Round 3' lede='Review' crumbs=trail action_url='/new/'"
        " action_label='New' action_icon='plus' %}<button>Export</button>{% endpage_header %}"
    )
    assert '<nav class="ui-breadcrumbs" aria-label="Breadcrumb">' in html
    assert '<a href="/p/">Programs</a>' in html and '<a href="/p/1/">Spring</a>' in html
    assert '<h1 class="ui-page-header__title">Round 3</h1>' in html
    assert '<a href="/new/" role="button">' in html
    assert "<button>Export</button>" in html


def test_card_fills_its_footer_slot_and_labels_itself_by_its_title():
    html = render(
        "{% card title='Your mentor' id='c' %}Body"
        "{% slot 'footer' %}<a>Book</a>{% endslot %}{% endcard %}"
    )
    assert 'aria-labelledby="c-title"' in html and 'id="c-title"' in html
    assert '<div class="ui-card__body">Body</div>' in html
    assert '<footer class="ui-card__footer"><a>Book</a></footer>' in html


def test_block_components_refuse_positional_arguments():
    with pytest.raises(TemplateSyntaxError):
        render("{% card 'Title' %}{% endcard %}")


def test_tabs_follow_the_aria_pattern():
    html = render(
        "{% tabs label='Cohort' id='t' %}{% tab label='One' %}A{% endtab %}"
        "{% tab label='Two' count=3 %}B{% endtab %}{% endtabs %}"
    )
    assert 'role="tablist" aria-label="Cohort"' in html
    assert 'id="t-tab-1" aria-controls="t-panel-1" aria-selected="true" tabindex="0"' in html
    assert 'id="t-tab-2" aria-controls="t-panel-2" aria-selected="false" tabindex="-1"' in html
    assert 'id="t-panel-1" aria-labelledby="t-tab-1" tabindex="0">A</div>' in html
    assert 'id="t-panel-2" aria-labelledby="t-tab-2" tabindex="0" hidden>B</div>' in html
    assert '<span class="ui-tabs__count">3</span>' in html


def test_form_section_is_a_fieldset_with_legend_and_described_help():
    html = render(
        "{% form_section legend='Basics' help='Shown in the catalog.' id='s' %}F"
        "{% endform_section %}"
    )
    assert '<fieldset class="ui-form-section" aria-describedby="s-help">' in html
    # The legend is the fieldset's first child: only then does it name the group.
    assert re.search(
        r'<fieldset[^>]*>\s*<legend class="ui-form-section__legend">Basics</legend>', html
    )
    assert 'id="s-help">Shown in the catalog.</p>' in html


def test_data_table_is_a_focusable_labelled_scroll_region():
    html = render("{% data_table label='Pairs' %}<table></table>{% enddata_table %}")
    assert 'role="region" aria-label="Pairs" tabindex="0"' in html


def test_empty_state_says_what_the_page_is_for_and_offers_the_first_action():
    html = render(
        "{% empty_state title='No programs yet' text='Programs hold cohorts.' action_url='/new/'"
        " action_label='Create a program' %}{% endempty_state %}"
    )
    assert "No programs yet" in html and "Programs hold cohorts." in html
    assert '<a href="/new/" role="button">Create a program</a>' in html


def test_badge_variant_and_unknown_variant():
    assert 'class="ui-badge ui-badge--success"' in render(
        "{% badge 'Approved' variant='success' %}"
    )
    with pytest.raises(TemplateSyntaxError):
        render("{% badge 'x' variant='green' %}")


def test_toasts_put_errors_in_an_assertive_region_and_the_rest_in_a_polite_one():
    messages = [Message(levels.SUCCESS, "Saved."), Message(levels.ERROR, "Failed.")]
    html = render("{% toasts messages %}", messages=messages)
    polite, assertive = html.split('role="alert"')
    assert 'role="status" aria-live="polite"' in polite and "Saved." in polite
    assert "Failed." in assertive and "Saved." not in assertive
    assert 'data-ui-toast="success"' in html and "data-ui-toast-close" in html


def test_chart_declares_a_data_island_and_a_table_of_the_same_numbers():
    spec = {
        "id": "funnel",
        "type": "hbar",
        "title": "Funnel",
        "labels": ["Invited", "Matched"],
        "series": [{"label": "People", "data": [10, 7]}],
    }
    html = render("{% chart spec %}", spec=spec)
    assert '<canvas data-chart="funnel-data" role="img" aria-label="Funnel"></canvas>' in html
    assert '<script id="funnel-data" type="application/json">' in html
    assert '<th scope="row">Invited</th><td class="ui-num">10</td>' in html


# The style guide page --------------------------------------------------------------------------


@pytest.mark.django_db
def test_styleguide_is_404_for_anyone_but_staff(client):
    url = reverse("styleguide")
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_styleguide_shows_every_component_to_staff_in_english_and_spanish(client):
    client.force_login(UserFactory(is_staff=True))
    english = client.get(reverse("styleguide")).content.decode()
    assert '<html lang="en">' in english
    for marker in [
        "ui-page-header", "ui-card", "ui-stat", "ui-table-wrap", "ui-filters", "ui-empty",
        "ui-badge", "ui-avatar", "ui-person", 'role="progressbar"', 'role="tablist"',
        "ui-toast", "ui-form-section", "data-chart", "<dialog",
    ]:  # fmt: skip
        assert marker in english, marker
    assert "<script>" not in english and " onclick=" not in english  # CSP: no inline script
    spanish = client.get(reverse("styleguide") + "?lang=es").content.decode()
    assert '<html lang="es">' in spanish


def test_toasts_in_an_htmx_response_append_to_the_pages_regions():
    messages = [Message(levels.SUCCESS, "Approved."), Message(levels.ERROR, "Not saved.")]
    html = render("{% toasts messages oob=True %}", messages=messages)
    assert '<div id="toasts" hx-swap-oob="beforeend">' in html
    assert '<div id="toasts-alerts" hx-swap-oob="beforeend">' in html
    assert "role=" not in html.split('data-ui-toast="success"')[0]  # the page's regions announce
    page = render("{% toasts messages %}", messages=[])
    assert 'id="toasts" role="status" aria-live="polite"' in page
    assert 'id="toasts-alerts" role="alert" aria-live="assertive"' in page


def test_nav_item_marks_the_current_page_and_names_its_count():
    html = render(
        "{% nav_item label='Matching' href='/m/' icon='match' current=True count=4"
        " count_label='awaiting review' %}"
    )
    assert '<a class="ui-nav__item" href="/m/" aria-current="page">' in html
    assert '<span class="ui-nav__count">4<span class="ui-visually-hidden"> awaiting review' in html
    assert "aria-current" not in render("{% nav_item label='Home' href='/' icon='home' %}")


@pytest.mark.django_db
def test_styleguide_shows_the_app_shell_to_staff(client):
    client.force_login(UserFactory(is_staff=True))
    html = client.get(reverse("styleguide") + "?view=shell").content.decode()
    assert 'class="ui-shell"' in html and 'class="ui-nav"' in html


def test_every_page_has_the_one_confirm_dialog_meridian_js_drives(client, db):
    """One dialog, one behaviour: base.html includes the partial rather than a copy of it."""
    html = client.get(reverse("account_login")).content.decode()

    assert html.count('<dialog id="confirm-dialog"') == 1
    assert 'class="ui-modal"' in html
    assert "data-confirm-ok" in html and "data-confirm-title" in html


def test_confirm_tag_writes_the_data_attributes_meridian_js_reads():
    html = render("{% confirm message='Emails 176 people.' title='Publish?' button='Publish' %}")
    assert html == (
        ' data-confirm="Emails 176 people." data-confirm-title="Publish?"'
        ' data-confirm-button="Publish"'
    )
    # Text from a variable (a program's name in the message) is escaped into the attribute.
    assert 'data-confirm="&lt;b&gt; &quot;x&quot;"' in render(
        "{% confirm message=text %}", text='<b> "x"'
    )
