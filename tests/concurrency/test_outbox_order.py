"""Per-chat outbox order is the commit order, with writers side by side and a sender claiming
all the while: a chat's rows are sent in the order of their ids, and no row ever appears below
one already sent (on PostgreSQL ids are taken at INSERT, before commit; the chat's queue lock,
`storage.outbox.repository.lock_chat_queues`, makes them follow the commits)."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import session_factory
from storage.outbox.repository import OutboxRepository

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
CHATS = ["chat-a", "chat-b"]
WRITERS = 16
ROUNDS = 50


@pytest.mark.slow
async def test_a_chats_rows_are_sent_in_commit_order_under_concurrent_writers(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    rng = random.Random(20)
    sent: dict[str, list[int]] = {chat: [] for chat in CHATS}
    written = 0
    writing = True

    async def write(chat: str, n: int) -> None:
        nonlocal written
        async with sessions() as session:
            await OutboxRepository(session).enqueue(
                platform="local", platform_chat_id=chat, chat_id=None, payload=f"{chat}-{n}", now=NOW
            )
            await asyncio.sleep(rng.uniform(0, 0.03))  # the rest of the handler's transaction
            await session.commit()
            written += 1

    async def send() -> None:
        while True:
            async with sessions() as session:
                repo = OutboxRepository(session)
                rows = await repo.claim(NOW, 50, timedelta(minutes=5))
                await repo.mark_sent_many([(row.id, None) for row in rows], NOW)
                await session.commit()
            for row in sorted(rows, key=lambda row: row.id):
                sent[row.platform_chat_id].append(row.id)
            if not rows:
                if not writing:
                    return
                await asyncio.sleep(0.001)

    sender = asyncio.create_task(send())
    for round_ in range(ROUNDS):
        await asyncio.gather(*(write(CHATS[n % 2], round_ * WRITERS + n) for n in range(WRITERS)))
    writing = False
    await sender
    assert written == ROUNDS * WRITERS
    assert sum(len(ids) for ids in sent.values()) == ROUNDS * WRITERS  # every row sent once
    for chat, ids in sent.items():
        inverted = [(a, b) for a, b in itertools.pairwise(ids) if b < a]
        assert inverted == [], f"{chat}: {len(inverted)} sends out of order"
