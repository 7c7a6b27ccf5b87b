"""Headless Debian Chromium driven by Playwright's sync API against pytest-django's live_server.

Never `playwright install`: the system Chromium is used. Without it the tests skip locally and
fail under CI=true, where .ci/run installs it.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.world import fill_route, org_url_patterns

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # These stop calls to Google hosts this machine cannot reach.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
# The browser's own zone, deliberately not UTC, so that a form reading times in the wrong zone
# shows up as wrong stored values.
BROWSER_TIME_ZONE = "Europe/Berlin"
TIMEOUT_MS = 15_000


# Routes (not URLs: ids differ from test to test) of the whole HTML pages an owner opens in the
# world tests.world.build_world makes. Finding them takes a request to each of ~145 routes, about
# a minute under load, so the tests that visit every page share one walk per process.
_whole_page_routes: list[str] | None = None


def whole_html_pages(client, org_slug: str, ids: dict) -> list[str]:
    """URLs under /o/<org_slug>/ that `client`, signed in as an owner of an organization filled
    by build_world (which gives `ids`), gets as a whole HTML page: not htmx fragments (checked
    inside the pages that hold them), files, redirects or errors."""
    global _whole_page_routes
    if _whole_page_routes is None:
        routes = []
        for route, _entry in org_url_patterns():
            response = client.get(fill_route(route, org_slug, ids))
            if (
                response.status_code == 200
                and response["Content-Type"].startswith("text/html")
                and not response.streaming
                and b"<html" in response.content
            ):
                routes.append(route)
        _whole_page_routes = routes
    return [fill_route(route, org_slug, ids) for route in _whole_page_routes]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)")
    pytest.skip(reason)


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Playwright and the system Chromium, both stopped on leaving. One at a time per process:
    a Playwright still open refuses to start a second one in the same thread."""
    if not CHROMIUM.exists():
        _unavailable(f"Chromium not found at {CHROMIUM}; apt-get install -y chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the package's tests (starting Playwright and Chromium for each module
    cost about 4 s each under load); each test gets a fresh context (cookies, storage)."""
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def new_page(browser, live_server):
    """Opens pages on the live server: `new_page()` for a desktop, `new_page(viewport=PHONE)`."""
    contexts = []

    def open_page(viewport: dict = DESKTOP):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            locale="en-US",
            timezone_id=BROWSER_TIME_ZONE,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def sign_in(live_server, client):
    """Puts a Django session for `user` into the page's browser context (no login form, no
    email verification): for tests about pages, not about signing in."""

    def sign_in_page(page, user) -> None:
        client.force_login(user)
        session = client.cookies["sessionid"]
        page.context.add_cookies(
            [{"name": "sessionid", "value": session.value, "url": live_server.url}]
        )

    return sign_in_page
