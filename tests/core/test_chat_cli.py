"""`steward chat` driven as a person would: lines typed at its prompt.

The clock is set with `--at`, so who is on duty does not depend on when the tests run
(王管家 works 08:00-20:00 in 绿溪园; 赵师傅, the plumbing and electrical technician, round the clock).
"""

from __future__ import annotations

import os
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
