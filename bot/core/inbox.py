"""The inbox: every update is stored before its platform is answered, and handled from there.

Store first. `store` writes the update (`Incoming.to_json()`) to the `inbox` table in a short
transaction of its own; only then may the adapter acknowledge it (answer a webhook 200, move
Telegram's offset past it). A failure to store raises, so the platform keeps or redelivers
the update; once `close`d (Steward is stopping) the inbox stores nothing (`IntakeClosed`).
A delivery stored before is not stored again (the row's unique delivery key).

Handle at once. The process that stored an update handles it right away (`deliver`, or the
`Handle` that `accept` returns): updates of one chat in the order they were stored, one at a
time. The row is reserved for that process for `lease` (its `next_attempt_at`), so no worker
takes it meanwhile. The update's transaction takes the row first (`deduplicate` middleware):
done only if still pending and its chat's oldest pending row, so every update is handled
once, in its chat's order, and the mark commits with the handling or not at all.

Retry. A handling that raises (anything but a `DomainError`, which is an answer) is rolled
back and recorded: due again after a back-off, or parked as a dead letter once the handling
itself has failed `max_failures` times. An unreachable, restarting, locked or full database
is not the update's fault: such failures are retried without counting. Parking writes, in
the same transaction, the apology to the chat and a note to every admin who can be written
to privately; if even that cannot be written, the row stays pending for its next try. A crash
anywhere leaves the row pending: its reservation or lease runs out and a worker takes it.

The worker (`start`) takes the due head of every chat's queue (retries, leftovers of a crash,
updates of another process, dead letters sent back by `steward inbox retry`), up to
`concurrency` at a time, one per chat, and forgets handled rows after `keep`.

Updates of one chat are handled one at a time and in order. In this process every update,
delivered or taken by the worker, joins its chat's queue (`_tails`: each waits for the
handling of the chat's previous one); the worker takes only the head of a chat's queue; and
the handler's first write (`InboxRepository.take`) marks the row done only if no older row of
its chat is pending, which also holds between processes.

Roles. A process that is no worker (`handles` False: `steward run --roles poller`) only
stores: its rows are due at once, for the workers of other processes to claim. A served
adapter calls `receive`, which stores and returns (the platform is answered without waiting
for the handling), handing the update to this process's own handling in the background.

Just over 400 lines: storing, handling at once, retrying and the worker all move one row
through its states, and read best together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.channel import Handle, IntakeClosed
from bot.core.context import DEFAULT_LANGUAGE, Outcome
from bot.core.events import Incoming, MessageKind, Outgoing
from bot.core.middlewares import SILENT, answer
from bot.core.router import Dispatcher
from bot.core.services import Services
from storage.db import WriteGate
from storage.inbox.models import PENDING, InboxUpdate
from storage.inbox.repository import InboxStats, Stored, database_unavailable
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboxPolicy:
    max_failures: int = 5  # handling failures before an update is parked
    lease: timedelta = timedelta(seconds=30)  # a reservation, or a worker's lease, lasts this
    retry_base: float = 1.0  # seconds before the first retry; doubles each time ...
    retry_cap: float = 30.0  # ... up to this
    poll_interval: float = 1.0  # the worker looks for due rows at least this often
    concurrency: int = 4  # updates the worker handles at once (one per chat)
    keep: timedelta = timedelta(hours=24)  # handled rows are forgotten after this

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.retry_cap, self.retry_base * 2 ** min(attempts, 30)))


@dataclass(frozen=True)
class Receipt:
    """An update stored in the inbox, and its place in this process's queue for its chat."""

    stored: Stored
    incoming: Incoming
    before: asyncio.Future[None] | None  # the handling of the chat's previous update here
    mine: asyncio.Future[None]


def describe(exc: BaseException) -> str:
    """What went wrong, in one line for the row and `steward inbox failed`."""
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    return f"{type(inner).__name__}: {lines[0]}"[:300] if lines else type(inner).__name__


async def _nothing() -> None:
    """The handle of an update a process stored for other processes' workers."""


