from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core.events import Incoming
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


def assert_encodable(incoming: Incoming | None) -> None:
    """Every string an adapter hands on must survive UTF-8 encoding (storage, JSON, logs)."""
    if incoming is None:
        return
    for value in (incoming.chat_id, incoming.sender_id, incoming.text, incoming.message_id):
        value.encode("utf-8")
    for optional in (incoming.callback_data, incoming.reply_hint, incoming.sender_name):
        if optional is not None:
            optional.encode("utf-8")
