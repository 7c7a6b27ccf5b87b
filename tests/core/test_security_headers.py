"""Every HTML page answers with the Content-Security-Policy and the Permissions-Policy, and the
templates hold nothing that policy would refuse: no inline <script> (JSON data islands aside),
no on*= event handlers, no style="" attributes, no <style> elements."""

import http.server
import re
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from organizations.models import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.world import build_world, fill_route, org_url_patterns

TEMPLATES = Path(settings.BASE_DIR) / "templates"
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE | re.DOTALL)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
OFF = ("camera", "microphone", "geolocation", "payment", "usb")


def _directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def _assert_headers(url, response, strict=True):
    assert "Content-Security-Policy" in response, url
    directives = _directives(response["Content-Security-Policy"])
    for name, value in STRICT.items():
        if strict or name != "style-src":
            assert directives.get(name) == value, (url, name, directives.get(name))
    for name, value in directives.items():
        assert "unsafe-eval" not in value, (url, name)
        if name != "style-src":
            assert "unsafe-inline" not in value, (url, name)
    features = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    for feature in OFF:
        assert features.get(feature) == "()", (url, feature)


def _template_files():
    files = sorted(TEMPLATES.rglob("*.html"))
    assert len(files) > 20
    return files


def _markup(path: Path) -> str:
    """The template without its Django comments, which may name the things refused here."""
    return COMMENT.sub("", path.read_text())


def test_templates_have_no_inline_scripts():
    offenders = []
    for path in _template_files():
        for match in SCRIPT_TAG.finditer(_markup(path)):
            attributes = match.group(1)
            is_file = re.search(r"\ssrc\s*=", attributes)
            is_data = re.search(r"""type\s*=\s*["']application/json["']""", attributes)
            if not (is_file or is_data):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert offenders == []


def test_templates_have_no_event_handlers_or_inline_styles():
    offenders = []
    for path in _template_files():
        text = _markup(path)
        for name, pattern in (
            ("on*=", EVENT_HANDLER),
            ("style=", STYLE_ATTRIBUTE),
            ("<style>", STYLE_ELEMENT),
        ):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {name}")
    assert offenders == []


def test_the_checks_catch_what_they_look_for():
    assert SCRIPT_TAG.search("<script>alert(1)</script>")
    assert EVENT_HANDLER.search('<button class="x" onclick="go()">')
    assert EVENT_HANDLER.search('<img\n  onerror="go()">')
    assert not EVENT_HANDLER.search('<button data-confirm="x" hx-post="/a">')
    assert STYLE_ATTRIBUTE.search('<p style="color:red">')
    assert not STYLE_ATTRIBUTE.search('<p class="style">')
    assert COMMENT.sub("", "{# no <style> here #}<p>") == "<p>"


@pytest.mark.django_db
def test_every_html_page_carries_both_policies(client):
    organization = OrganizationFactory(name="Acme", slug="acme")
    ids, _rows = build_world(organization)
    owner = MembershipFactory(organization=organization, role=Role.OWNER, user=UserFactory()).user

    anonymous = [
        "/",
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("api-docs"),
        reverse("api-redoc"),
        "/no-such-page/",
    ]
    for url in anonymous:
        _assert_headers(url, client.get(url), strict=url != reverse("api-redoc"))

    client.force_login(owner)
    checked = 0
    for route, _entry in org_url_patterns():
        url = fill_route(route, organization.slug, ids)
        response = client.get(url)
        if response.get("Content-Type", "").startswith("text/html"):
            _assert_headers(url, response)
            checked += 1
    assert checked > 15
    for url in (
        reverse("accounts:settings"),
        reverse("organizations:organization_list"),
        reverse("account_email"),
        reverse("mfa_index"),
    ):
        _assert_headers(url, client.get(url))

    client.force_login(UserFactory(is_staff=True))
    _assert_headers("/_styleguide/", client.get("/_styleguide/"))


def test_the_redoc_page_alone_allows_inline_styles_and_scripts_stay_strict(client, db):
    response = client.get(reverse("api-redoc"))
    directives = _directives(response["Content-Security-Policy"])
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["script-src"] == "'self'"
    assert directives["worker-src"] == "blob:"  # Redoc's search index runs in a blob: Worker
    swagger = _directives(client.get(reverse("api-docs"))["Content-Security-Policy"])
    assert swagger["style-src"] == "'self'"
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def _chromium_console(permissions_policy: str) -> list[str]:
    """What Chromium writes to the console on loading a blank page sent with this header."""
    from tests.browser.conftest import launched_chromium

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Permissions-Policy", permissions_policy)
            self.end_headers()
            self.wfile.write(b"<!doctype html><title>policy</title>")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    console: list[str] = []
    try:
        with launched_chromium() as chromium:
            page = chromium.new_page()
            page.on("console", lambda message: console.append(message.text))
            page.goto(f"http://127.0.0.1:{server.server_port}/")
            page.wait_for_timeout(300)
    finally:
        server.shutdown()
        server.server_close()
    return console


def test_chromium_reports_a_permissions_policy_feature_it_does_not_know():
    console = _chromium_console("camera=(), bluetooth=()")

    assert any("bluetooth" in text for text in console), console


@pytest.mark.django_db
def test_chromium_recognises_every_feature_of_the_permissions_policy(client):
    """Chromium logs "Unrecognized feature" to the console of every page for a feature it does
    not know (it did for "bluetooth"): the header a page really sends, served to Chromium."""
    header = client.get(reverse("account_login"))["Permissions-Policy"]
    assert "camera=()" in header

    console = _chromium_console(header)

    assert [text for text in console if "Permissions-Policy" in text] == []
