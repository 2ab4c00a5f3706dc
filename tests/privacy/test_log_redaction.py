"""Issue 18: no secret, SQL parameter, payload or message text in the logs, at any level.

Faults are injected for real and every log record of every logger is captured at DEBUG:
the Bot API (the fake, over HTTP) answering 500s and a Bad Request that quotes the message it
refused, while an owner's message with a phone number and a unit is handled and answered; a
database error raised by an engine that does NOT hide its parameters (as a library's own
engine might); a WeCom push whose URL carries the robot's key and an access token. The
captured text must hold no bot token, no key, no parameter value and no message text.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.adapters.telegram import TelegramChannel
from bot.app.root import build_app
from bot.app.settings import Settings
from bot.core import redact
from bot.core.clock import FrozenClock
from nlp.classifier import Classifier
from tests.broadcasts.conftest import SHANGHAI
from tests.broadcasts.test_telegram import FAST, community
from tests.fakes.telegram_api import FakeTelegramAPI, Fault

OWNER_TEXT = "A座厨房水管爆了，电话13812345678，我住16樓B室"
PHONE = "13812345678"


async def until(condition: Callable[[], bool], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def assert_clean(log_text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in log_text, f"{secret!r} in the log:\n{log_text[-3000:]}"


@pytest.mark.slow
async def test_platform_faults_leave_no_token_and_no_message_text_in_the_logs(
    engine: AsyncEngine, db_url: str, classifier: Classifier, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeTelegramAPI() as fake:
        boss, owner = fake.add_user("張經理"), fake.add_user("陳太")
        supervisors = fake.add_group("管理處主管")
        owners = [fake.add_group(f"{b}座業主群") for b in "ABC"]
        path = tmp_path / "tg.toml"
        community(path, supervisors, owners, boss)
        channel = TelegramChannel(fake.token, api_url=fake.base_url, **FAST)  # type: ignore[arg-type]
        app = build_app(
            Settings(database_url=db_url, community_file=path, telegram_token=fake.token),
            channels={"telegram": channel},
            clock=FrozenClock(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)),
            classifier=classifier,
            engine=engine,
        )
        with caplog.at_level(logging.DEBUG):
            await app.start(scheduler=False)
            try:
                # The reply fails: 500 twice, then a Bad Request quoting the text it refused.
                fake.fail_next("sendMessage", Fault.server_error(500), times=2)
                fake.fail_next("sendMessage", Fault.bad_request(f"Bad Request: can't parse '{OWNER_TEXT}'"))
                fake.user_says(owners[0], owner, OWNER_TEXT)
                await until(lambda: len(fake.sent(owners[0].id)) >= 1, within=60.0)
                await app.sender.drain()
            finally:
                await channel.stop()
                await app.sender.stop()
    logged = caplog.text
    assert "sendMessage" in logged  # the faults were logged (the test sees the log at all)
    assert "failed for good" in logged  # the Bad Request, logged without the text it quoted
    assert_clean(logged, fake.token, fake.token.split(":", 1)[1], OWNER_TEXT, PHONE, "厨房水管", "16樓B室")
    for record in caplog.records:  # whatever a handler formats, the record itself is clean
        assert_clean(record.getMessage() + (record.exc_text or ""), fake.token, PHONE)


async def test_a_database_error_with_parameters_leaves_none_in_the_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    redact.install()
    # An engine that shows its parameters, as a library's own might: the layer still hides them.
    raw = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'raw.db'}")
    try:
        async with raw.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x TEXT UNIQUE)"))
            await conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": OWNER_TEXT})
        with pytest.raises(IntegrityError) as caught, caplog.at_level(logging.DEBUG):
            async with raw.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": OWNER_TEXT})
        assert PHONE in str(caught.value)  # the error itself carries it
        with caplog.at_level(logging.DEBUG):
            logging.getLogger("steward.test").error("failed: %s", caught.value, exc_info=caught.value)
            logging.getLogger("steward.test").warning("payload %r", {"text": OWNER_TEXT})
    finally:
        await raw.dispose()
    assert "INSERT INTO t" in caplog.text  # the statement is still there to debug
    assert "parameters hidden" in caplog.text
    assert_clean(caplog.text, OWNER_TEXT, PHONE)


def test_every_engine_of_ours_hides_its_parameters(tmp_path: Path) -> None:
    """The app's engine, the sender's own and Alembic's (storage/migrations/env.py) are all
    made by `storage.db.create_engine`, which hides parameters."""
    from storage.db import create_engine

    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    assert create_engine(url).sync_engine.hide_parameters
    env = Path("storage/migrations/env.py").read_text(encoding="utf-8")
    assert "create_async_engine" not in env
    assert "from storage.db import create_engine" in env
    root = Path("bot/app/root.py").read_text(encoding="utf-8")
    assert "create_async_engine" not in root


async def test_a_wecom_error_leaves_no_key_and_no_access_token_in_the_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    redact.install()
    key, token = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", "ACCESS_TOKEN_abcdefghijklmnop"

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"errcode": -1, "errmsg": "system busy"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        response = await client.post(f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={key}")
        response2 = await client.get(f"https://qyapi.weixin.qq.com/cgi-bin/message/send?access_token={token}")
        with caplog.at_level(logging.DEBUG):
            for each, secret in ((response, key), (response2, token)):
                with pytest.raises(httpx.HTTPStatusError) as caught:
                    each.raise_for_status()
                assert secret in str(caught.value)  # the library's text carries it
                try:
                    raise caught.value
                except httpx.HTTPStatusError:
                    logging.getLogger("bot.adapters.wecom").exception("push failed")
                logging.getLogger("bot.adapters.wecom").warning("push failed: %s", caught.value)
    assert "qyapi.weixin.qq.com" in caplog.text
    assert_clean(caplog.text, key, token)


def test_scrub_keeps_identifiers_and_removes_prose() -> None:
    line = "chat 'lxy-owners-1' row 12: 'key' refused: '我家漏水' \"call 13812345678\" 「3栋1302」"
    out = redact.scrub(line)
    assert "'lxy-owners-1'" in out
    assert "'key'" in out
    assert "我家漏水" not in out
    assert PHONE not in out
    assert "3栋1302" not in out
    assert (
        redact.scrub("postgresql+asyncpg://operator:hunter22@db/x")
        == "postgresql+asyncpg://operator:***@db/x"
    )
