"""The API documentation pages load nothing from other hosts."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize("path", ["/api/v1/redoc/", "/api/v1/docs/"])
def test_the_docs_page_references_no_other_host(client, path):
    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "fonts.googleapis.com" not in html
    for asset in re.findall(r"""(?:src|href)="/static/([^"]+)\"""", html):
        assert finders.find(asset), asset


def test_redoc_may_not_fetch_images_or_fonts_from_other_hosts(client):
    policy = client.get("/api/v1/redoc/")["Content-Security-Policy"]

    assert "img-src 'self' data:" in policy
    assert "font-src 'self' data:" in policy
