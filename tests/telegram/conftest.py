"""Fixtures: a fake Bot API server and TelegramChannels pointed at it, with scaled-down timings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.adapters.telegram import TelegramChannel
from bot.core.events import Incoming
from tests.fakes.telegram_api import FakeTelegramAPI

# Real defaults wait seconds (30 s long polls, 1 s back-off, 60 s group window); tests scale down.
FAST: dict[str, Any] = {
    "poll_timeout": 1,
    "request_timeout": 3.0,
    "retry_backoff": 0.05,
    "callback_answer_grace": 0.0,
    "max_retries": 3,
}


class Inbox:
    """A `deliver` callback that records what the channel delivered."""

    def __init__(self) -> None:
        self.items: list[Incoming] = []
        self._changed = asyncio.Event()
        self.on_deliver: Callable[[Incoming], Awaitable[None]] | None = None

    async def __call__(self, incoming: Incoming) -> None:
        if self.on_deliver is not None:
            await self.on_deliver(incoming)
        self.items.append(incoming)
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, count: int, *, within: float = 5.0) -> list[Incoming]:
        """Wait until at least `count` deliveries arrived; returns all of them."""
        async with asyncio.timeout(within):
            while len(self.items) < count:
                await self._changed.wait()
        return list(self.items)

    async def next(self, *, within: float = 5.0) -> Incoming:
        seen = len(self.items)
        items = await self.wait_for(seen + 1, within=within)
        return items[seen]


ChannelFactory = Callable[..., Awaitable[tuple[TelegramChannel, Inbox]]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as server:
        yield server


@pytest.fixture
async def make_channel(fake: FakeTelegramAPI) -> AsyncIterator[ChannelFactory]:
    """Build and start a TelegramChannel against `fake` (stopped at teardown)."""
    started: list[TelegramChannel] = []

    async def make(**overrides: Any) -> tuple[TelegramChannel, Inbox]:
        channel = TelegramChannel(fake.token, api_url=fake.base_url, **{**FAST, **overrides})
        inbox = Inbox()
        await channel.start(inbox)
        started.append(channel)
        return channel, inbox

    yield make
    for channel in started:
        await channel.stop()
