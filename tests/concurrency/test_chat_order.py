"""Updates of one chat are handled one at a time, in order, on PostgreSQL (where nothing else
serializes them: SQLite's write gate runs one update at a time anyway).

How: every update in this process, whether delivered (webhook, WeCom callback, polling) or
taken from the inbox by the worker, joins its chat's queue and waits for the handling of the
chat's previous update (`Inbox._queue`). Were two of a chat's updates handled at once, the
database would catch it: the younger one's first write (`InboxRepository.take`) finds the
older row still pending and the handling is refused (`Outcome.NOT_TAKEN`) and retried later.
So a refused handling is the trace of two updates of one chat run side by side.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storage.inbox.models import PENDING, InboxUpdate
from storage.messages.models import MessageLog
from storage.uow import UnitOfWork
from tests.concurrency.conftest import AT_ONCE, GROUPS, REPETITIONS
from tests.harness import text_message
from tests.opinion.conftest import OpinionHarness

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CHAT = GROUPS[0]
SAID = "3栋厨房水管漏水了，麻烦派人来修"  # a ticket: some work for the handler to do


async def test_a_chats_updates_are_handled_one_at_a_time_in_their_order(crowd: OpinionHarness) -> None:
    """Each round: an update left in the inbox, which the worker takes and starts handling;
    meanwhile 15 more of the same chat arrive, each stored (and acknowledged) as it comes, as
    a webhook does, and all 15 handlings are started at once. Every one must wait for the one
    before instead of being refused for running beside it: all 16 are handled by the time the
    handlings return, with nothing left for the worker, in the order they were stored."""
    inbox = crowd.app.inbox
    left_for_the_worker = 0
    for day in range(REPETITIONS):
        crowd.clock.advance(timedelta(days=1))
        now = crowd.clock.now()
        first = text_message(CHAT, f"u-{day}-0", SAID, f"{day}-0")
        stored = await inbox.store(first)
        async with crowd.app.sessions() as session:  # left for the worker: due at once
            await UnitOfWork(session).inbox.release(stored.id, now)
            await session.commit()
        assert await inbox.step() == 1  # the worker takes it and starts handling it
        handles = [
            await inbox.accept(text_message(CHAT, f"u-{day}-{i}", f"{SAID}（{i}）", f"{day}-{i}"))
            for i in range(1, AT_ONCE)
        ]
        await asyncio.gather(*(handle() for handle in handles))
        async with crowd.app.sessions() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(InboxUpdate)
                .where(InboxUpdate.status == PENDING, InboxUpdate.id != stored.id)
            )
        left_for_the_worker += int(pending or 0)
        await inbox.drain()
        async with crowd.app.sessions() as session:
            logged = (
                await session.scalars(
                    select(MessageLog.platform_message_id)
                    .where(MessageLog.platform_message_id.like(f"{day}-%"))
                    .order_by(MessageLog.id)
                )
            ).all()
        assert list(logged) == [f"{day}-{i}" for i in range(AT_ONCE)]  # each once, in their order
    assert left_for_the_worker == 0
