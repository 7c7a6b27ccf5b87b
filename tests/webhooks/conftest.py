import pytest

# The browser tests' fixtures, for tests/webhooks/test_browser.py.
from tests.browser.conftest import browser, new_page, sign_in  # noqa: F401
from tests.webhooks.receiver import receiver_running


@pytest.fixture
def receiver():
    with receiver_running() as running:
        yield running
