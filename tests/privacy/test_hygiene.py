"""Hygiene (issue 18, item 6): what reaches the logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import create_engine

SECRET = "13812345678 3栋2单元1302"


async def test_database_errors_carry_no_sql_parameters(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing statement's error (and so any log line made of it) names no parameter: the
    owner's text bound to it stays out of the logs."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x TEXT UNIQUE)"))
            await conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": SECRET})
        with pytest.raises(IntegrityError) as caught, caplog.at_level(logging.DEBUG):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": SECRET})
        logging.getLogger("steward.test").error("failed", exc_info=caught.value)
    finally:
        await engine.dispose()
    assert SECRET not in str(caught.value)
    assert "13812345678" not in caplog.text
    assert "INSERT INTO t" in str(caught.value)  # the statement itself is still there to debug
