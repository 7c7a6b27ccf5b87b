"""Every page under /o/<org_slug>/ that an owner can open, and their own account pages, fit a
375 px phone screen: no sideways scrolling of the page itself (wide tables scroll inside their
own box)."""

import os

import pytest
from django.urls import reverse

from organizations.models import Role
from tests.browser.conftest import PHONE, whole_html_pages
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SCREENSHOT_DIR = os.environ.get("BROWSER_SCREENSHOT_DIR")


def test_every_page_fits_a_375px_screen(new_page, sign_in, live_server, client, db):
    organization = OrganizationFactory(name="Acme", slug="acme")
    ids, _rows = build_world(organization)
    owner = MembershipFactory(organization=organization, role=Role.OWNER, user=UserFactory()).user
    client.force_login(owner)
    pages = whole_html_pages(client, organization.slug, ids)
    pages += [
        reverse("accounts:settings"),
        reverse("organizations:organization_list"),
        reverse("account_email"),
    ]
    assert len(pages) > 15, pages

    page = new_page(viewport=PHONE)
    sign_in(page, owner)
    too_wide = {}
    for url in pages:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[url] = width
        if SCREENSHOT_DIR:
            name = url.strip("/").replace("/", "_") or "home"
            page.screenshot(path=f"{SCREENSHOT_DIR}/{name}-375.png", full_page=True)
    assert too_wide == {}
