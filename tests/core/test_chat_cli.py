"""`steward chat` driven as a person would: lines typed at its prompt.

The clock is set with `--at`, so who is on duty does not depend on when the tests run
(王管家 works 08:00-20:00 in 绿溪园; 赵师傅, the plumbing and electrical technician, round the clock).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

# Each test runs `steward` as a subprocess: seconds each (`make test-fast` leaves them out).
pytestmark = pytest.mark.slow

MONDAY_MORNING = "2026-12-07T10:00+08:00"
MONDAY_NIGHT = "2026-12-07T02:30+08:00"


def chat(tmp_path: Path, at: str, lines: list[str]) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "STEWARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}",
        "COLUMNS": "200",
    }
    up = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert up.returncode == 0, up.stderr
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--at", at],
        input="\n".join([*lines, "/quit"]),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def test_interactive_chat_round_trip(tmp_path: Path) -> None:
    out = chat(
        tmp_path,
        MONDAY_MORNING,
        [
            "/as owner 3-2-1302",
            "厨房水管漏水了，一直在滴水，麻烦派人来看看",
            "/in lxy-stewards",
            "/as steward 王管家",
            "/press 1",
            "/in lxy-owners-1",
            "/as owner 3-2-1302",
            "/my",
        ],
    ).stdout
    assert "已登记房号 3栋****" in out
    assert "已收到报修，工单 BX-" in out
    assert "王管家 已接单" in out
    assert "处理中" in out  # /my shows the accepted ticket
    bot_lines = [line for line in out.splitlines() if "🤖 Steward" in line]
    assert bot_lines
    assert not any("1302" in line for line in bot_lines)  # the bot never shows the unit


def test_off_hours_ticket_goes_to_the_steward_on_duty(tmp_path: Path) -> None:
    out = chat(
        tmp_path,
        MONDAY_NIGHT,
        [
            "/as owner 3-2-1302",
            "厨房水管漏水了，一直在滴水，麻烦派人来看看",
            "/in lxy-stewards",
            "/as steward 王管家",
            "/press 1",
            "/as steward 赵师傅",
            "/press 1",
        ],
    ).stdout
    assert "已收到报修，工单 BX-" in out
    assert "王管家 已接单" not in out  # off duty at 02:30, and the ticket is not his
    assert "该工单由赵师傅负责" in out
    assert "赵师傅 已接单" in out


def test_chat_rejects_a_time_without_offset(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--at", "2026-12-07 10:00"],
        input="/quit\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "UTC offset" in result.stderr
    assert "Traceback" not in result.stderr


def live_database(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A migrated database that holds a Telegram chat, as a live deployment's would."""
    db = tmp_path / "live.db"
    env = {**os.environ, "STEWARD_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "COLUMNS": "200"}
    up = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, capture_output=True, text=True
    )
    assert up.returncode == 0, up.stderr
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO chats (platform, platform_chat_id, role, title, buildings, active, first_seen_at, "
            "last_seen_at) VALUES ('telegram', '-100123', 'owners', 'live', '[]', 1, '2026-12-01 00:00:00', "
            "'2026-12-01 00:00:00')"
        )
    return db, env


def counts(db: Path) -> tuple[int, ...]:
    with sqlite3.connect(db) as conn:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("chats", "tickets", "outbox")
        )


def test_chat_plays_on_a_throw_away_database_and_refuses_a_live_one(tmp_path: Path) -> None:
    """Issue 18: `steward chat` on the live database marked its pending platform messages
    failed and wrote next year's escalations onto real tickets. By default it now plays on a
    database of its own (the configured one is not touched); told to use one that holds
    platform chats, it refuses in one line."""
    db, env = live_database(tmp_path)
    before = counts(db)
    played = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--at", MONDAY_MORNING],
        input="厨房水管漏水了，一直在滴水，麻烦派人来看看\n/quit",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert played.returncode == 0, played.stderr
    assert "已收到报修，工单 BX-" in played.stdout
    assert counts(db) == before
    refused = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--database", f"sqlite+aiosqlite:///{db}"],
        input="厨房水管漏水了\n/quit",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    assert "holds platform chats" in refused.stdout
    assert counts(db) == before
