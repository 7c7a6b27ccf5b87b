"""The key pages of scripts/screenshots (admin home, round review, participant home, catalog) in
Chromium at 1280 and 375 px: no sideways scrolling, no console error (the Content-Security-Policy
included), and every piece of text at WCAG AA contrast against what is really behind it, as
the browser computes both colours (4.5:1, or 3:1 for large text)."""

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from mentorships.models import Mentorship, MentorshipMentee
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import ParticipantFactory
from tests.test_papercuts import proposed_round

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

# For each element with text of its own: its colour over the backgrounds of its ancestors,
# composited from the root down. Text over an image (a striped placeholder) is left out, as are
# inactive controls (WCAG exempts them) and SVG text (avatars are held to 4.5:1 in Python).
CONTRAST = """() => {
  function rgba(value) {
    let m = value.match(/^rgba?\\(([^)]+)\\)/);
    if (m) {
      const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    }
    m = value.match(/^color\\(srgb ([^)]+)\\)/);
    if (m) {
      const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number);
      return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
    }
    return null;
  }
  const over = (top, under) =>
    [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const channel = c => {
    c /= 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = c =>
    0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const ratio = (a, b) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  const failures = [];
  let checked = 0;
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg, option, [disabled], .ui-visually-hidden, .visually-hidden')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.unshift(e);
    let back = [255, 255, 255, 1];
    let image = false;
    for (const e of chain) {
      const style = getComputedStyle(e);
      // The shell's gradient only paints the sidebar's column, which has its own background.
      if (style.backgroundImage !== 'none' && !e.classList.contains('ui-shell')) image = true;
      const colour = rgba(style.backgroundColor);
      if (colour && colour[3] > 0) back = over(colour, back);
    }
    if (image) continue;
    const style = getComputedStyle(el);
    const text = rgba(style.color);
    if (!text) continue;
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const found = ratio(over(text, back), back);
    checked += 1;
    if (found < (large ? 3 : 4.5)) {
      failures.push({text: el.textContent.trim().slice(0, 40), tag: el.tagName, cls: el.className,
                     ratio: Math.round(found * 100) / 100, color: style.color});
    }
  }
  return {checked, failures};
}"""


def _check(new_page, sign_in, user, url, viewport, name, scheme="light"):
    page = new_page(viewport=viewport)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.emulate_media(reduced_motion="reduce", color_scheme=scheme)
    sign_in(page, user)
    page.goto(url)
    page.wait_for_load_state("networkidle")

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    contrast = page.evaluate(CONTRAST)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport['width']}px"
    assert errors == [], name
    assert contrast["checked"] > 10, (name, contrast)
    assert contrast["failures"] == [], (name, viewport["width"], scheme, contrast["failures"])


@pytest.fixture
def mentee(org, member, cohort):
    """The member takes part as a mentee and has a mentor."""
    member.full_name = "Mina Mentee"
    member.save(update_fields=["full_name"])
    me = ParticipantFactory(
        cohort=cohort, user=member, email=member.email, full_name="Mina Mentee", country="ES"
    )
    mentor = ParticipantFactory(cohort=cohort, role="mentor", full_name="Olga Mentor", country="PT")
    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=org, cohort=cohort, mentor=mentor, started_on=dt.date(2027, 1, 13)
        )
        MentorshipMentee.objects.create(organization=org, mentorship=mentorship, mentee=me)
    return member


WIDTHS_AND_SCHEMES = pytest.mark.parametrize(
    ("viewport", "scheme"),
    [(DESKTOP, "light"), (PHONE, "light"), (DESKTOP, "dark")],
    ids=["1280", "375", "1280-dark"],
)


@WIDTHS_AND_SCHEMES
def test_admin_home_and_round_review(
    new_page, sign_in, org, org_admin, cohort, viewport, scheme, django_capture_on_commit_callbacks
):
    match_round = proposed_round(org, cohort, django_capture_on_commit_callbacks, pairs=6)
    home = reverse("dashboard", args=[org.slug])
    review = reverse("matching:round_detail", args=[org.slug, match_round.pk])

    _check(new_page, sign_in, org_admin, home, viewport, "home", scheme)
    _check(new_page, sign_in, org_admin, review, viewport, "round review", scheme)


@WIDTHS_AND_SCHEMES
def test_participant_home_and_catalog(new_page, sign_in, org, mentee, viewport, scheme):
    home = reverse("dashboard", args=[org.slug])
    catalog = reverse("programs:catalog", args=[org.slug])

    _check(new_page, sign_in, mentee, home, viewport, "home", scheme)
    _check(new_page, sign_in, mentee, catalog, viewport, "catalog", scheme)
