"""Meridian's components as template tags: `{% load ui %}`.

Each tag renders a partial in templates/components/; docs/design.md shows every one with an
example and /_styleguide/ shows them with their variants. The tags take keyword arguments only
(except the one obvious value: an icon's name, a badge's text, an avatar's name), so a template
reads as a list of what the component shows.

Two kinds:
- inclusion tags for leaf components: icon, badge, avatar, person_chip, progress, stat_tile,
  chart, toasts, breadcrumbs;
- block tags for components that wrap content: page_header, card, empty_state, filters,
  data_table, form_section, tabs/tab. Their body is the `body` slot; `{% slot "name" %}…
  {% endslot %}` inside the body fills a named slot (a card's footer, a header's meta).

Nothing here imports a project app: the floor (core) serves every layer above it.
"""

from __future__ import annotations

import builtins
import colorsys
import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.contrib.messages import constants as message_levels
from django.template import Engine
from django.template.base import FilterExpression, Node, NodeList, Parser, Token
from django.template.context import Context
from django.templatetags.static import static
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_countries import countries

register = template.Library()

# The icons in static/vendor/lucide/sprite.svg (scripts/vendor builds it from the same list).
ICONS = frozenset(
    {
        "alert", "alert-circle", "arrow-right", "bell", "calendar", "chart", "check",
        "check-circle", "chevron-down", "chevron-left", "chevron-right", "chevron-up", "clock",
        "edit", "external-link", "filter", "globe", "home", "inbox", "info", "log-out", "match",
        "menu", "message", "moon", "more-horizontal", "plus", "programs", "search", "settings",
        "sparkles", "sun", "trash", "trend-down", "trend-flat", "trend-up", "user", "user-plus",
        "users", "x",
    }
)  # fmt: skip
SPRITE = "vendor/lucide/sprite.svg"

BADGE_VARIANTS = frozenset({"neutral", "brand", "success", "warning", "danger", "info"})
PROGRESS_VARIANTS = frozenset({"brand", "success", "warning", "danger"})
SIZES = frozenset({"sm", "md", "lg"})

# WCAG 2.x: normal text needs 4.5:1 against its background (AA).
AA_NORMAL_TEXT = 4.5


