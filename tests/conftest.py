"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when
STEWARD_TEST_POSTGRES_URL is set; CI sets it and STEWARD_REQUIRE_POSTGRES=1 so a missing
server fails instead of skipping), and a harness running the real app on a local channel."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from nlp.classifier import Classifier
from storage.db import create_engine, upgrade
from tests.compiled import stale_modules
from tests.harness import Harness

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("STEWARD_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("STEWARD_REQUIRE_POSTGRES") == "1"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test old code: a compiled classifier module older than its source shadows it."""
    stale = stale_modules(ROOT)
    if stale:
        pytest.exit(f"{', '.join(stale)} changed after it was compiled: run `make build`", returncode=2)


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier.load()


async def fresh_postgres_database(url: str) -> str:
    """A new, empty database next to the configured one, for one test.

    Each test gets its own database rather than a reset schema in a shared one, so nothing a
    previous test left running (a connection the garbage collector has not closed yet, a
    subprocess) can touch this test's tables, and a test run beside another one (two CI
    jobs, or a developer's run) cannot drop the other's schema."""
    name = f"steward_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str, test_url: str) -> None:
    """Drop a test's database. FORCE ends our own sessions on it; a session of another role
    (seen on a shared server, briefly) makes the drop fail, so it is tried again for a while."""
    name = make_url(test_url).database
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        for attempt in range(20):
            try:
                async with admin.connect() as conn:
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                return
            except DBAPIError:
                if attempt == 19:
                    raise
                await asyncio.sleep(0.5)
    finally:
        await admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database (not migrated) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}"
        return
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("STEWARD_REQUIRE_POSTGRES=1 but STEWARD_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set STEWARD_TEST_POSTGRES_URL)")
    url = await fresh_postgres_database(POSTGRES_URL)
    yield url
    await drop_postgres_database(POSTGRES_URL, url)


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
