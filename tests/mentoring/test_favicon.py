"""/favicon.ico, which browsers ask for on their own, leads to the shipped icon."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static


@pytest.mark.django_db
def test_favicon_ico_redirects_to_the_shipped_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == static("favicon.ico")
    assert finders.find("favicon.ico") is not None
