"""SQLite for the async engine without a thread hop per statement.

aiosqlite runs every call on a worker thread and hands the result back through the event
loop: measured here at ~0.5 ms per statement, against ~0.03 ms for the same call made
directly, which made the hop four fifths of an update's database time on the embedded
default. SQLite is an in-process library reading a local file, so this shim makes the calls
on the event loop's thread and presents them with aiosqlite's interface, which SQLAlchemy's
`sqlite+aiosqlite` dialect drives unchanged (`create_async_engine(..., async_creator=...)`).

The trade: a statement blocks the loop for its duration. With WAL and the process's write
gate (`storage.db.WriteGate`) that is tens of microseconds. Only a writer in *another*
process holding the lock makes a statement wait, and that wait must not block the loop
(a /healthz asked then would not be answered, nor a webhook): SQLite's own busy handler is
off on these connections (`INLINE_BUSY_TIMEOUT_MS`), a statement refused with SQLITE_BUSY
is tried again after an `asyncio.sleep`, cooperatively, for up to `BUSY_TIMEOUT_MS` (what
SQLite's handler does, without holding the thread). A snapshot conflict (SQLITE_BUSY_SNAPSHOT)
cannot be waited out and is raised at once, as SQLite itself does. PostgreSQL, the production
database, is unaffected.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

BUSY_TIMEOUT_MS = 5000
INLINE_BUSY_TIMEOUT_MS = 0  # SQLite's busy handler off: `_patiently` waits instead
_SQLITE_BUSY = 5
_SQLITE_BUSY_SNAPSHOT = 517
_FIRST_PAUSE = 0.001
_LONGEST_PAUSE = 0.05

T = TypeVar("T")


def _busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # an SQLite or Python too old to say: go by the message
        return "database is locked" in str(exc)
    return bool(code & 0xFF == _SQLITE_BUSY and code != _SQLITE_BUSY_SNAPSHOT)


async def _patiently(call: Callable[[], T]) -> T:
    """`call()`, tried again while SQLite answers SQLITE_BUSY, for up to `BUSY_TIMEOUT_MS`,
    sleeping in between (the event loop goes on meanwhile)."""
    try:
        return call()
    except sqlite3.OperationalError as exc:
        if not _busy(exc):
            raise
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = _FIRST_PAUSE
    while True:
        await asyncio.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE)
        try:
            return call()
        except sqlite3.OperationalError as exc:
            if not _busy(exc) or time.monotonic() >= deadline:
                raise


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        await _patiently(lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        rows = list(parameters)  # an iterator would be spent by a refused first try
        await _patiently(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size) if size is not None else self._cursor.fetchmany()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """The subset of `aiosqlite.Connection` that SQLAlchemy's adapter uses."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection  # the adapter tests it is open

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def commit(self) -> None:
        await _patiently(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None

    def stop(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)


def inline_creator(database: str) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine` opening `database` inline."""
    if database not in ("", ":memory:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    async def connect() -> InlineConnection:
        connection = sqlite3.connect(database or ":memory:", timeout=BUSY_TIMEOUT_MS / 1000)
        return InlineConnection(connection)

    return connect
