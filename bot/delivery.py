"""The outbox sender: delivers what handlers wrote to the outbox, through the adapters.

Each round claims the head row of every chat's queue, sends those concurrently (one per
chat, so per-chat order holds), and records each outcome in a short transaction. Adapters
do the platform's rate limiting; this loop does retries with back-off, honours
`retry_after`, and stops retrying a chat that is gone (bot kicked).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import Channel
from bot.clock import Clock
from bot.events import Outgoing, SendError
from storage.models import OutboxMessage
from storage.store import Store

log = logging.getLogger(__name__)

SentHook = Callable[[Store, OutboxMessage, str | None], Awaitable[None]]


class OutboxSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        channels: Mapping[str, Channel],
        clock: Clock,
        *,
        max_attempts: int = 8,
        batch: int = 50,
        lease: timedelta = timedelta(minutes=5),
        poll_interval: float = 1.0,
        on_sent: SentHook | None = None,
    ) -> None:
        self.sessions = sessions
        self.channels = channels
        self.clock = clock
        self.max_attempts = max_attempts
        self.batch = batch
        self.lease = lease
        self.poll_interval = poll_interval
        self.on_sent = on_sent
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        async with self.sessions() as session:
            store = Store(session)
            recovered = await store.outbox.recover_expired(self.clock.now())
            await store.commit()
        if recovered:
            log.warning("outbox: %d message(s) left mid-send by a previous run will be retried", recovered)
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.deliver_once()
            except Exception:
                log.exception("outbox: delivery round failed")
                sent = 0
            if sent:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)

    async def deliver_once(self) -> int:
        """One round; returns how many rows were attempted."""
        async with self.sessions() as session:
            store = Store(session)
            rows = list(await store.outbox.claim(self.clock.now(), self.batch, self.lease))
            await store.commit()
        if not rows:
            return 0
        await asyncio.gather(*(self._deliver(row) for row in rows))
        return len(rows)

    async def drain(self, max_rounds: int = 10_000) -> None:
        """Deliver until nothing is due (tests, the demo, and CLI one-shots)."""
        for _ in range(max_rounds):
            if not await self.deliver_once():
                return

    async def _deliver(self, row: OutboxMessage) -> None:
        channel = self.channels.get(row.platform)
        message_id: str | None = None
        error: SendError | None = None
        if channel is None:
            error = SendError(f"no adapter for platform {row.platform!r}", permanent=True)
        else:
            try:
                result = await channel.send(row.platform_chat_id, Outgoing.from_json(row.payload))
                message_id = result.message_id
            except SendError as exc:
                error = exc
            except Exception as exc:  # an adapter bug must not kill the loop or lose the row
                log.exception("outbox: adapter %s raised on row %d", row.platform, row.id)
                error = SendError(f"{type(exc).__name__}: {exc}")

        async with self.sessions() as session:
            store = Store(session)
            now = self.clock.now()
            if error is None:
                await store.outbox.mark_sent(row.id, message_id, now)
                if self.on_sent is not None:
                    await self.on_sent(store, row, message_id)
            elif error.chat_gone:
                log.warning("outbox: %s chat %s is gone; marking it inactive", row.platform, row.id)
                await store.outbox.mark_failed(row.id, error.reason)
                await store.outbox.fail_chat(row.platform, row.platform_chat_id, "chat gone: " + error.reason)
                await store.directory.set_chat_active(row.platform, row.platform_chat_id, False)
            elif error.permanent or row.attempts + 1 >= self.max_attempts:
                log.warning("outbox: row %d failed for good: %s", row.id, error.reason)
                await store.outbox.mark_failed(row.id, error.reason)
            else:
                delay = max(error.retry_after or 0.0, backoff(row.attempts))
                await store.outbox.mark_retry(row.id, error.reason, now + timedelta(seconds=delay))
            await store.commit()


def backoff(attempts: int, base: float = 1.0, cap: float = 300.0) -> float:
    """1 s, 2 s, 4 s, ... capped at five minutes."""
    return float(min(cap, base * (2**attempts)))
