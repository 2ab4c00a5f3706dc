"""The inbox under `steward run`, on both databases: a served adapter's `receive` stores and
returns (the handling follows in the background, in each chat's order), and a process that is
no worker (`--roles poller`) only stores, for any other process's worker to claim at once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.local.channel import LocalChannel
from bot.app.root import build_app
from bot.app.settings import Settings
from nlp.classifier import Classifier
from storage.messages.models import MessageLog
from tests.harness import EXAMPLE, Harness, text_message

OWNERS = "lxy-owners-1"
OTHER_OWNERS = "lxy-owners-2"


async def test_receive_stores_and_returns_and_the_handling_follows_in_each_chats_order(
    harness: Harness,
) -> None:
    inbox = harness.app.inbox
    texts = [f"{n + 1}栋楼道灯坏了" for n in range(6)]
    await inbox.receive(text_message(OWNERS, "u-0", texts[0], "r-0"))
    # Stored, not handled yet: the platform can be answered already.
    assert [row.status for row in await harness.inbox()] == ["pending"]
    for n, text in enumerate(texts[1:], start=1):
        await inbox.receive(text_message([OWNERS, OTHER_OWNERS][n % 2], f"u-{n}", text, f"r-{n}"))
    assert len(await harness.inbox()) == 6
    await inbox.drain()
    assert {row.status for row in await harness.inbox()} == {"done"}
    async with harness.app.sessions() as session:
        logged = (await session.scalars(select(MessageLog.text).order_by(MessageLog.id))).all()
    assert [t for t in logged if t in texts[0::2]] == texts[0::2]
    assert [t for t in logged if t in texts[1::2]] == texts[1::2]


async def test_a_process_that_is_no_worker_stores_for_the_others_to_claim_at_once(
    harness: Harness, engine: AsyncEngine, db_url: str, classifier: Classifier
) -> None:
    poller = harness.app.inbox
    poller.handles = False
    await poller.receive(text_message(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修", "p-1"))
    handle = await poller.accept(text_message(OWNERS, "u-li", "5栋电梯坏了，麻烦派人来修", "p-2"))
    await handle()  # a WeCom callback's handling: nothing here
    assert [row.status for row in await harness.inbox()] == ["pending", "pending"]

    # A worker process on the same database claims them at once: no reservation to wait out.
    channel = LocalChannel(harness.clock)
    worker = build_app(
        Settings(database_url=db_url, community_file=EXAMPLE),
        channels={"local": channel},
        clock=harness.clock,
        classifier=classifier,
        engine=engine,
    )
    await worker.inbox.drain()
    await worker.sender.drain()
    assert [row.status for row in await harness.inbox()] == ["done", "done"]
    assert len(channel.sent_to(OWNERS)) == 2
