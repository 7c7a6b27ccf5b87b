"""The round review of a 1,000-pair round in Chromium: filters swap the list and keep the URL,
rows selected and approved in bulk after the confirmation, counters that follow in place, a
row menu used from the keyboard, and a phone width without sideways scrolling."""

import json
import os
from pathlib import Path

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from matching.models import MatchProposal, ProposalStatus
from tests.browser.conftest import PHONE
from tests.matching.test_round_review import review_round

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAIRS = 1000
SHOTS = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or "test-results")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _counter(page, name: str) -> str:
    return page.get_by_test_id(f"count-{name}").inner_text().strip()


def _wait_for_counter(page, name: str, value: int) -> None:
    # A function, not a bare expression: the Content-Security-Policy refuses eval.
    page.wait_for_function(
        "([name, value]) => document.querySelector(`[data-testid=count-${name}]`)"
        ".textContent.trim() === value",
        arg=[name, str(value)],
    )


def _approved() -> set[int]:
    with scopes_disabled():
        return set(
            MatchProposal.objects.filter(status=ProposalStatus.APPROVED).values_list(
                "pk", flat=True
            )
        )


def test_a_thousand_pair_round_is_reviewed_with_filters_bulk_and_keyboard(
    new_page, sign_in, org, program_manager
):
    match_round = review_round(org, PAIRS)
    url = reverse("matching:round_detail", args=[org.slug, match_round.pk])
    page = new_page()
    sign_in(page, program_manager)

    page.goto(url)
    timing = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return {response: n.responseEnd - n.requestStart,"
        " dom_ready: n.domContentLoadedEventEnd - n.startTime,"
        " load: n.loadEventEnd - n.startTime}; }"
    )
    print("round page, 1,000 pairs, in the browser (ms):", json.dumps(timing))
    (SHOTS / "round-review-timing.json").parent.mkdir(parents=True, exist_ok=True)
    (SHOTS / "round-review-timing.json").write_text(json.dumps({"pairs": PAIRS, **timing}))
    assert page.locator("#proposal-rows tr").count() == 50
    assert _counter(page, "undecided") == str(PAIRS)
    _shot(page, "round-review-1280")

    # Filters: the list is swapped in place and the address keeps them.
    page.get_by_label("Score from").fill("0.9")
    page.get_by_label("Score from").press("Enter")
    page.wait_for_url("**min_score=0.9**")
    page.get_by_label("Matched on").select_option("skills")
    page.wait_for_url("**min_score=0.9**reason=skills**")
    page.wait_for_load_state("networkidle")
    rows = page.locator("#proposal-rows tr")
    scores = [float(s) for s in page.locator("#proposal-rows .mx-score .ui-nums").all_inner_texts()]
    assert scores and min(scores) >= 0.9
    assert page.get_by_role("link", name="Pairs").inner_text().strip().endswith("50")
    _shot(page, "round-review-filtered-1280")

    # Two rows selected from the keyboard, approved in bulk after the confirmation.
    first_box = rows.nth(0).locator("input[data-review-select]")
    first_box.focus()
    page.keyboard.press("Space")
    rows.nth(1).locator("input[data-review-select]").check()
    assert "2" in page.locator("[data-review-count]").inner_text()
    chosen = {int(rows.nth(k).get_attribute("id").removeprefix("proposal-")) for k in range(2)}
    page.get_by_role("button", name="Approve selected").click()
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    assert "2 selected pairs" in dialog.inner_text()
    _shot(page, "round-review-confirm-1280")
    page.keyboard.press("Enter")  # the confirming button has the focus
    _wait_for_counter(page, "approved", 2)
    assert _counter(page, "undecided") == str(PAIRS - 2)
    assert _approved() == chosen

    # A row's menu from the keyboard: open it, Tab to Approve, press Enter.
    third = page.locator("#proposal-rows tr").nth(2)
    third_id = int(third.get_attribute("id").removeprefix("proposal-"))
    third.locator("summary.mx-rowmenu__trigger").focus()
    page.keyboard.press("Enter")
    third.get_by_role("button", name="Approve").wait_for()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    _wait_for_counter(page, "approved", 3)
    assert third_id in _approved()

    # All that match the filters, after a confirmation that says how many.
    page.get_by_role("button", name="Reject all 50 that match").click()
    dialog.wait_for(state="visible")
    assert "all 50 pairs that match the filters" in dialog.inner_text()
    dialog.get_by_role("button", name="Reject all 50 that match").click()
    _wait_for_counter(page, "rejected", 50)
    assert _counter(page, "approved") == "0"


def test_the_review_fits_a_phone_and_a_desktop(new_page, sign_in, org, program_manager):
    match_round = review_round(org, PAIRS)
    url = reverse("matching:round_detail", args=[org.slug, match_round.pk])
    for viewport, suffix in ((None, "1280"), (PHONE, "375")):
        page = new_page(viewport=viewport) if viewport else new_page()
        errors: list[str] = []
        page.on(
            "console", lambda m, seen=errors: seen.append(m.text) if m.type == "error" else None
        )
        sign_in(page, program_manager)
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.locator("#proposal-rows tr").first.locator("summary.mx-rowmenu__trigger").click()
        page.locator("#proposal-rows tr").first.get_by_role("button", name="Reject").wait_for()
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        _shot(page, f"round-review-menu-{suffix}")
        assert overflow <= 0, (suffix, overflow)
        assert errors == [], (suffix, errors)
        # The histogram is drawn and its numbers are there as a table too.
        assert page.locator("#score-histogram canvas").count() == 1
        assert page.get_by_text("Show the data as a table").count() == 1
