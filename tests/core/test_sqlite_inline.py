"""SQLite inline (storage/sqlite_inline.py) while another process holds the write lock: the
statement waits without blocking the event loop (a /healthz asked meanwhile is answered),
succeeds once the lock is released, and gives up with "database is locked" after the busy
timeout, as SQLite's own busy handler would."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine
from storage.sqlite_inline import BUSY_TIMEOUT_MS


@pytest.fixture
async def inline(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, Path]]:
    path = tmp_path / "x.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine, path
    await engine.dispose()


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another writer (as another process would be): a write transaction left open."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (0)")
    return other


async def ticks_while(work: asyncio.Task[None]) -> list[float]:
    """How late a 10 ms timer fires, again and again, while `work` runs."""
    lateness: list[float] = []
    loop = asyncio.get_running_loop()
    while not work.done():
        asked = loop.time()
        await asyncio.sleep(0.01)
        lateness.append(loop.time() - asked - 0.01)
    return lateness


async def insert(engine: AsyncEngine, n: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})


async def test_a_write_waits_for_another_writer_without_blocking_the_loop(
    inline: tuple[AsyncEngine, Path],
) -> None:
    engine, path = inline
    other = hold_write_lock(path)
    write = asyncio.create_task(insert(engine, 1))
    asyncio.get_running_loop().call_later(0.6, other.commit)
    lateness = await ticks_while(write)
    await write
    other.close()
    assert len(lateness) > 20  # the loop went round all along (a blocked loop: one tick)
    assert max(lateness) < 0.2
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all() == [0, 1]


@pytest.mark.slow
async def test_a_lock_held_past_the_busy_timeout_fails_the_write_and_the_loop_went_on(
    inline: tuple[AsyncEngine, Path],
) -> None:
    engine, path = inline
    other = hold_write_lock(path)
    try:
        began = time.monotonic()
        write = asyncio.create_task(insert(engine, 1))
        lateness = await ticks_while(write)
        with pytest.raises(OperationalError, match="database is locked"):
            await write
        waited = time.monotonic() - began
    finally:
        other.rollback()
        other.close()
    assert BUSY_TIMEOUT_MS / 1000 <= waited < BUSY_TIMEOUT_MS / 1000 + 1
    assert max(lateness) < 0.2
    await insert(engine, 2)  # the engine is fine afterwards
