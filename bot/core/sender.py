"""The outbox sender: delivers what handlers wrote to the outbox, through the adapters.

A pipeline, not lock-step rounds: the sender claims the head row of every chat's queue that
has nothing in flight, sends each in its own task, and keeps claiming while earlier sends
are still waiting on a platform's rate limit, so one slow chat never holds up the others.
Only one row per chat is ever in flight, so per-chat order holds. Outcomes are recorded in
batches, one short transaction for all the sends that finished since the last one.

Adapters do the platform's rate limiting; this loop does retries with back-off, honours
`retry_after`, and stops retrying a chat that is gone (bot kicked).

Priority: each chat's head is its most urgent row (`storage.outbox.models.Priority`), heads
are claimed most urgent first, and at most `bulk_in_flight` bulk rows (broadcasts, tips,
digests) are in flight at once, so an urgent reply never queues behind a notice to 200
groups in an adapter's rate limiter. A send is bounded by `send_timeout`.

Leases: claims are made for this process's instance (`bot.core.instance`), whose heartbeat
renews them and takes over those of dead instances; `stop()` hands back what it could not
finish at once. The sender claims only rows of the platforms it has adapters for and, when
several processes share the database, leads (`leads`: the platforms whose elected sender this
process is, `bot.core.election`; None: all of them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.channel import Channel
from bot.core.clock import Clock
from bot.core.events import Outgoing, SendError
from bot.core.instance import Heartbeat, InstanceInfo
from storage.db import WriteGate
from storage.outbox.models import OutboxMessage, Priority
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

SentHook = Callable[[UnitOfWork, OutboxMessage, str | None], Awaitable[None]]


@dataclass(frozen=True)
class Outcome:
    row: OutboxMessage
    message_id: str | None
    error: SendError | None


@dataclass(frozen=True)
class SendReport:
    """One finished send, for metrics: how long the adapter took, and how long the message
    had waited since it was due (None if it failed)."""

    platform: str
    priority: int
    seconds: float
    ok: bool
    waited: float | None


SendObserver = Callable[[SendReport], None]


class OutboxSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        channels: Mapping[str, Channel],
        clock: Clock,
        *,
        max_attempts: int = 8,
        batch: int = 50,
        max_in_flight: int = 200,
        bulk_in_flight: int = 20,
        lease: timedelta = timedelta(seconds=30),
        heartbeat_interval: float = 2.0,
        stale_after: float = 10.0,
        send_timeout: float = 180.0,
        poll_interval: float = 1.0,
        pace: float = 0.01,
        on_sent: SentHook | None = None,
        observer: SendObserver | None = None,
        gate: WriteGate | None = None,
        instance: InstanceInfo | None = None,
    ) -> None:
        self.sessions = sessions
        self.channels = channels
        self.clock = clock
        self.max_attempts = max_attempts
        self.batch = batch
        self.max_in_flight = max_in_flight
        self.bulk_in_flight = bulk_in_flight
        self.lease = lease
        self.send_timeout = send_timeout
        self.poll_interval = poll_interval
        self.pace = pace
        self.on_sent = on_sent
        self.observer = observer
        self.gate = gate or WriteGate(serialize=False)
        self.instance = instance or InstanceInfo.current()
        self.heartbeat = Heartbeat(
            sessions,
            clock,
            self.instance,
            held=self.held_ids,
            on_takeover=self.wake,
            gate=self.gate,
            interval=heartbeat_interval,
            stale_after=stale_after,
            lease=lease,
        )
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._rows: dict[int, OutboxMessage] = {}  # the rows in flight, by id
        self._outcomes: list[Outcome] = []
        # Steps (or records) under way: from taking the finished sends to committing them, the
        # outcomes are in neither `_outcomes` nor the database, and their rows look in flight.
        self._busy = 0
        self._recording: list[list[Outcome]] = []  # outcomes being written right now
        self.last_step: float | None = None  # monotonic time the loop last went round
        self.leads: set[str] | None = None  # None: every platform with an adapter

    def lead(self, platform: str, leading: bool) -> None:
        """Become (or stop being) `platform`'s elected sender: claim its rows (or no more), and
        take its rows back quickly from a silent previous sender."""
        leads = set() if self.leads is None else self.leads
        (leads.add if leading else leads.discard)(platform)
        self.leads = leads
        self.heartbeat.leads = set(leads)
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def held_ids(self) -> set[int]:
        """The rows this sender holds: in flight, or finished and not yet recorded."""
        held = set(self._rows)
        held.update(o.row.id for o in self._outcomes)
        held.update(o.row.id for batch in self._recording for o in batch)
        return held

    async def start(self) -> None:
        """Register this instance (taking over what dead ones left), then run the loop and
        the heartbeat."""
        await self.heartbeat.register()
        self.last_step = time.monotonic()
        self._task = asyncio.create_task(self._run(), name="outbox-sender")
        self.heartbeat.start()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming; give the sends in flight `grace` seconds to finish, record what
        finished, cancel the rest and hand their rows back at once (they may have reached
        the platform: at least once), then mark the instance stopped. An adapter that hangs
        on shutdown cannot hold the process."""
        await self.heartbeat.halt()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._in_flight:
            _, pending = await asyncio.wait(set(self._in_flight), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
                log.warning("outbox: %d send(s) still in flight at shutdown were cancelled", len(pending))
        await self._record()
        async with self.gate(priority=True), self.sessions() as session:
            store = UnitOfWork(session)
            released = await store.outbox.release(self.instance.id, self.clock.now())
            await store.commit()
        if released:
            log.warning("outbox: %d unfinished send(s) handed back for the next sender", released)
        await self.heartbeat.stop()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            # Cleared before the step, so a wake-up that arrives during it (a send finishing,
            # an update committing) is not lost and the loop goes round again.
            self._wake.clear()
            began = loop.time()
            self.last_step = time.monotonic()
            try:
                claimed = await self.step()
            except Exception:
                log.exception("outbox: delivery step failed")
                claimed = 0
            if claimed >= self.batch:
                continue  # a full batch: more is waiting
            # asyncio.timeout, not wait_for: Python 3.11's wait_for loses a cancellation that
            # arrives as the wake-up does (every finished send wakes the loop), and `stop` then
            # waited out its whole bound for a loop that went on claiming.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()
            # Every committed update wakes the sender: a step at each would cost a transaction
            # per update under load. At most one step per `pace` lets one transaction record
            # and claim for all the updates of that interval (a reply leaves at most that later).
            rest = self.pace - (loop.time() - began)
            if rest > 0:
                await asyncio.sleep(rest)

    async def step(self) -> int:
        """Record finished sends, then claim and start new ones, in one short transaction
        (ahead of queued updates at the write gate); returns how many started."""
        room = self.max_in_flight - len(self._in_flight)
        if room <= 0:
            await self._record()
            return 0
        outcomes, self._outcomes = self._outcomes, []
        self._recording.append(outcomes)
        self._busy += 1
        bulk = sum(1 for row in self._rows.values() if row.priority >= Priority.BULK)
        try:
            async with self.gate(priority=True), self.sessions() as session:
                store = UnitOfWork(session)
                await self._write_outcomes(store, outcomes)
                rows = list(
                    await store.outbox.claim(
                        self.clock.now(),
                        min(self.batch, room),
                        self.lease,
                        holder=self.instance.id,
                        platforms=set(self.channels)
                        if self.leads is None
                        else set(self.channels) & self.leads,
                        bulk_limit=max(self.bulk_in_flight - bulk, 0),
                    )
                )
                await store.commit()
        except BaseException:
            self._outcomes[:0] = outcomes  # not recorded: kept for the next try
            raise
        finally:
            self._recording.remove(outcomes)
            self._busy -= 1
        for row in rows:
            self._rows[row.id] = row
            task = asyncio.create_task(self._send(row), name=f"outbox-send-{row.id}")
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(rows)

    async def deliver_once(self) -> int:
        """Claim what is due, send it and record the outcomes (tests and one-shots).
        Returns how many sends started or finished, so callers know whether to go on."""
        finished = len(self._outcomes)
        started = await self.step()
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        finished += len(self._outcomes)
        await self._record()
        return started + finished

    async def drain(self, max_rounds: int = 100_000) -> None:
        """Deliver until nothing is due and nothing is in flight (tests, demo, CLI), also when
        the sender's own loop runs alongside: a step of that loop that holds finished sends it
        has not recorded yet is waited for (their rows still read `sending`, so the rest of
        their chats' queues is not yet claimable)."""
        for _ in range(max_rounds):
            if await self.deliver_once() or self._in_flight or self._outcomes:
                continue
            if not self._busy:
                return
            await asyncio.sleep(0.001)

    async def _send(self, row: OutboxMessage) -> None:
        channel = self.channels.get(row.platform)
        message_id: str | None = None
        error: SendError | None = None
        began = time.monotonic()
        try:
            if channel is None:
                error = SendError(f"no adapter for platform {row.platform!r}", permanent=True)
            else:
                try:
                    async with asyncio.timeout(self.send_timeout):
                        result = await channel.send(row.platform_chat_id, Outgoing.from_json(row.payload))
                    message_id = result.message_id
                except SendError as exc:
                    error = exc
                except TimeoutError:
                    # It may have reached the platform: retried, so at least once.
                    error = SendError(f"send timed out after {self.send_timeout:g} s")
                except Exception as exc:  # an adapter bug must not kill the loop or lose the row
                    log.exception("outbox: adapter %s raised on row %d", row.platform, row.id)
                    error = SendError(f"{type(exc).__name__}: {exc}")
            self._outcomes.append(Outcome(row, message_id, error))
        finally:
            self._rows.pop(row.id, None)
        self._observe(row, time.monotonic() - began, error is None)
        self.wake()

    def _observe(self, row: OutboxMessage, seconds: float, ok: bool) -> None:
        if self.observer is None:
            return
        waited = None
        if ok:
            due = row.due_at or row.created_at
            waited = max((self.clock.now() - due).total_seconds(), 0.0)
        try:
            self.observer(SendReport(row.platform, row.priority, seconds, ok, waited))
        except Exception:  # metrics must never cost a message
            log.exception("outbox: send observer failed")

    async def _record(self) -> None:
        """Write every finished send's outcome in one transaction."""
        if not self._outcomes:
            return
        outcomes, self._outcomes = self._outcomes, []
        self._recording.append(outcomes)
        self._busy += 1
        try:
            async with self.gate(priority=True), self.sessions() as session:
                store = UnitOfWork(session)
                await self._write_outcomes(store, outcomes)
                await store.commit()
        except BaseException:
            self._outcomes[:0] = outcomes  # not recorded: kept for the next try
            raise
        finally:
            self._recording.remove(outcomes)
            self._busy -= 1

    async def _write_outcomes(self, store: UnitOfWork, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        now = self.clock.now()
        sent = [o for o in outcomes if o.error is None]
        await store.outbox.mark_sent_many([(o.row.id, o.message_id) for o in sent], now)
        if self.on_sent is not None:
            for outcome in sent:
                await self.on_sent(store, outcome.row, outcome.message_id)
        for outcome in outcomes:
            if outcome.error is not None:
                await self._failed(store, outcome.row, outcome.error, now)

    async def _failed(self, store: UnitOfWork, row: OutboxMessage, error: SendError, when: datetime) -> None:
        if error.migrated_to:
            # The group became a supergroup (its migration update may not have reached us):
            # keep the binding under the new id and send this row, and the rest of the
            # chat's queue, there, in the same order.
            log.warning("outbox: %s chat of row %d moved to a new id; re-queued there", row.platform, row.id)
            await store.directory.migrate_chat(row.platform, row.platform_chat_id, error.migrated_to)
            await store.outbox.move_chat(row.platform, row.platform_chat_id, error.migrated_to, when)
        elif error.chat_gone:
            log.warning("outbox: %s chat of row %d is gone; marking it inactive", row.platform, row.id)
            await store.outbox.mark_failed(row.id, error.reason, holder=self.instance.id)
            await store.outbox.fail_chat(row.platform, row.platform_chat_id, "chat gone: " + error.reason)
            await store.directory.set_chat_active(row.platform, row.platform_chat_id, False)
        elif error.permanent or row.attempts + 1 >= self.max_attempts:
            log.warning("outbox: row %d failed for good: %s", row.id, error.reason)
            await store.outbox.mark_failed(row.id, error.reason, holder=self.instance.id)
        else:
            delay = max(error.retry_after or 0.0, backoff(row.attempts))
            await store.outbox.mark_retry(
                row.id, error.reason, when + timedelta(seconds=delay), holder=self.instance.id
            )


def backoff(attempts: int, base: float = 1.0, cap: float = 300.0) -> float:
    """1 s, 2 s, 4 s, ... capped at five minutes."""
    return float(min(cap, base * (2**attempts)))
