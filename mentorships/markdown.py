"""Markdown written by people, made safe to show: rendered by `markdown`, then cleaned by `nh3`
(a sanitiser with an allow-list), so no script, event handler, style or javascript: link
survives whatever was typed."""

from __future__ import annotations

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "h2", "h3", "h4", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render(text: str) -> SafeString:
    """HTML for a Markdown text. Headings start at h2 (the page owns h1); links open nowhere
    new and carry rel="noopener nofollow noreferrer"."""
    html = markdown_lib.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 — cleaned by nh3's allow-list just above
