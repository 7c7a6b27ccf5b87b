"""Settings → Webhooks in Chromium: an owner adds an endpoint and copies its secret, rotates it
through the confirmation dialog by keyboard, and replays a delivery from the log; the pages fit
a 375 px screen without console errors."""

from pathlib import Path

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from webhooks import services
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "webhooks"


def _open(new_page, sign_in, user, url, viewport=None):
    page = new_page(viewport) if viewport else new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, user)
    page.goto(url)
    return page, errors


def _fits(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_owner_adds_rotates_and_replays_by_keyboard(new_page, sign_in, org, owner, receiver):
    page, errors = _open(
        new_page, sign_in, owner, reverse("webhooks:endpoint_list", args=[org.slug])
    )
    _shot(page, "list-empty-1280")
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Mentorship started").check()
    page.get_by_role("button", name="Add endpoint").click()

    first_secret = page.get_by_test_id("new-webhook-secret").inner_text()
    assert first_secret.startswith("whsec_")
    # The Copy button beside it works from the keyboard and puts the secret on the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy = page.get_by_role("button", name="Copy", exact=True)
    copy.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Copied", exact=True)).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == first_secret
    with scopes_disabled():
        endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == first_secret

    rotate = page.get_by_role("button", name="Rotate secret")
    rotate.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    assert "Rotate the signing secret?" in dialog.inner_text()
    page.keyboard.press("Enter")
    # The rotation reloads the page; read the secret once the new one is shown.
    shown_secret = page.get_by_test_id("new-webhook-secret")
    expect(shown_secret).not_to_have_text(first_secret)
    second_secret = shown_secret.inner_text()
    with scopes_disabled():
        endpoint.refresh_from_db()
    assert second_secret.startswith("whsec_")
    assert endpoint.secret == second_secret

    services.events_record(
        organization_id=org.pk, event_type=EventType.MENTORSHIP_STARTED, payloads=[{"id": 1}]
    )
    services.deliveries_send_due(organization=org)
    page.goto(reverse("webhooks:endpoint_detail", args=[org.slug, endpoint.pk]))
    expect(page.get_by_role("cell", name="mentorship.started")).to_be_visible()
    _shot(page, "detail-1280")
    replay = page.get_by_role("button", name="Replay")
    replay.focus()
    page.keyboard.press("Enter")
    dialog.wait_for(state="visible")
    page.keyboard.press("Enter")
    page.get_by_text("The delivery is sent again now.").wait_for()
    services.deliveries_send_due(organization=org)

    assert len(receiver.requests) == 2
    with scopes_disabled():
        assert WebhookDelivery.objects.get().attempts == 1
    assert errors == []


def test_the_webhook_pages_fit_a_phone(new_page, sign_in, org, owner, receiver):
    endpoint = services.webhook_endpoint_create(
        organization=org,
        actor=owner,
        url=receiver.url,
        description="HR data warehouse",
        event_types=list(EventType.values),
    )
    receiver.answers = [500]
    services.events_record(
        organization_id=org.pk, event_type=EventType.CHECK_IN_HELD, payloads=[{"id": 1}]
    )
    services.deliveries_send_due(organization=org)
    with scopes_disabled():
        delivery = WebhookDelivery.objects.get()

    for name, url in (
        ("list", reverse("webhooks:endpoint_list", args=[org.slug])),
        ("detail", reverse("webhooks:endpoint_detail", args=[org.slug, endpoint.pk])),
        ("delivery", reverse("webhooks:delivery_detail", args=[org.slug, delivery.pk])),
    ):
        page, errors = _open(new_page, sign_in, owner, url, viewport=PHONE)
        _shot(page, f"{name}-375")
        assert _fits(page), name
        assert errors == [], name
