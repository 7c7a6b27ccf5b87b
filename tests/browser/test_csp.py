"""Every page works under the Content-Security-Policy in Chromium: no violation on any page an
owner can open under /o/<slug>/, the account pages, the sign-in pages, the style guide (as staff)
and the API documentation (Swagger UI and Redoc, which must still render), and htmx still swaps
content in place."""

import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from organizations.models import Role
from tests.browser.conftest import TIMEOUT_MS, whole_html_pages
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Runs in every document before its own scripts: keeps each violation the page reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    " at " + (event.sourceFile || "?") + ":" + event.lineNumber
  );
});
"""


# One frame and one turn of the event loop: a request a swap or a script starts has been sent,
# and a violation it caused has been reported, by the time this resolves.
NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))"


def _settle(page, pending: set) -> None:
    """Waits until every request the page started (htmx fragments loaded on `load`, what they
    in turn load) has finished and a frame has passed without a new one. What networkidle
    proved, without its fixed 500 ms of quiet on each of ~60 pages."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        page.evaluate(NEXT_FRAME)  # also lets Playwright deliver the request events
        if not pending:
            return
        assert time.monotonic() < deadline, f"requests still open: {pending}"
        page.wait_for_timeout(25)


def _watched_page(new_page):
    page = new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    pending: set = set()
    # Playwright wants Python functions as handlers, not a set's built-in methods.
    page.on("request", lambda request: pending.add(request))
    page.on("requestfinished", lambda request: pending.discard(request))
    page.on("requestfailed", lambda request: pending.discard(request))
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text or "Permissions policy" in message.text
            else None
        ),
    )
    # The favicon is the browser's own request, not the page's.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    return page, console, pending


def _violations(page, url: str, console: list[str]) -> list[str]:
    found = [f"{url}: {line}" for line in page.evaluate("window.__cspViolations || []")]
    found += [f"{url}: {line}" for line in console]
    console.clear()
    return found


def test_no_page_violates_the_policy(new_page, sign_in, client, db):
    organization = OrganizationFactory(name="Acme", slug="acme")
    ids, _rows = build_world(organization)
    owner = MembershipFactory(organization=organization, role=Role.OWNER, user=UserFactory()).user
    client.force_login(owner)
    pages = whole_html_pages(client, organization.slug, ids)
    assert len(pages) > 15, pages
    assert f"/o/{organization.slug}/catalog/" in pages or any("catalog" in p for p in pages)
    assert any("/rounds/" in p for p in pages), pages
    pages += [
        reverse("accounts:settings"),
        reverse("organizations:organization_list"),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("mfa_index"),
        "/no-such-page/",
    ]

    violations: list[str] = []
    page, console, pending = _watched_page(new_page)
    for url in (
        "/",
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
    ):
        page.goto(url)
        _settle(page, pending)
        violations += _violations(page, url, console)

    sign_in(page, owner)
    for url in pages:
        page.goto(url)
        _settle(page, pending)
        violations += _violations(page, url, console)

    staff, staff_console, staff_pending = _watched_page(new_page)
    sign_in(staff, UserFactory(is_staff=True))
    staff.goto("/_styleguide/")
    _settle(staff, staff_pending)
    violations += _violations(staff, "/_styleguide/", staff_console)
    assert violations == []


# Both viewers fetch and lay out the whole schema (hundreds of operations): on a busy machine
# that takes longer than Playwright's default 5 s.
DOCS_TIMEOUT_MS = 30_000


def test_the_api_documentation_renders_under_the_policy(new_page, db):
    page, console, _pending = _watched_page(new_page)
    page.goto(reverse("api-docs"))
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Meridian API", timeout=DOCS_TIMEOUT_MS
    )
    expect(page.locator(".opblock").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    violations = _violations(page, "docs", console)

    page.goto(reverse("api-redoc"))
    expect(page.get_by_role("heading", level=1).first).to_contain_text(
        "Meridian API", timeout=DOCS_TIMEOUT_MS
    )
    page.wait_for_load_state("networkidle")
    # Redoc's bundle always adds a Redocly logo from its CDN (no option turns it off); the policy
    # refuses it, as intended, and Redoc then drops the image. Nothing else may be refused.
    violations += [
        line
        for line in _violations(page, "redoc", console)
        if "https://cdn.redoc.ly/redoc/logo-mini.svg" not in line
    ]
    assert violations == []
    expect(page.locator("img[alt='redocly logo']")).to_have_count(0)


def test_htmx_and_the_confirmation_dialog_work_under_the_policy(new_page, sign_in, db):
    organization = OrganizationFactory(name="Acme", slug="acme")
    ids, _rows = build_world(organization)
    owner = MembershipFactory(organization=organization, role=Role.OWNER, user=UserFactory()).user
    page, console, _pending = _watched_page(new_page)
    sign_in(page, owner)
    url = reverse("programs:cohort_detail", args=[organization.slug, ids["cohort_id"]])
    page.goto(url)
    page.evaluate("window.__sameDocument = true")
    questions = page.locator("#questions")
    before = questions.locator("ol > li:not(.muted)").count()

    page.get_by_text("Add a question").click()
    questions.get_by_label("Question").fill("What would you like to talk about first?")
    questions.get_by_label("Kind").select_option(label="Short text")
    questions.get_by_role("button", name="Add question").click()
    expect(questions.locator("ol > li:not(.muted)")).to_have_count(before + 1)
    expect(questions).to_contain_text("What would you like to talk about first?")

    # Delete asks first (static/js/meridian.js opens the dialog), then htmx swaps the list.
    item = questions.locator("ol > li", has_text="What would you like to talk about first?")
    item.get_by_role("button", name="Delete").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("[data-confirm-ok]").click()
    expect(questions.locator("ol > li:not(.muted)")).to_have_count(before)
    assert page.evaluate("window.__sameDocument") is True
    assert _violations(page, url, console) == []


def test_a_violation_in_a_fragment_loaded_after_the_page_is_still_caught(new_page, sign_in, db):
    """The page walk above waits with `_settle`, not networkidle: it must still see what a
    fragment htmx loads after the page's own load event does (here the home page's health card,
    given an image from another host, which the policy refuses)."""
    organization = OrganizationFactory(name="Acme", slug="acme")
    owner = MembershipFactory(organization=organization, role=Role.OWNER, user=UserFactory()).user
    page, console, pending = _watched_page(new_page)
    sign_in(page, owner)

    def foreign_image_in_fragments(route):
        if route.request.headers.get("hx-request"):
            response = route.fetch()
            body = response.text() + '<img src="https://images.example/x.png" alt="">'
            route.fulfill(response=response, body=body)
        else:
            route.continue_()

    page.route("**/insights/**", foreign_image_in_fragments)
    url = reverse("dashboard", args=[organization.slug])
    page.goto(url)
    _settle(page, pending)
    found = _violations(page, url, console)
    assert any("img-src blocked https://images.example/x.png" in line for line in found), found
    expect(page.get_by_test_id("program-health")).not_to_be_empty()
