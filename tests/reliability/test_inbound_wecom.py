"""WeCom's callbacks with the database away (docs/RELIABILITY.md, "Inbound").

`steward run` as a process with both robots' callbacks, the fake WeCom API taking its pushes,
on SQLite (another process holds the write lock) and PostgreSQL (the server stopped): a
callback that cannot be stored is answered 500 (WeCom tries it again), never 200; WeCom's
try after the database is back is stored and handled once, and a late extra try changes
nothing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.test_run import Process, steward_env
from tests.e2e.world import (
    OWNERS_KEY,
    ROBOT_AES_KEY,
    ROBOT_TOKEN,
    WECOM_OWNERS,
    WeComParty,
    eventually,
    free_port,
    wecom_settings,
    write_community,
)
from tests.fakes.wecom_api import FakeWeComAPI, SignedCallback, WeComCallbackDriver, group_robot_text
from tests.reliability.conftest import OutageDatabase
from tests.reliability.inbound import Books, until

pytestmark = pytest.mark.slow

ROBOT = "/wecom/robot/callback"
NUMBER = re.compile(r"BX-\d{8}-\d{4}")


@pytest.fixture
async def wecom_api() -> AsyncIterator[FakeWeComAPI]:
    api = FakeWeComAPI(rate_limit=1000, rate_window=1.0)
    await api.start()
    try:
        yield api
    finally:
        await api.close()


async def post(port: int, callback: SignedCallback) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"http://127.0.0.1:{port}{ROBOT}",
            params=callback.params,
            data=callback.body,
            timeout=aiohttp.ClientTimeout(total=30),
        ) as response,
    ):
        return response.status


async def test_a_callback_that_cannot_be_stored_is_500_and_wecoms_next_try_is_handled_once(
    wecom_api: FakeWeComAPI, outage_database: OutageDatabase, tmp_path: Path
) -> None:
    db = outage_database
    community = write_community(tmp_path / "community.toml", WeComParty.chats())
    port = free_port()
    settings = {k: str(v) for k, v in wecom_settings(wecom_api).items()}
    env = steward_env(
        database_url=db.url,
        community_file=str(community),
        http_port=str(port),
        outbox_poll_interval="0.1",
        wecom_reply_timeout="1",
        inbox_lease="3",
        inbox_poll_interval="0.2",
        log_level="INFO",
        **settings,
    )
    robot = WeComCallbackDriver(ROBOT_TOKEN, ROBOT_AES_KEY, "")
    owners_url = f"{wecom_api.base_url}/cgi-bin/webhook/send?key={OWNERS_KEY}"

    def message(n: int) -> str:
        return group_robot_text(
            f"@物业管家 {n}栋厨房水管漏水了，麻烦派人来修",
            msgid=f"msg-{n}",
            chat_id=WECOM_OWNERS,
            webhook_url=owners_url,
            user_id="owner-zhang",
        )

    def acks() -> list[str]:
        return [m for r in wecom_api.sent(OWNERS_KEY) for m in NUMBER.findall(r.content)]

    books = Books(db.url)
    steward = await Process.start("run", env=env)
    try:
        await eventually(lambda: "steward: running" in steward.log, within=30, what="steward running")
        assert await post(port, robot.group_robot(message(1))) == 200
        await eventually(lambda: len(acks()) == 1, within=30, what="the first ack")

        await db.outage.begin()
        try:
            # WeCom's first try and a retry while the database is away: refused, never acknowledged.
            assert await post(port, robot.group_robot(message(2))) == 500
            assert await post(port, robot.group_robot(message(2))) == 500
        finally:
            await db.outage.end()
        assert len(acks()) == 1

        assert await post(port, robot.group_robot(message(2))) == 200  # WeCom's next try
        await eventually(lambda: len(acks()) == 2, within=30, what="the second ack")
        assert await post(port, robot.group_robot(message(2))) == 200  # a late extra try
        await until(lambda: _done(books, 2), within=10, what="both handled")
        steward.proc.terminate()
        assert await steward.finish(30) == 0, steward.log
    finally:
        await steward.kill()
        await books.close()

    books = Books(db.url)
    try:
        assert await books.inbox() == {"done": 2}
        assert len(await books.rows("SELECT id FROM message_log")) == 2  # each handled once
        assert len(await books.rows("SELECT id FROM tickets")) == 2
    finally:
        await books.close()
    assert len(acks()) == 2  # each acknowledged once in the group
    assert "漏水" not in steward.log  # message text is never logged at INFO


async def _done(books: Books, n: int) -> bool:
    return (await books.inbox())["done"] == n
