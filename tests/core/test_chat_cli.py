"""`steward chat` driven as a person would: lines typed at its prompt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_interactive_chat_round_trip(tmp_path: Path) -> None:
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
    script = "\n".join(
        [
            "/as owner 3-2-1302",
            "厨房水管漏水了，一直在滴水，麻烦派人来看看",
            "/in lxy-stewards",
            "/as steward 王管家",
            "/press 1",
            "/in lxy-owners-1",
            "/as owner 3-2-1302",
            "/my",
            "/quit",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input=script,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "已登记房号 3栋****" in out
    assert "已收到报修，工单 BX-" in out
    assert "王管家 已接单" in out
    assert "处理中" in out  # /my shows the accepted ticket
    bot_lines = [line for line in out.splitlines() if "🤖 Steward" in line]
    assert bot_lines
    assert not any("1302" in line for line in bot_lines)  # the bot never shows the unit
    assert "Traceback" not in result.stderr
