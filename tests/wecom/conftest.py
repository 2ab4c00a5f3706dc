from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.wecom_api import FakeWeComAPI

TOKEN = "StewardToken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
CORP_ID = "ww1234567890abcdef"


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeWeComAPI]:
    api = FakeWeComAPI(rate_limit=20, rate_window=60.0)
    await api.start()
    try:
        yield api
    finally:
        await api.close()
