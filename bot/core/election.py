"""Singletons: the parts of Steward that must run on exactly one process at a time.

The scheduler (every job would otherwise run once per process), each bot token's outbox
sender (the platform's rate limits are counted where the sends are made: one sender per token
keeps them across processes) and Telegram's poller (two `getUpdates` loops on one token fight
with 409s) are *offices*. Every process that may hold an office stands for it; on PostgreSQL
the holder is whoever has the office's session-level advisory lock (`storage.locks`), taken on
a connection of the process's own. The holder that dies loses its connection, so the server
frees the lock, and a standby takes it at its next try (`interval`, 1 s): a takeover within
seconds. A holder that loses its connection while alive finds out at its next ping and gives
the office up (`on_loss`) before anyone else can have it for long.

On SQLite (one process serves the file: `storage.locks.claim_sqlite_file`) every office is held
from the start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from storage.locks import AdvisoryLocks

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Office:
    name: str  # shown in /healthz: "scheduler", "sender:telegram", "poller:telegram"
    key: str  # the lock's name: the same in every process that stands for this office
    on_gain: Hook
    on_loss: Hook


class Election:
    """Stands for offices; `held` is what this process holds now."""

    def __init__(self, locks: AdvisoryLocks | None, *, interval: float = 1.0, timeout: float = 5.0) -> None:
        self._locks = locks  # None: embedded (SQLite), every office is ours
        self.interval = interval
        self.timeout = timeout
        self.offices: list[Office] = []
        self.held: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._failing = False

    def stand(self, name: str, key: str, on_gain: Hook, on_loss: Hook) -> None:
        self.offices.append(Office(name, key, on_gain, on_loss))

    @property
    def embedded(self) -> bool:
        return self._locks is None

    async def start(self) -> None:
        """Take what can be taken now (every office when embedded), then keep trying."""
        if self._locks is None:
            for office in self.offices:
                await self._gain(office)
            return
        await self.round()
        self._task = asyncio.create_task(self._run(), name="election")

    async def stop(self) -> None:
        """Give every office up (hooks first, then the locks), and stop standing."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        for office in reversed(self.offices):
            if office.name in self.held:
                await self._lose(office)
        if self._locks is not None:
            with contextlib.suppress(Exception):
                await self._locks.close()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.round()

    async def round(self) -> None:
        """One try: make sure the session is alive (else every office is lost), then try for
        each office not held."""
        locks = self._locks
        if locks is None:
            return
        won: list[Office] = []
        try:
            async with asyncio.timeout(self.timeout):
                if self.held:
                    await locks.ping()
                for office in self.offices:
                    if office.name not in self.held and await locks.try_lock(office.key):
                        won.append(office)
                        self.held.add(office.name)
        except Exception as exc:
            if not self._failing:
                log.warning("election: the lock connection failed (%s); offices given up", exc)
            self._failing = True
            for office in won:
                self.held.discard(office.name)  # its hook never ran: nothing to undo
            for office in reversed(self.offices):
                if office.name in self.held:
                    await self._lose(office)
            await locks.drop()
            return
        if self._failing:
            log.warning("election: the lock connection is back")
            self._failing = False
        for office in won:
            self.held.discard(office.name)
            try:
                await self._gain(office)
            except Exception:
                log.exception("election: taking up %s failed; it is given up", office.name)
                self.held.discard(office.name)
                with contextlib.suppress(Exception):
                    await locks.unlock(office.key)

    async def _gain(self, office: Office) -> None:
        self.held.add(office.name)
        if self._locks is not None:
            log.warning("election: this process now holds %s", office.name)
        await office.on_gain()

    async def _lose(self, office: Office) -> None:
        self.held.discard(office.name)
        if self._locks is not None:
            log.warning("election: this process gave up %s", office.name)
        try:
            await office.on_loss()
        except Exception:
            log.exception("election: giving up %s failed", office.name)
