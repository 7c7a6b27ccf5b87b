"""Field help in Chromium: the help under a text box, a list or a long text keeps the same
small gap below the control, never tucked under or over its edge."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import CohortFactory, MembershipFactory, ProgramFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

# Each shown field's help: the kind of control above it and the distance from the control's
# bottom edge to the help's text, in CSS pixels.
GAPS = """
Array.from(document.querySelectorAll('.ui-field__help'))
  .filter(help => help.offsetParent !== null)
  .map(help => {
  const control = help.previousElementSibling;
  const text = help.getBoundingClientRect().top + parseFloat(getComputedStyle(help).paddingTop);
  return [control.tagName.toLowerCase() + (control.type ? ":" + control.type : ""),
          text - control.getBoundingClientRect().bottom];
})
"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_help_text_keeps_the_same_gap_under_inputs_lists_and_text_areas(
    new_page, sign_in, viewport
):
    cohort = CohortFactory(program=ProgramFactory(name="Bridges"))
    user = MembershipFactory(organization=cohort.organization).user
    page = new_page(viewport=viewport)
    sign_in(page, user)
    page.goto(reverse("participants:enroll", args=[cohort.organization.slug, cohort.pk]))

    gaps = page.evaluate(GAPS)

    kinds = {kind for kind, _gap in gaps}
    assert {"input:text", "textarea:textarea"} <= kinds, gaps
    # Rounded to whole pixels: the same gap everywhere, and room to breathe.
    assert {round(gap) for _kind, gap in gaps} == {round(gaps[0][1])}, gaps
    assert gaps[0][1] >= 4, gaps
