"""`steward run` as a subprocess against the fake Telegram (polling): it starts, an owner's
message makes the round trip, and SIGTERM stops it cleanly with exit status 0."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.app.settings import ROOT
from storage.db import create_engine, upgrade
from tests.e2e.test_telegram import REPORT, with_text
from tests.e2e.world import eventually, free_port, telegram_party, write_community
from tests.fakes.telegram_api import FakeTelegramAPI

# Each test runs `steward` as a subprocess: seconds each (`make test-fast` leaves them out).
pytestmark = pytest.mark.slow


async def migrated_sqlite(path: Path) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    return url


def steward_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update({f"STEWARD_{k.upper()}": v for k, v in values.items()})
    return env


class Process:
    """A `steward …` subprocess whose stderr is collected as it runs."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.stderr: list[str] = []
        assert proc.stderr is not None
        self._reader = asyncio.create_task(self._read(proc.stderr))

    @classmethod
    async def start(cls, *args: str, env: dict[str, str]) -> Process:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            *args,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(proc)

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.stderr.append(line.decode("utf-8", "replace"))

    @property
    def log(self) -> str:
        return "".join(self.stderr)

    async def finish(self, within: float = 20.0) -> int:
        code = await asyncio.wait_for(self.proc.wait(), within)
        await self._reader
        return code

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        self._reader.cancel()


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    proc = await Process.start(*args, env=env)
    assert proc.proc.stdout is not None
    out = await proc.proc.stdout.read()
    code = await proc.finish()
    return code, out.decode(), proc.log


async def test_steward_run_round_trip_and_clean_sigterm(tmp_path: Path) -> None:
    async with FakeTelegramAPI() as fake:
        party = telegram_party(fake)
        stranger_group = fake.add_group("新的业主群")
        community = write_community(
            tmp_path / "community.toml", party.chats(), telegram_steward=str(party.steward.id)
        )
        port = free_port()
        env = steward_env(
            database_url=await migrated_sqlite(tmp_path / "steward.db"),
            community_file=str(community),
            telegram_token=fake.token,
            telegram_api_url=fake.base_url,
            telegram_poll_timeout="1",
            telegram_retry_backoff="0.05",
            telegram_set_commands="false",
            http_port=str(port),
            outbox_poll_interval="0.1",
            log_level="INFO",
        )

        # steward telegram set-commands: the menu, and nothing else (no polling, no webhook).
        code, out, log = await run_cli("telegram", "set-commands", env=env)
        assert code == 0, log
        assert "@StewardTestBot" in out
        assert {c.method for c in fake.calls} == {"getMe", "setMyCommands"}
        assert [c["command"] for c in fake.commands_for("")][:3] == ["start", "help", "my"]
        assert fake.commands_for("zh")
        assert fake.commands_for("en")

        steward = await Process.start("run", env=env)
        try:
            await eventually(
                lambda: "steward: running" in steward.log or steward.proc.returncode is not None, within=30
            )
            assert steward.proc.returncode is None, steward.log
            assert "telegram @StewardTestBot (polling)" in steward.log
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{port}/healthz") as resp,
            ):
                assert resp.status == 200
                health = await resp.json()
            assert health["adapters"]["telegram"]["running"] is True

            fake.user_says(party.owners, party.owner, REPORT)
            ack = await eventually(
                lambda: with_text(fake.sent(party.owners.id), "BX-"), within=15, what="the ack"
            )
            await eventually(
                lambda: with_text(fake.sent(party.stewards.id), "BX-"), within=15, what="the card"
            )
            fake.user_says(stranger_group, party.owner, "大家好")
            await eventually(lambda: len(fake.calls_of("getUpdates")) >= 4, within=15)

            steward.proc.send_signal(signal.SIGTERM)
            assert await steward.finish() == 0, steward.log
        finally:
            await steward.kill()
        log = steward.log
        assert "steward: stopped" in log
        assert "Traceback" not in log
        assert REPORT not in log
        assert "漏水" not in log  # message text is never logged at INFO
        assert ack.text
        assert "BX-" in ack.text

        # steward telegram chats: every chat seen, bound or not, with its id.
        code, out, log = await run_cli("telegram", "chats", env={**env, "COLUMNS": "200"})
        assert code == 0, log
        rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 5}
        assert str(stranger_group.id) in rows
        assert "unbound" in rows[str(stranger_group.id)]
        assert "owners" in rows[str(party.owners.id)]
        assert "lxy" in rows[str(party.owners.id)]


async def test_steward_run_with_a_rejected_token_says_so_in_one_line(tmp_path: Path) -> None:
    async with FakeTelegramAPI() as fake:
        party = telegram_party(fake)
        community = write_community(tmp_path / "community.toml", party.chats())
        env = steward_env(
            database_url=await migrated_sqlite(tmp_path / "steward.db"),
            community_file=str(community),
            telegram_token="123456789:WrongToken",
            telegram_api_url=fake.base_url,
            http_port=str(free_port()),
        )
        code, _, log = await run_cli("run", env=env)
    assert code == 2
    assert log.strip().splitlines()[-1] == (
        "steward: telegram: the bot token was rejected (check STEWARD_TELEGRAM_TOKEN)"
    )
    assert "WrongToken" not in log
