"""The console as `steward run` serves it: a steward on Telegram (the fake Bot API) sends
/console in a private chat, gets a link, and the link opens the board on the same HTTP server
as /healthz; without a secret there is no console."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.test_run import Process, migrated_sqlite, steward_env
from tests.e2e.world import eventually, free_port, telegram_party, write_community
from tests.fakes.telegram_api import FakeTelegramAPI

pytestmark = pytest.mark.slow


async def test_console_link_from_telegram_opens_the_board_of_steward_run(tmp_path: Path) -> None:
    async with FakeTelegramAPI() as fake:
        party = telegram_party(fake)
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
            console_secret="e2e-console-secret",
            console_url=f"http://127.0.0.1:{port}",
        )
        steward = await Process.start("run", env=env)
        try:
            await eventually(
                lambda: "steward: running" in steward.log or steward.proc.returncode is not None, within=30
            )
            assert steward.proc.returncode is None, steward.log
            private = fake.add_private(party.steward)
            fake.user_says(private, party.steward, "/console")
            link = await eventually(
                lambda: next(
                    (m for m in fake.sent(private.id) if "/console/login?t=" in (m.text or "")), None
                ),
                within=15,
                what="the link",
            )
            found = re.search(r"http://\S+/console/login\?t=\S+", link.text or "")
            assert found, link.text
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
                async with client.get(found.group(0)) as r:
                    assert r.status == 200
                    token = re.search(r'name="t" value="([^"]+)"', await r.text())
                assert token
                async with client.post(
                    f"http://127.0.0.1:{port}/console/login", data={"t": token.group(1)}
                ) as r:
                    assert r.status == 200
                    page = await r.text()
                assert 'id="board"' in page
                assert "王管家" in page
            steward.proc.send_signal(signal.SIGTERM)
            assert await steward.finish() == 0, steward.log
        finally:
            await steward.kill()
        assert "Traceback" not in steward.log


async def test_no_secret_no_console(tmp_path: Path) -> None:
    port = free_port()
    env = steward_env(database_url=await migrated_sqlite(tmp_path / "steward.db"), http_port=str(port))
    steward = await Process.start("run", env=env)
    try:
        await eventually(
            lambda: "steward: running" in steward.log or steward.proc.returncode is not None, within=30
        )
        async with aiohttp.ClientSession() as client:
            async with client.get(f"http://127.0.0.1:{port}/healthz") as r:
                assert r.status in (200, 503)
            async with client.get(f"http://127.0.0.1:{port}/console/") as r:
                assert r.status == 404
        steward.proc.send_signal(signal.SIGTERM)
        assert await steward.finish() == 0, steward.log
    finally:
        await steward.kill()
