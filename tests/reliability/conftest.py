"""Fixtures of the fault suite: databases on both backends (one that can be taken away for a
while), the fake Bot API, and `steward run` processes bound to them."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, drop_postgres_database, fresh_postgres_database
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.reliability.inbound import Outage, PgCluster, PgRefusal, SqliteLock, Steward, migrated


def need_postgres() -> str:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("STEWARD_REQUIRE_POSTGRES=1 but STEWARD_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set STEWARD_TEST_POSTGRES_URL)")
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated database on each backend."""
    if request.param == "sqlite":
        yield await migrated(f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}")
        return
    server = need_postgres()
    url = await fresh_postgres_database(server)
    yield await migrated(url)
    await drop_postgres_database(server, url)


@dataclass
class OutageDatabase:
    url: str
    outage: Outage
    kind: str


@pytest.fixture(params=["sqlite", "postgres"])
async def outage_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OutageDatabase]:
    """A migrated database that the test can make unavailable (see `tests.reliability.inbound`)."""
    if request.param == "sqlite":
        path = tmp_path / "steward.db"
        yield OutageDatabase(
            await migrated(f"sqlite+aiosqlite:///{path}"), SqliteLock(str(path)), "sqlite lock"
        )
        return
    server = need_postgres()
    cluster = PgCluster()
    try:
        if not cluster.available:
            raise FileNotFoundError("initdb / pg_ctl")
        url = cluster.create()
    except (OSError, subprocess.SubprocessError):
        cluster.destroy()
        url = await fresh_postgres_database(server)
        try:
            yield OutageDatabase(await migrated(url), PgRefusal(url), "postgresql refusing connections")
        finally:
            await drop_postgres_database(server, url)
        return
    try:
        yield OutageDatabase(await migrated(url), cluster, "postgresql stopped (pg_ctl)")
    finally:
        cluster.destroy()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(webhook_retry_delay=0.5) as server:
        yield server


StewardFactory = Callable[..., Steward]


@pytest.fixture
async def steward_at(fake: FakeTelegramAPI, tmp_path: Path) -> AsyncIterator[StewardFactory]:
    """`steward_at(url, **settings)`: a `steward run` to start against `fake` (killed at teardown)."""
    made: list[Steward] = []

    def make(url: str, **settings: str) -> Steward:
        steward = Steward(fake, url, tmp_path, dict(settings))
        made.append(steward)
        return steward

    yield make
    for steward in made:
        await steward.cleanup()
