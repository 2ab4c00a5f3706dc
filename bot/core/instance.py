"""This process as the outbox sees it: an instance with an id and a heartbeat.

Every lease on an outbox row names the instance holding it (`outbox.claimed_by`). The
outbox sender registers its instance when it starts and then beats every `interval`
seconds, one short transaction that

1. marks the instance alive (`instances.heartbeat_at`),
2. renews the leases of the rows it still has in flight (so leases can be short), and
3. takes back rows whose holder is gone: a lease that ended, a holder that stopped, or a
   holder silent for `stale_after` seconds (killed, frozen, cut off from the database).

So a process killed mid-send costs its chats `stale_after` seconds plus a beat, whichever
live process notices first, not a restart. The elected sender of a platform (`leads`, see
`bot.core.election`) knows that platform's previous sender lost its office, so it takes that
platform's rows back from holders silent for `lead_stale_after` (two beats and a second). A clean stop hands its leases back at once and
marks the instance stopped. Times are the application clock's (tests freeze it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock
from storage.db import WriteGate
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# Instances silent for this long are forgotten when a new one registers.
FORGET_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class InstanceInfo:
    """Who this process is: a random id (unique per start), its host and pid."""

    id: str
    host: str
    pid: int

    @classmethod
    def current(cls) -> InstanceInfo:
        return cls(secrets.token_hex(8), socket.gethostname() or "?", os.getpid())


class Heartbeat:
    """Registers an instance, beats, renews the leases `held()` names, takes over dead ones.

    `on_takeover` is called when a beat handed rows back (the sender wakes to claim them).
    `last_ok` (monotonic seconds) and `last_error` say how the beats are going (/healthz)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        me: InstanceInfo,
        *,
        held: Callable[[], Collection[int]],
        on_takeover: Callable[[], None],
        gate: WriteGate,
        interval: float = 2.0,
        stale_after: float = 10.0,
        lease: timedelta = timedelta(seconds=30),
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.me = me
        self.held = held
        self.on_takeover = on_takeover
        self.gate = gate
        self.interval = interval
        self.stale_after = stale_after
        self.lease = lease
        self.registered = False
        self.last_ok: float | None = None
        self.last_error: str | None = None
        self.taken_over = 0  # rows handed back from dead holders by this instance's beats
        self.leads: set[str] = set()  # platforms whose elected sender this instance is
        self.lead_stale_after = min(stale_after, 2 * interval + 1.0)
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def register(self) -> int:
        """Write this instance's row and take over what dead instances left; returns how
        many rows were taken over."""
        now = self.clock.now()
        async with self.gate(priority=True), self.sessions() as session:
            store = UnitOfWork(session)
            await store.instances.forget(now - FORGET_AFTER)
            await store.instances.register(self.me.id, self.me.host, self.me.pid, now)
            released = await store.outbox.release_dead(
                now, now - timedelta(seconds=self.stale_after), holder=self.me.id
            )
            await store.commit()
        self.registered = True
        self._ok()
        self._took_over(released)
        return released

    async def beat(self) -> int:
        """One beat (see the module docstring); returns how many rows were taken over."""
        now = self.clock.now()
        held = list(self.held())
        async with self.gate(priority=True), self.sessions() as session:
            store = UnitOfWork(session)
            alive = await store.instances.beat(self.me.id, now)
            if not alive and self.registered:
                # Marked stopped by someone (or forgotten): come back, so our leases count.
                log.warning(
                    "outbox: instance %s was marked stopped while running; re-registering", self.me.id
                )
                existing = await store.instances.get(self.me.id)
                if existing is None:
                    await store.instances.register(self.me.id, self.me.host, self.me.pid, now)
                else:
                    existing.stopped_at = None
                    existing.heartbeat_at = now
            await store.outbox.renew(self.me.id, held, now + self.lease)
            released = await store.outbox.release_dead(
                now, now - timedelta(seconds=self.stale_after), holder=self.me.id
            )
            if self.leads:
                released += await store.outbox.release_dead(
                    now,
                    now - timedelta(seconds=self.lead_stale_after),
                    holder=self.me.id,
                    platforms=set(self.leads),
                )
            await store.commit()
        self._ok()
        self._took_over(released)
        return released

    async def stop(self, *, mark_stopped: bool = True) -> None:
        """Stop beating; mark the instance stopped (its leases are then anyone's)."""
        await self.halt()
        if mark_stopped and self.registered:
            async with self.gate(priority=True), self.sessions() as session:
                store = UnitOfWork(session)
                await store.instances.stop(self.me.id, self.clock.now())
                await store.commit()
            self.registered = False

    async def halt(self) -> None:
        """Stop beating, nothing else (as if the process had died)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-heartbeat")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.beat()
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {_first_line(exc)}"
                log.warning("outbox: heartbeat failed: %s", self.last_error)

    def _ok(self) -> None:
        self.last_ok = time.monotonic()
        self.last_error = None

    def _took_over(self, released: int) -> None:
        if released:
            self.taken_over += released
            log.warning(
                "outbox: %d message(s) left mid-send by a stopped or dead sender will be retried", released
            )
            self.on_takeover()


def _first_line(exc: BaseException) -> str:
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    return lines[0][:200] if lines else ""
