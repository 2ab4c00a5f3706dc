"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when
STEWARD_TEST_POSTGRES_URL is set; CI sets it and STEWARD_REQUIRE_POSTGRES=1 so a missing
server fails instead of skipping), and a harness running the real app on a local channel."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from nlp.classifier import Classifier
from storage.db import create_engine, upgrade
from tests.harness import Harness

POSTGRES_URL = os.environ.get("STEWARD_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("STEWARD_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier.load()


async def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database (not migrated) on each backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}"
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("STEWARD_REQUIRE_POSTGRES=1 but STEWARD_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set STEWARD_TEST_POSTGRES_URL)")
    await reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated database."""
    eng = create_engine(db_url)
    await upgrade(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
async def harness(engine: AsyncEngine, db_url: str, classifier: Classifier) -> AsyncIterator[Harness]:
    h = Harness(engine, db_url, classifier)
    await h.start()
    yield h
    await h.stop()