class Inbox:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        dispatcher: Dispatcher,
        services: Services,
        policy: InboxPolicy | None = None,
        gate: WriteGate | None = None,
        after: Callable[[], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.dispatcher = dispatcher
        self.services = services
        self.policy = policy or InboxPolicy()
        self.gate = gate or WriteGate(serialize=False)
        self._after = after  # called when a parking (apology, admins' notes) was committed
        self._closed = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._tails: dict[tuple[str, str], asyncio.Future[None]] = {}
        self._storing: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}  # lock, its users
        self._unavailable = 0  # failed worker steps in a row
        self.handles = True  # False: a process that only stores (no worker role)
        self._soon: set[asyncio.Task[Outcome]] = set()  # handlings `receive` started
        self._limit = asyncio.Semaphore(self.policy.concurrency)

    def now(self) -> datetime:
        return self.services.clock.now()

    # -- intake ----------------------------------------------------------------------------------

    def open(self) -> None:
        self._closed = False

    def close(self) -> None:
        """Store nothing more: adapters answer `IntakeClosed` so the platform retries later.
        What was stored is still handled (or left in the inbox for the next start)."""
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed

    async def store(self, incoming: Incoming) -> Stored:
        """Write `incoming` durably (raises if it could not be, `IntakeClosed` when stopping);
        reserved for this process for a lease if it handles updates, else due at once."""
        if self._closed:
            raise IntakeClosed("steward is stopping")
        async with self.gate(), self.sessions() as session:
            store = UnitOfWork(session)
            stored = await store.inbox.store(
                platform=incoming.platform,
                platform_chat_id=incoming.chat_id,
                delivery_key=incoming.delivery_key,
                kind=incoming.kind.value,
                payload=incoming.to_json(),
                now=self.now(),
                reserve=self.policy.lease if self.handles else timedelta(0),
            )
            await store.commit()
        return stored

    def _queue(self, stored: Stored, incoming: Incoming) -> Receipt:
        """Take the update's place in this process's queue for its chat."""
        key = (incoming.platform, incoming.chat_id)
        before = self._tails.get(key)
        mine = asyncio.get_running_loop().create_future()
        self._tails[key] = mine
        return Receipt(stored, incoming, before, mine)

    async def accept(self, incoming: Incoming) -> Handle:
        """Store `incoming` (raises if it could not be), and return what handles it at once.
        The caller must run it: the chat's later updates here wait for it (for a lease at most).
        A process that handles nothing returns a handle that does nothing."""
        if not self.handles:
            await self.store(incoming)
            return _nothing
        receipt = await self._store_in_turn(incoming)

        async def handle() -> None:
            await self.handle_now(receipt)

        return handle

    async def deliver(self, incoming: Incoming) -> Outcome:
        """Store, then handle at once. Raises only if the update was not stored."""
        return await self.handle_now(await self._store_in_turn(incoming))

    async def _store_in_turn(self, incoming: Incoming) -> Receipt:
        """Store, then take the update's place in its chat's queue here, one chat's updates
        at a time: a row's id is taken at its INSERT and the turn check (`InboxRepository.take`)
        orders by id, so two stores of a chat running side by side on PostgreSQL could commit
        with ids in the other order than they join the queue; the first handled would then
        find the other pending, be refused, and every later update of the chat after it."""
        key = (incoming.platform, incoming.chat_id)
        lock, users = self._storing.get(key, (asyncio.Lock(), 0))
        self._storing[key] = (lock, users + 1)
        try:
            async with lock:
                return self._queue(await self.store(incoming), incoming)
        finally:
            lock, users = self._storing[key]
            if users > 1:
                self._storing[key] = (lock, users - 1)
            else:
                del self._storing[key]

    async def receive(self, incoming: Incoming) -> None:
        """Store, and return once stored (raises if not): what a served adapter calls before it
        answers its platform. A worker process handles the update in the background, after the
        chat's previous update here, `concurrency` at a time; a button press is handled before
        this returns (its presser waits for the answer anyway). A process that is no worker
        only stores. Stores run ahead of the handlings by `2 × concurrency` updates at most:
        beyond that the next store waits (the platform keeps the update meanwhile), so a stop
        finishes what was stored within its grace."""
        while self.handles and len(self._soon) >= 2 * self.policy.concurrency:
            await asyncio.wait(set(self._soon), return_when=asyncio.FIRST_COMPLETED)
        if not self.handles:
            await self.store(incoming)
            return
        receipt = await self._store_in_turn(incoming)
        if incoming.kind is MessageKind.CALLBACK:
            await self.handle_now(receipt)
            return
        task = asyncio.create_task(
            self.handle_now(receipt, bounded=True), name=f"inbox-now-{receipt.stored.id}"
        )
        self._soon.add(task)
        task.add_done_callback(self._soon.discard)

    async def handle_now(self, receipt: Receipt, *, bounded: bool = False) -> Outcome:
        """Handle a stored update in this process, after the previous update of its chat here.
        A failure is recorded for a retry, never raised."""
        key = (receipt.incoming.platform, receipt.incoming.chat_id)
        try:
            if receipt.before is not None and not receipt.before.done():
                # asyncio.timeout, not wait_for: Python 3.11's wait_for can lose a cancellation
                # that arrives as the awaited thing completes, and a stop would hang on it.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.policy.lease.total_seconds()):
                        await asyncio.shield(receipt.before)
            if receipt.stored.status != PENDING:
                return Outcome.DUPLICATE  # delivered again after it was handled (or parked)
            if not bounded:
                return await self._run(receipt.stored.id, receipt.incoming)
            async with self._limit:  # after the chat's turn came: never held while waiting
                return await self._run(receipt.stored.id, receipt.incoming)
        finally:
            if not receipt.mine.done():
                receipt.mine.set_result(None)
            if self._tails.get(key) is receipt.mine:
                del self._tails[key]

    async def _run(self, row_id: int, incoming: Incoming) -> Outcome:
        try:
            ctx = await self.dispatcher.handle(incoming, inbox_id=row_id)
        except Exception as exc:
            await self._failed(row_id, incoming, exc)
            return Outcome.UNFINISHED
        if ctx.outcome is Outcome.NOT_TAKEN:
            # Not its chat's turn yet (an older update is pending) or taken elsewhere: a worker
            # takes it when it is, without waiting out this process's reservation.
            with contextlib.suppress(Exception):
                async with self.gate(), self.sessions() as session:
                    await UnitOfWork(session).inbox.release(row_id, self.now())
                    await session.commit()
            self._wake.set()
        return ctx.outcome

    async def _failed(self, row_id: int, incoming: Incoming | None, exc: Exception) -> None:
        error = describe(exc)
        transient = database_unavailable(exc)
        if transient:
            log.warning("inbox: update %d not handled, the database is unavailable (%s)", row_id, error)
        else:
            log.error("inbox: update %d failed", row_id, exc_info=exc)
        parked = False
        try:
            async with self.gate(), self.sessions() as session:
                store = UnitOfWork(session)
                row = await store.inbox.get(row_id)
                if row is None or row.status != PENDING:
                    return
                now = self.now()
                failures, attempts = row.failures + 1, row.attempts  # read before the row is updated
                if not transient and failures >= self.policy.max_failures:
                    parked = await store.inbox.park(row_id, error=error, now=now)
                    if parked:
                        if incoming is not None and incoming.kind not in SILENT:
                            # Long after a press: its answer would be refused, so in the chat.
                            await answer(store, self.services, incoming, "err.internal", {}, to_presser=False)
                        await self._tell_admins(store, row, failures, type(exc).__name__, now)
                else:
                    await store.inbox.retry_later(
                        row_id, at=now + self.policy.backoff(attempts), error=error, counted=not transient
                    )
                await store.commit()
        except Exception as again:
            # Not even the failure could be written: the row stays pending, and is taken again
            # when its reservation or lease runs out.
            log.warning("inbox: the failure of update %d was not recorded (%s)", row_id, describe(again))
            return
        if parked:
            log.error(
                "inbox: update %d parked after %d failures: %s", row_id, self.policy.max_failures, error
            )
            if self._after is not None:
                self._after()

    async def _tell_admins(
        self, store: UnitOfWork, row: InboxUpdate, failures: int, error: str, now: datetime
    ) -> None:
        """A private note to every admin on a platform that can write to a person directly."""
        for admin in sorted(self.services.admins):
            platform, _, user_id = admin.partition(":")
            if not user_id or not self.services.capabilities(platform).direct:
                continue
            text = self.services.texts.render(
                "inbox.parked",
                DEFAULT_LANGUAGE.get(platform, "zh-Hans"),
                id=row.id,
                platform=row.platform,
                chat=row.platform_chat_id,
                failures=failures,
                error=error,
            )
            await store.outbox.enqueue(
                platform=platform,
                platform_chat_id=user_id,
                chat_id=None,
                payload=Outgoing(text=text).to_json(),
                now=now,
                ref_type="inbox",
                ref_id=row.id,
            )

    # -- the worker ------------------------------------------------------------------------------

    async def start(self) -> None:
        self.open()
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="inbox-worker")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop taking rows; let the handlings in flight finish for `grace` seconds (the rest
        are cancelled: rolled back, their rows taken again once their lease runs out)."""
        self.close()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            # gather: the loop's own cancellation is its result, while a cancellation of this
            # stop (a bound that ran out) still propagates.
            await asyncio.gather(task, return_exceptions=True)
        running: set[asyncio.Task[Any]] = {*self._running, *self._soon}
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_prune = loop.time()
        while True:
            self._wake.clear()
            try:
                if loop.time() >= next_prune:
                    await self.prune()
                    next_prune = loop.time() + 3600
                await self.step()
            except Exception as exc:
                self._unavailable += 1
                if self._unavailable == 1:
                    log.warning("inbox: the worker cannot reach the database (%s); retrying", describe(exc))
                await asyncio.sleep(
                    min(self.policy.retry_cap, self.policy.retry_base * 2 ** min(self._unavailable, 10))
                )
                continue
            if self._unavailable:
                log.warning("inbox: the worker reaches the database again")
                self._unavailable = 0
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.policy.poll_interval):
                    await self._wake.wait()

    async def step(self) -> int:
        """Lease the due heads of the chats' queues (as many as there is room for) and start
        handling each; returns how many started."""
        room = self.policy.concurrency - len(self._running)
        if room <= 0:
            return 0
        async with self.gate(), self.sessions() as session:
            store = UnitOfWork(session)
            rows = list(await store.inbox.claim(self.now(), room, self.policy.lease))
            await store.commit()
        for row in rows:
            task = asyncio.create_task(self._work(row.id, row.payload), name=f"inbox-{row.id}")
            self._running.add(task)
            task.add_done_callback(self._finished)
        return len(rows)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()  # the chat's next update may be due now, and there is room again

    async def _work(self, row_id: int, payload: str) -> None:
        try:
            incoming = Incoming.from_json(payload)
        except Exception as exc:  # a row no version of Steward could read: parked in the end
            await self._failed(row_id, None, exc)
            return
        # In its chat's queue here like a delivered update: an update of the same chat that
        # arrives while this one runs waits for it, rather than running beside it (and being
        # refused by the inbox row's turn check, to be taken again later).
        await self.handle_now(self._queue(Stored(row_id, PENDING, False), incoming))

    async def drain(self, max_rounds: int = 10_000) -> None:
        """Handle everything due until nothing is due or running (tests, one-shots), what
        `receive` handles in the background included."""
        while self._soon:
            await asyncio.gather(*set(self._soon), return_exceptions=True)
        for _ in range(max_rounds):
            started = await self.step()
            if self._running:
                await asyncio.gather(*set(self._running), return_exceptions=True)
                continue
            if not started:
                return

    # -- reading ---------------------------------------------------------------------------------

    async def stats(self) -> InboxStats:
        """Backlog, how long its oldest update has waited, dead letters (for a health check)."""
        async with self.sessions() as session:
            return await UnitOfWork(session).inbox.stats(self.now())

    async def prune(self) -> int:
        async with self.gate(), self.sessions() as session:
            store = UnitOfWork(session)
            gone = await store.inbox.prune(self.now() - self.policy.keep)
            await store.commit()
        return gone
