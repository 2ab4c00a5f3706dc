"""Fixtures: the fake platforms, and a running Steward bound to their chats (both databases)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from nlp.classifier import Classifier
from tests.e2e.world import (
    ROBOT_AES_KEY,
    ROBOT_TOKEN,
    WECOM_AES_KEY,
    WECOM_TOKEN,
    TelegramParty,
    WeComParty,
    World,
    fast_settings,
    telegram_party,
    wecom_settings,
    write_community,
)
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.wecom_api import FakeWeComAPI, WeComCallbackDriver


@dataclass
class TelegramWorld:
    world: World
    party: TelegramParty

    @property
    def fake(self) -> FakeTelegramAPI:
        return self.party.fake


@dataclass
class WeComWorld:
    world: World
    party: WeComParty


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as server:
        yield server


@pytest.fixture
async def fake_wecom() -> AsyncIterator[FakeWeComAPI]:
    api = FakeWeComAPI(rate_limit=20, rate_window=60.0)
    await api.start()
    try:
        yield api
    finally:
        await api.close()


TelegramFactory = Callable[..., Awaitable[TelegramWorld]]


@pytest.fixture
async def telegram_world(
    fake_telegram: FakeTelegramAPI, engine: AsyncEngine, db_url: str, classifier: Classifier, tmp_path: Path
) -> AsyncIterator[TelegramFactory]:
    """Start Steward against the fake Telegram: `await telegram_world(party, **settings)`."""
    started: list[World] = []

    async def start(party: TelegramParty | None = None, **overrides: Any) -> TelegramWorld:
        party = party or telegram_party(fake_telegram)
        community = write_community(
            tmp_path / "community.toml", party.chats(), telegram_steward=str(party.steward.id)
        )
        settings = fast_settings(
            db_url,
            community,
            telegram_token=fake_telegram.token,
            telegram_api_url=fake_telegram.base_url,
            **overrides,
        )
        world = World(settings, engine, classifier)
        await world.start()
        started.append(world)
        return TelegramWorld(world, party)

    yield start
    for world in started:
        await world.stop()


@pytest.fixture
async def tg(telegram_world: TelegramFactory) -> TelegramWorld:
    """Steward polling the fake Telegram; owners' and stewards' supergroups bound to lxy."""
    return await telegram_world()


@pytest.fixture
def wecom_party(fake_wecom: FakeWeComAPI) -> WeComParty:
    return WeComParty(
        fake_wecom,
        WeComCallbackDriver(WECOM_TOKEN, WECOM_AES_KEY, ""),
        WeComCallbackDriver(ROBOT_TOKEN, ROBOT_AES_KEY, ""),
    )


WeComFactory = Callable[..., Awaitable[WeComWorld]]


@pytest.fixture
async def wecom_world(
    wecom_party: WeComParty, engine: AsyncEngine, db_url: str, classifier: Classifier, tmp_path: Path
) -> AsyncIterator[WeComFactory]:
    """Start Steward with both WeCom robots' callbacks: `await wecom_world(**settings)`."""
    started: list[World] = []

    async def start(**overrides: Any) -> WeComWorld:
        community = write_community(tmp_path / "community.toml", wecom_party.chats())
        settings = fast_settings(db_url, community, **{**wecom_settings(wecom_party.api), **overrides})
        world = World(settings, engine, classifier)
        await world.start()
        started.append(world)
        return WeComWorld(world, wecom_party)

    yield start
    for world in started:
        await world.stop()


@pytest.fixture
async def wc(wecom_world: WeComFactory) -> WeComWorld:
    """Steward with both WeCom robots' callbacks; owners' and stewards' groups bound to lxy."""
    return await wecom_world()
