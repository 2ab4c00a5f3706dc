"""Migrations on both databases: upgrade, the start-up gate, round trip, and that the
models and the migrations describe the same schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import (
    DatabaseError,
    check_migrated,
    create_engine,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from storage.schema import metadata


async def test_fresh_database_is_refused_until_upgraded(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with pytest.raises(DatabaseError, match=r"database not migrated: run `steward db upgrade` first"):
            await check_migrated(engine)
        await upgrade(engine)
        await check_migrated(engine)
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_downgrade_to_base_and_up_again(engine: AsyncEngine) -> None:
    await downgrade(engine, "base")
    assert await current_revision(engine) is None
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert tables <= {"alembic_version"}
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()


def _diff(conn: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata))


async def test_models_match_migrations(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []


async def test_unreachable_database_is_one_clear_line() -> None:
    engine = create_engine("postgresql+asyncpg://nobody:x@127.0.0.1:1/none")
    try:
        with pytest.raises(
            DatabaseError, match=r"^database unreachable \(postgresql\+asyncpg://nobody:\*\*\*@"
        ):
            await check_migrated(engine)
    finally:
        await engine.dispose()


async def test_sqlite_runs_inline_unless_threaded_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import text

    from storage.sqlite_inline import InlineConnection

    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    for threaded, expected_inline in (("0", True), ("1", False)):
        monkeypatch.setenv("STEWARD_SQLITE_THREADED", threaded)
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                raw = await conn.get_raw_connection()
                assert isinstance(raw.driver_connection, InlineConnection) is expected_inline
                assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
                assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        finally:
            await engine.dispose()