# ---------------------------------------------------------------------------------------------
# Colour arithmetic (also used by the contrast tests)
# ---------------------------------------------------------------------------------------------


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    value = value.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def relative_luminance(value: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour written #rrggbb."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in hex_to_rgb(value))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    lighter, darker = sorted(
        (relative_luminance(foreground), relative_luminance(background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def _hex(r: float, g: float, b: float) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (r, g, b)))


AVATAR_TEXT = "#ffffff"


# Hues (degrees) that make calm, distinct avatar colours; yellows and olives are left out, as
# they only pass contrast with white text once darkened to brown.
AVATAR_HUES = (4, 18, 150, 165, 178, 195, 210, 225, 245, 262, 280, 300, 322, 340)


@functools.lru_cache(maxsize=4096)
def avatar_colour(name: str) -> str:
    """A background for white initials, the same for the same name on every server and run.

    The hue comes from a SHA-256 of the name (Python's hash() changes between processes); the
    lightness steps down until white text reaches AA contrast, so every hue gives readable
    initials. Pure, so cached: a page of chips repeats the same names.
    """
    digest = hashlib.sha256(name.strip().casefold().encode()).digest()
    hue = AVATAR_HUES[int.from_bytes(digest[:4], "big") % len(AVATAR_HUES)] / 360
    saturation = 0.45 + (digest[4] % 16) / 100  # 0.45-0.60: varied, never neon
    lightness = 0.48
    colour = _hex(*colorsys.hls_to_rgb(hue, lightness, saturation))
    while contrast_ratio(AVATAR_TEXT, colour) < AA_NORMAL_TEXT:
        lightness -= 0.01
        colour = _hex(*colorsys.hls_to_rgb(hue, lightness, saturation))
    return colour


def initials(name: str) -> str:
    """Up to two letters: first and last word ("Ana María Pérez" -> "AP"); "?" for no name."""
    words = [w for w in name.replace("@", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:1].upper()
    return (words[0][:1] + words[-1][:1]).upper()


def flag_emoji(country_code: str) -> str:
    """The regional-indicator flag for an ISO 3166-1 alpha-2 code ("ES" -> 🇪🇸)."""
    code = country_code.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code)


def local_time(time_zone: str, now: datetime | None = None) -> datetime | None:
    """The time now in `time_zone` (an IANA name), or None for a blank or unknown zone."""
    if not time_zone:
        return None
    try:
        zone = ZoneInfo(str(time_zone))
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return (now or timezone.now()).astimezone(zone)


# ---------------------------------------------------------------------------------------------
# Leaf components
# ---------------------------------------------------------------------------------------------


def _check(value: str, allowed: frozenset[str], what: str) -> str:
    if value not in allowed:
        raise template.TemplateSyntaxError(f"unknown {what} {value!r}; one of {sorted(allowed)}")
    return value


@register.inclusion_tag("components/icon.html")
def icon(name: str, size: str = "", label: str = "", css_class: str = "") -> dict[str, Any]:
    """`{% icon "match" %}`: decorative (aria-hidden) unless given a `label`, which a screen
    reader then announces (for an icon that stands alone, e.g. in an icon-only button)."""
    _check(name, ICONS, "icon")
    return {
        "href": f"{static(SPRITE)}#{name}",
        "name": name,
        "size": size,
        "label": label,
        "css_class": css_class,
    }


@register.inclusion_tag("components/badge.html")
def badge(text: Any, variant: str = "neutral", icon: str = "", dot: bool = False) -> dict[str, Any]:
    """`{% badge _("Approved") variant="success" icon="check" %}`. Status comes from the text:
    the colour only repeats it."""
    _check(variant, BADGE_VARIANTS, "badge variant")
    if icon:
        _check(icon, ICONS, "icon")
    return {"text": text, "variant": variant, "icon_name": icon, "dot": dot}


@register.inclusion_tag("components/avatar.html")
def avatar(name: Any, size: str = "md", decorative: bool = True) -> dict[str, Any]:
    """`{% avatar person.name %}`: initials on a colour from the name. Decorative by default (the
    name is written beside it); `decorative=False` makes it an image named after the person."""
    _check(size, SIZES, "avatar size")
    name = str(name or "")
    return {
        "name": name,
        "initials": initials(name),
        "background": avatar_colour(name),
        "foreground": AVATAR_TEXT,
        "size": size,
        "decorative": decorative,
    }


@register.inclusion_tag("components/person_chip.html")
def person_chip(
    name: Any,
    role: Any = "",
    country: Any = "",
    time_zone: Any = "",
    href: str = "",
    size: str = "md",
) -> dict[str, Any]:
    """`{% person_chip name=m.name role=_("Mentor") country=m.country time_zone=m.time_zone %}`:
    avatar, name, role, country (flag and code) and the time now where the person is."""
    _check(size, SIZES, "person chip size")
    code = str(country or "").upper()
    now_there = local_time(str(time_zone or ""))
    return {
        "name": str(name or ""),
        "role": role,
        "href": href,
        "size": "sm" if size == "sm" else "md",
        "country_code": code,
        "country_name": countries.name(code) if code else "",
        "flag": flag_emoji(code),
        "time_zone": str(time_zone or ""),
        "local_time": now_there,
        # Formatted here: the template's date filter would convert back to the viewer's zone.
        "local_time_text": formats.time_format(now_there, "TIME_FORMAT") if now_there else "",
        "local_time_iso": now_there.isoformat(timespec="minutes") if now_there else "",
    }


@register.inclusion_tag("components/progress.html")
def progress(
    value: Any,
    max: Any = 100,  # the ARIA and HTML name
    label: Any = "",
    text: Any = "",
    variant: str = "brand",
    show_label: bool = True,
) -> dict[str, Any]:
    """`{% progress value=12 max=20 label=_("Seats filled") %}`: a role=progressbar with
    aria-valuenow/min/max, and the same figures written out ("12 of 20") for everyone."""
    _check(variant, PROGRESS_VARIANTS, "progress variant")
    number = float(value or 0)
    ceiling = float(max or 0)
    percent = 0.0 if ceiling <= 0 else min(100.0, builtins.max(0.0, number / ceiling * 100))
    if not text:
        text = _("%(value)s of %(max)s") % {
            "value": formats.number_format(value or 0),
            "max": formats.number_format(max or 0),
        }
    return {
        "value": value or 0,
        "max": max or 0,
        "percent": round(percent, 2),
        "label": label,
        "text": text,
        "variant": variant,
        "show_label": show_label,
    }


TRENDS = frozenset({"up", "down", "flat"})


@register.inclusion_tag("components/stat_tile.html")
def stat_tile(
    label: Any,
    value: Any,
    trend: str = "",
    delta: Any = "",
    period: Any = "",
    good: str = "up",
    icon: str = "",
    href: str = "",
) -> dict[str, Any]:
    """`{% stat_tile label=_("Matched") value=412 trend="up" delta="12%" period=_("vs last
    cohort") %}`. The trend is written in words ("Up 12%"), with an arrow; colour only adds
    whether that is good (`good="down"` for figures that should fall, e.g. unmatched)."""
    if trend:
        _check(trend, TRENDS, "trend")
        _check(good, TRENDS - {"flat"}, "good direction")
    if icon:
        _check(icon, ICONS, "icon")
    if trend == "up":
        trend_text = _("Up %(delta)s") % {"delta": delta} if delta != "" else _("Up")
    elif trend == "down":
        trend_text = _("Down %(delta)s") % {"delta": delta} if delta != "" else _("Down")
    elif trend == "flat":
        trend_text = _("No change")
    else:
        trend_text = ""
    tone = "neutral" if trend in ("", "flat") else ("good" if trend == good else "bad")
    return {
        "label": label,
        "value": value,
        "trend": trend,
        "trend_text": trend_text.strip(),
        "trend_icon": f"trend-{trend}" if trend else "",
        "tone": tone,
        "period": period,
        "icon_name": icon,
        "href": href,
    }


@register.inclusion_tag("components/nav_item.html")
def nav_item(
    label: Any,
    href: str,
    icon: str,
    current: bool = False,
    count: Any = 0,
    count_label: Any = "",
    desktop_only: bool = False,
    key: str = "",
) -> dict[str, Any]:
    """`{% nav_item label=_("Matching") href=url icon="match" current=True count=4 %}`: one
    entry of the shell's navigation; `count` adds a badge (with `count_label`, e.g. "unread",
    for screen readers); `desktop_only` leaves it out of the phone's bottom bar; `key` names the
    section (`data-nav`) for scripts and tests."""
    _check(icon, ICONS, "icon")
    return {
        "label": label,
        "href": href,
        "icon_name": icon,
        "current": current,
        "count": count,
        "count_label": count_label,
        "desktop_only": desktop_only,
        "key": key,
    }


@register.inclusion_tag("partials/nav_more_item.html")
def nav_more_item(
    label: Any,
    href: str,
    icon: str,
    current: bool = False,
    count: Any = 0,
    count_label: Any = "",
    key: str = "",
) -> dict[str, Any]:
    """One entry of the phone's "More" menu (`partials/nav_more.html`): a section the bottom
    bar leaves out, with its count; `key` writes `data-nav-more` (the sidebar's own entry keeps
    `data-nav`)."""
    _check(icon, ICONS, "icon")
    return {
        "label": label,
        "href": href,
        "icon_name": icon,
        "current": current,
        "count": count,
        "count_label": count_label,
        "key": key,
    }


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str


@register.simple_tag
def crumbs(*pairs: Any) -> list[Crumb]:
    """`{% url "programs:program_list" org.slug as programs_url %}
    {% crumbs _("Programs") programs_url program.name program_url as trail %}`: label, URL,
    label, URL… for `page_header crumbs=trail`."""
    if len(pairs) % 2:
        raise template.TemplateSyntaxError("crumbs takes label, url pairs")
    return [Crumb(str(label), str(url)) for label, url in zip(pairs[::2], pairs[1::2], strict=True)]


@register.inclusion_tag("components/breadcrumbs.html")
def breadcrumbs(trail: Iterable[Crumb]) -> dict[str, Any]:
    return {"trail": list(trail or [])}


TOAST_LEVELS = {
    message_levels.DEBUG: ("info", "info"),
    message_levels.INFO: ("info", "info"),
    message_levels.SUCCESS: ("success", "check-circle"),
    message_levels.WARNING: ("warning", "alert"),
    message_levels.ERROR: ("error", "alert-circle"),
}


@register.inclusion_tag("components/toasts.html", takes_context=True)
def toasts(
    context: Context, messages: Iterable[Any] | None = None, inline: bool = False, oob: bool = False
) -> dict[str, Any]:
    """`{% toasts %}` in the page shell: Django's messages as toasts in a polite live region
    (errors in an assertive one). static/js/ui.js closes them; errors stay until closed.

    `{% toasts oob=True %}` in an htmx partial response appends its messages to the page's
    regions (hx-swap-oob), so a button pressed in a table row still says what happened."""
    source = messages if messages is not None else context.get("messages", ())
    items = []
    for message in source or ():
        variant, icon_name = TOAST_LEVELS.get(message.level, ("info", "info"))
        items.append({"text": str(message), "variant": variant, "icon_name": icon_name})
    return {
        "polite": [m for m in items if m["variant"] != "error"],
        "assertive": [m for m in items if m["variant"] == "error"],
        "inline": inline,
        "oob": oob,
        "region_id": "toasts-demo" if inline else "toasts",
    }


CHART_TYPES = frozenset({"bar", "hbar", "line", "histogram", "stacked-hbar", "doughnut"})


@register.inclusion_tag("components/chart.html", takes_context=True)
def chart(context: Context, spec: dict[str, Any], size: str = "md") -> dict[str, Any]:
    """`{% chart spec %}` with spec = {"id", "type", "title", "labels", "series": [{"label",
    "data"}], optional "description", "unit", "x_label", "y_label"}: a canvas drawn by
    static/js/charts.js from a JSON data island, and the same numbers as a table."""
    _check(spec.get("type", ""), CHART_TYPES, "chart type")
    chart_id = spec.get("id") or _unique_id(context, "chart")
    labels = list(spec.get("labels", []))
    series = [
        {"label": s.get("label", ""), "data": list(s.get("data", []))}
        for s in spec.get("series", [])
    ]
    rows = [
        {"label": label, "values": [s["data"][i] if i < len(s["data"]) else "" for s in series]}
        for i, label in enumerate(labels)
    ]
    data = {
        "type": spec["type"],
        "labels": labels,
        "series": series,
        "unit": spec.get("unit", ""),
        "x_label": spec.get("x_label", ""),
        "y_label": spec.get("y_label", ""),
    }
    return {
        "id": chart_id,
        "data_id": f"{chart_id}-data",
        "title": spec.get("title", ""),
        "description": spec.get("description", ""),
        "x_label": spec.get("x_label", "") or pgettext("chart table header", "Category"),
        "series": series,
        "rows": rows,
        "data": data,
        "size": size,
    }


# ---------------------------------------------------------------------------------------------
# Block components
# ---------------------------------------------------------------------------------------------


class SlotNode(Node):
    """`{% slot "footer" %}…{% endslot %}` inside a block component: rendered by its parent."""

    def __init__(self, name: str, nodelist: NodeList):
        self.name = name
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        return ""


@register.tag("slot")
def do_slot(parser: Parser, token: Token) -> SlotNode:
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'":
        raise template.TemplateSyntaxError('use {% slot "name" %}…{% endslot %}')
    nodelist = parser.parse(("endslot",))
    parser.delete_first_token()
    return SlotNode(bits[1][1:-1], nodelist)


def _parse_kwargs(parser: Parser, bits: list[str], tag: str) -> dict[str, FilterExpression]:
    kwargs = template.base.token_kwargs(bits, parser, support_legacy=False)
    if bits:
        raise template.TemplateSyntaxError(f"{tag} takes keyword arguments only, got {bits}")
    return kwargs


# Completes a component's values before it renders (an id, checked icon names…).
_Prepare = Callable[[dict[str, Any], Context], dict[str, Any]]


class ComponentNode(Node):
    """Renders `template_name` with the tag's keyword arguments, `body` (the content between the
    tags, minus slots) and one variable per `{% slot %}`."""

    def __init__(
        self,
        template_name: str,
        kwargs: dict[str, FilterExpression],
        nodelist: NodeList,
        prepare: _Prepare,
    ) -> None:
        self.template_name = template_name
        self.kwargs = kwargs
        self.nodelist = nodelist
        self.prepare = prepare

    def render(self, context: Context) -> str:
        values = {key: value.resolve(context) for key, value in self.kwargs.items()}
        body = NodeList(node for node in self.nodelist if not isinstance(node, SlotNode))
        values["body"] = body.render(context)
        for node in self.nodelist:
            if isinstance(node, SlotNode):
                values[node.name] = node.nodelist.render(context)
        values = self.prepare(values, context)
        component = _engine(context).get_template(self.template_name)
        return component.render(context.new(values))


def _block_component(name: str, template_name: str, prepare: _Prepare) -> None:
    def compile_tag(parser: Parser, token: Token) -> ComponentNode:
        kwargs = _parse_kwargs(parser, token.split_contents()[1:], name)
        nodelist = parser.parse((f"end{name}",))
        parser.delete_first_token()
        return ComponentNode(template_name, kwargs, nodelist, prepare)

    register.tag(name, compile_tag)


def _unique_id(context: Context, prefix: str) -> str:
    """prefix-1, prefix-2… unique within one rendering of a page."""
    key = f"ui_{prefix}_counter"
    number = cast(int, context.render_context.get(key, 0)) + 1
    context.render_context[key] = number
    return f"{prefix}-{number}"


def _engine(context: Context) -> Engine:
    return context.template.engine if context.template else Engine.get_default()


def _with_id(prefix: str) -> _Prepare:
    def prepare(values: dict[str, Any], context: Context) -> dict[str, Any]:
        values.setdefault("id", _unique_id(context, prefix))
        if values.get("icon"):
            _check(values["icon"], ICONS, "icon")
        if values.get("action_icon"):
            _check(values["action_icon"], ICONS, "icon")
        return values

    return prepare


# {% page_header title=… lede=… crumbs=trail action_url=… action_label=… action_icon="plus" %}
#   extra actions (buttons, forms){% endpage_header %}
_block_component("page_header", "components/page_header.html", _with_id("page-header"))
# {% card title=… subtitle=… icon=… action_url=… action_label=… flush=True %}…
#   {% slot "footer" %}…{% endslot %}{% endcard %}
_block_component("card", "components/card.html", _with_id("card"))
# {% empty_state title=… text=… icon="inbox" action_url=… action_label=… %}{% endempty_state %}
_block_component("empty_state", "components/empty_state.html", _with_id("empty"))
# {% filters label=… reset_url=… %}{{ form fields }}{% endfilters %}
_block_component("filters", "components/filters.html", _with_id("filters"))
# {% data_table label=… %}<table class="ui-table">…</table>{% enddata_table %}
_block_component("data_table", "components/data_table.html", _with_id("table"))
# {% form_section legend=… help=… %}{{ fields }}{% endform_section %}
_block_component("form_section", "components/form_section.html", _with_id("section"))


class TabNode(Node):
    def __init__(self, kwargs: dict[str, FilterExpression], nodelist: NodeList):
        self.kwargs = kwargs
        self.nodelist = nodelist

    def render(self, context: Context) -> str:  # rendered by TabsNode
        return ""


class TabsNode(Node):
    def __init__(self, kwargs: dict[str, FilterExpression], nodelist: NodeList):
        self.kwargs = kwargs
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        values = {key: value.resolve(context) for key, value in self.kwargs.items()}
        tabs_id = values.get("id") or _unique_id(context, "tabs")
        tabs = []
        for index, node in enumerate(n for n in self.nodelist if isinstance(n, TabNode)):
            tab = {key: value.resolve(context) for key, value in node.kwargs.items()}
            tab["index"] = index
            tab["tab_id"] = f"{tabs_id}-tab-{index + 1}"
            tab["panel_id"] = f"{tabs_id}-panel-{index + 1}"
            tab["content"] = node.nodelist.render(context)
            tabs.append(tab)
        selected = values.get("selected", 0)
        for tab in tabs:
            tab["selected"] = tab["index"] == selected
        component = _engine(context).get_template("components/tabs.html")
        return component.render(
            context.new({"id": tabs_id, "label": values.get("label"), "tabs": tabs})
        )


@register.tag("tabs")
def do_tabs(parser: Parser, token: Token) -> TabsNode:
    """`{% tabs label=_("Cohort") %}{% tab label=_("Overview") %}…{% endtab %}…{% endtabs %}`:
    WAI-ARIA tabs; static/js/ui.js moves between them with the arrow keys, Home and End."""
    kwargs = _parse_kwargs(parser, token.split_contents()[1:], "tabs")
    nodelist = parser.parse(("endtabs",))
    parser.delete_first_token()
    return TabsNode(kwargs, nodelist)


@register.tag("tab")
def do_tab(parser: Parser, token: Token) -> TabNode:
    kwargs = _parse_kwargs(parser, token.split_contents()[1:], "tab")
    nodelist = parser.parse(("endtab",))
    parser.delete_first_token()
    return TabNode(kwargs, nodelist)


@register.simple_tag
def confirm(message: Any, title: Any = "", button: Any = "") -> str:
    """`<form method="post" {% confirm message=_("Emails 176 people.") title=_("Publish?")
    button=_("Publish") %}>`: the form asks in the page's confirmation dialog
    (components/confirm_dialog.html, opened by static/js/meridian.js) before it is sent. Say what
    will happen; the button repeats the action."""
    attributes = format_html(' data-confirm="{}"', message)
    if title:
        attributes += format_html(' data-confirm-title="{}"', title)
    if button:
        attributes += format_html(' data-confirm-button="{}"', button)
    return attributes


@register.simple_tag
def fields_of(form: Any, names: str = "", rest: bool = False) -> list[Any]:
    """`{% fields_of form "email full_name role" as who %}`: the form's visible fields of those
    names, in that order (names the form lacks are skipped), for one `form_section`;
    `{% fields_of form "email full_name role …" rest=True as others %}` gives the visible fields
    *not* named, in the form's order (a cohort's own questions, say)."""
    wanted = names.split()
    visible = {field.name: field for field in form.visible_fields()}
    if rest:
        return [field for name, field in visible.items() if name not in wanted]
    return [visible[name] for name in wanted if name in visible]
