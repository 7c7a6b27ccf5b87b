import pytest

from tests.webhooks.receiver import receiver_running


@pytest.fixture
def receiver():
    with receiver_running() as running:
        yield running
