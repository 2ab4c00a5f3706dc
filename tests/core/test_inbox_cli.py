"""`steward inbox status | failed | retry` on both databases: parked updates are listed without
their text and sent back to their chats' queues, due at once."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.settings import ConfigError, Settings
from bot.cli import inbox as inbox_cli
from bot.cli.main import build_parser
from storage.db import create_engine, session_factory
from storage.uow import UnitOfWork
from tests.harness import EXAMPLE, MONDAY_MORNING, text_message

SECRET_TEXT = "3栋1302室 13812345678 漏水"


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=200), out


async def park_two(db_url: str) -> list[int]:
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            store = UnitOfWork(session)
            ids = []
            for n in range(3):
                update = text_message(f"chat-{n}", "u", SECRET_TEXT, f"m-{n}")
                stored = await store.inbox.store(
                    platform="local",
                    platform_chat_id=update.chat_id,
                    delivery_key=update.delivery_key,
                    kind="text",
                    payload=update.to_json(),
                    now=MONDAY_MORNING,
                    reserve=timedelta(0),
                )
                ids.append(stored.id)
            for row_id in ids[:2]:
                assert await store.inbox.park(row_id, error="PolicyError: no SLA policy", now=MONDAY_MORNING)
            await session.commit()
    finally:
        await engine.dispose()
    return ids


async def test_failed_lists_the_parked_updates_and_retry_sends_them_back(
    engine: AsyncEngine, db_url: str
) -> None:
    settings = Settings(database_url=db_url, community_file=EXAMPLE)
    first, second, pending = await park_two(db_url)

    con, out = console()
    assert await inbox_cli.status(settings, con) == 0
    assert "backlog: 1" in out.getvalue()
    assert "dead letters: 2" in out.getvalue()

    con, out = console()
    assert await inbox_cli.failed(settings, con) == 0
    listing = out.getvalue()
    assert "2 parked update(s)" in listing
    for row_id in (first, second):
        assert f"│ {row_id} " in listing
    assert "PolicyError: no SLA policy" in listing
    assert "chat-0" in listing
    assert "漏水" not in listing  # no message text
    assert "13812345678" not in listing

    con, out = console()
    args = build_parser().parse_args(["inbox", "retry", str(second)])
    assert await inbox_cli.retry(settings, args, con) == 0
    assert f"1 update(s) sent back: {second}" in out.getvalue()
    async with session_factory(engine)() as session:
        store = UnitOfWork(session)
        rows = {row_id: await store.inbox.get(row_id) for row_id in (first, second, pending)}
    assert [rows[i].status for i in (first, second, pending)] == ["failed", "pending", "pending"]  # type: ignore[union-attr]
    assert rows[second].failures == 0  # type: ignore[union-attr]

    con, out = console()
    assert await inbox_cli.retry(settings, build_parser().parse_args(["inbox", "retry", "--all"]), con) == 0
    assert f"sent back: {first}" in out.getvalue()
    con, out = console()
    assert await inbox_cli.failed(settings, con) == 0
    assert "no parked updates" in out.getvalue()


async def test_retry_needs_ids_or_all_and_names_what_is_not_parked(engine: AsyncEngine, db_url: str) -> None:
    settings = Settings(database_url=db_url, community_file=EXAMPLE)
    first, _, pending = await park_two(db_url)
    con, _ = console()
    with pytest.raises(ConfigError, match="name the updates"):
        await inbox_cli.retry(settings, build_parser().parse_args(["inbox", "retry"]), con)
    with pytest.raises(ConfigError, match=f"not parked: {pending}"):
        await inbox_cli.retry(
            settings, build_parser().parse_args(["inbox", "retry", str(first), str(pending)]), con
        )
