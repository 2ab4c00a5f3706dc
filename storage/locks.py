"""Locks keyed by what must be serialized, and who may run a singleton.

Transaction-scoped (`hold`). On PostgreSQL a key is an advisory lock
(`pg_advisory_xact_lock(hashtext(key))`), taken in the caller's transaction and released by
its commit or rollback: two handlers that would otherwise both read "no incident yet" and both
open one take turns on the key of what they decide about (community, building, problem), while
everything else runs side by side; processes starting together take turns the same way on
"sync-communities". A hash collision only makes two unrelated keys take turns. On SQLite
nothing is taken: one writer at a time already serializes the handlers (the process's
`WriteGate` queues writers, and a second process is refused, below).

Session-level (`AdvisoryLocks`, the offices of `bot.core.election`). `AdvisoryLocks` holds one
connection of its own (not from the pool: a pooled connection could be handed to someone else
with the locks on it). A lock taken with `pg_try_advisory_lock` belongs to that session until
it is unlocked or the session ends, so a holder that dies (SIGKILL, OOM, power) loses its
connection and with it every lock it held: the server frees them as soon as it sees the socket
close. `ping` tells the holder whether its session, and so its locks, is still there. These
keys (`lock_key`, 64-bit) and `hold`'s (`hashtext`, 32-bit) may collide only by chance, and a
collision between a session lock and a transaction lock only makes one wait for the other.

SQLite. The database is one file that one process writes; `claim_sqlite_file` takes an
exclusive `flock` beside it for the life of the process (the kernel drops it when the process
dies), so a second `steward run` on the same file is refused with one clear line.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import IO

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from storage.rows import dialect_of


class SingleProcessError(Exception):
    """Another process holds the SQLite database this one was asked to serve."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for an advisory lock named `name` (the same in every process)."""
    digest = hashlib.sha256(f"steward:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_LOCK = select(func.pg_advisory_xact_lock(func.hashtext(bindparam("key"))))


async def hold(session: AsyncSession, *keys: str) -> None:
    """Hold each key until the end of the session's transaction (in a fixed order, so two
    callers asking for the same keys cannot deadlock on each other)."""
    if dialect_of(session) != "postgresql":
        return
    for key in sorted(set(keys)):
        await session.execute(_LOCK, {"key": key})


class AdvisoryLocks:
    """Session-level advisory locks on a dedicated PostgreSQL connection."""

    def __init__(self, url: str) -> None:
        self._engine: AsyncEngine = create_async_engine(url, poolclass=NullPool)
        self._conn: AsyncConnection | None = None

    @property
    def connected(self) -> bool:
        return self._conn is not None

    async def _connection(self) -> AsyncConnection:
        if self._conn is None:
            conn = await self._engine.connect()
            self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    async def try_lock(self, name: str) -> bool:
        """Take the lock named `name` if nobody holds it (True: ours until `unlock` or the session ends)."""
        conn = await self._connection()
        result = await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(name)})
        return bool(result.scalar_one())

    async def unlock(self, name: str) -> None:
        conn = await self._connection()
        await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(name)})

    async def ping(self) -> None:
        """Raises if the session (and so every lock it holds) is gone."""
        conn = await self._connection()
        await conn.execute(text("SELECT 1"))

    async def drop(self) -> None:
        """Forget the session after an error: its locks are gone (or go with it now)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # broken already: nothing more to do
                await conn.invalidate()
            with contextlib.suppress(Exception):
                await conn.close()

    async def close(self) -> None:
        """Unlock everything (by ending the session) and close the engine."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.execute(text("SELECT pg_advisory_unlock_all()"))
            finally:
                await conn.close()
        await self._engine.dispose()


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None: not SQLite, or in memory)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database or ""
    if not database or database == ":memory:":
        return None
    return Path(database)


def claim_sqlite_file(path: Path) -> IO[bytes]:
    """Take `path`'s process lock (`<path>.lock`) for as long as the returned file stays open;
    raises `SingleProcessError` if another process has it."""
    lock_path = path.with_name(path.name + ".lock")
    handle = open(lock_path, "a+b")  # noqa: SIM115  # held open for the life of the process
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SingleProcessError(
            f"another steward process is serving the SQLite database {path}; SQLite serves one "
            "process (use PostgreSQL to run several)"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n".encode())
    handle.flush()
    return handle
