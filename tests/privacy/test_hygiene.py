"""Hygiene (issue 18, item 6): what reaches the logs."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.app.policies import report_policy
from bot.app.settings import Settings
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


@pytest.mark.slow
def test_the_database_and_reports_are_private_and_nothing_is_fixed_in_tmp(tmp_path: Path) -> None:
    """Issue 18: the database and report files were world-readable, and reports went to a fixed
    shared /tmp path. Through the real CLI: the database is 0600 (a looser one is tightened),
    a report's directory 0700 and its files 0600; the default report directory is the user's
    data directory, not the system's temp directory."""
    db = tmp_path / "data" / "steward.db"
    env = {
        **os.environ,
        "STEWARD_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    env.pop("STEWARD_REPORT_DIR", None)
    run = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*run, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    db.chmod(0o644)
    out = tmp_path / "out"
    done = subprocess.run(
        [*run, "report", "--community", "lxy", "--month", "2026-11", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert stat.S_IMODE(db.stat().st_mode) == 0o600, done.stderr
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written, done.stdout + done.stderr
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o600}
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    policy = report_policy(Settings(_env_file=None))
    assert not str(policy.out_dir).startswith(tempfile.gettempdir())
