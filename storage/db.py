"""Engine, sessions and the migration gate.

SQLite (the embedded default) gets WAL journal mode, a busy timeout and foreign keys on every
connection; PostgreSQL goes through asyncpg with a pool. The application refuses to start on
a database that is not at the latest migration.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InvalidRequestError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.sqlite_inline import INLINE_BUSY_TIMEOUT_MS, inline_creator

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class WriteGate:
    """Serializes writers in this process when the database is SQLite.

    SQLite has one writer at a time; concurrent writers otherwise meet in its busy handler,
    which sleeps in growing steps (tens of ms) and turns contention into long tail latency.
    Queueing them here costs nothing. PostgreSQL needs no gate: row locks (and SKIP LOCKED)
    settle it there.

    Writers queue in arrival order, except that a `priority` writer goes before every
    ordinary one waiting: the outbox sender, whose short transactions would otherwise wait
    behind every update queued in a burst while the replies those updates wrote pile up.
    """

    def __init__(self, serialize: bool) -> None:
        self._serialize = serialize
        self._held = False
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._first: deque[asyncio.Future[None]] = deque()

    @classmethod
    def for_url(cls, url: str) -> WriteGate:
        return cls(serialize=url.startswith("sqlite"))

    @asynccontextmanager
    async def __call__(self, *, priority: bool = False) -> AsyncIterator[None]:
        if not self._serialize:
            yield
            return
        await self._acquire(priority)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, priority: bool) -> None:
        if not self._held:  # a free gate has nobody waiting: a release hands it on directly
            self._held = True
            return
        queue = self._first if priority else self._waiting
        turn = asyncio.get_running_loop().create_future()
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # handed the gate just as we were cancelled: pass it on
            elif turn in queue:
                queue.remove(turn)
            raise

    def _release(self) -> None:
        for queue in (self._first, self._waiting):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # the gate stays held, by the next writer
                    return
        self._held = False


class DatabaseError(Exception):
    """The database cannot be used; the message is one line fit to end the program with."""


def private_file(path: Path) -> None:
    """The SQLite database (and its WAL and shared-memory files, which SQLite creates with the
    database's mode) readable by its owner only: created 0600, a looser existing one tightened."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if each.exists() and each.stat().st_mode & 0o077:
            each.chmod(0o600)


# What a connection attempt raises when the server is not there, refuses us (a wrong password,
# a database that does not exist: asyncpg's errors come wrapped as DBAPIError) or the URL names
# an impossible address (a port above 65535 is an OverflowError from the socket).
CONNECT_ERRORS = (DBAPIError, OSError, OverflowError)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """The engine for `url`. Its errors never carry the statement's parameters (an owner's
    message, phone or unit would reach the logs with them): `hide_parameters`. A URL Steward
    cannot use (unparsable, an unknown or synchronous driver) is a `DatabaseError` naming the
    setting, never the URL (it may hold a password)."""
    try:
        return _create_engine(url, **kwargs)
    except (ArgumentError, InvalidRequestError, ImportError) as exc:
        raise DatabaseError(
            "STEWARD_DATABASE_URL: not a database URL Steward can use "
            f"(sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER:PASSWORD@HOST/DB): {type(exc).__name__}"
        ) from None


def _create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        database = make_url(url).database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            private_file(Path(database))
        if os.environ.get("STEWARD_SQLITE_THREADED") == "1" or not database or database == ":memory:":
            busy_ms = 30_000
            engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        else:
            busy_ms = INLINE_BUSY_TIMEOUT_MS  # the inline connection waits out locks itself
            engine = create_async_engine(url, async_creator=inline_creator(database), **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str | None:
    """The latest revision(s), comma-joined when feature branches have not been merged yet."""
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    return ",".join(sorted(heads)) or None


def _current_revision(conn: Connection) -> str | None:
    heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


async def current_revision(engine: AsyncEngine) -> str | None:
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_current_revision)
    except CONNECT_ERRORS as exc:
        raise DatabaseError(f"database unreachable ({_safe_url(engine)}): {_first_line(exc)}") from exc


async def check_connects(engine: AsyncEngine) -> None:
    """Connect once, or `DatabaseError` in one line: unreachable, a wrong password, no such
    database. Migrations run after it, so an error of theirs is not mistaken for these."""
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
    except CONNECT_ERRORS as exc:
        raise DatabaseError(f"database unreachable ({_safe_url(engine)}): {_first_line(exc)}") from exc


async def check_migrated(engine: AsyncEngine) -> None:
    """Raise `DatabaseError` unless the schema is at the latest migration(s)."""
    current = await current_revision(engine)
    head = head_revision()
    if current != head:
        state = "not migrated" if current is None else f"at revision {current}, latest is {head}"
        raise DatabaseError(f"database {state}: run `steward db upgrade` first ({_safe_url(engine)})")


def _upgrade(conn: Connection, revision: str) -> None:
    cfg = alembic_config(str(conn.engine.url))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def _downgrade(conn: Connection, revision: str) -> None:
    cfg = alembic_config(str(conn.engine.url))
    cfg.attributes["connection"] = conn
    command.downgrade(cfg, revision)


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    await check_connects(engine)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade, revision)
    except (OperationalError, OSError) as exc:
        raise DatabaseError(f"database unreachable ({_safe_url(engine)}): {_first_line(exc)}") from exc
    except CommandError as exc:
        raise DatabaseError(f"cannot migrate to {revision[:40]!r}: {_first_line(exc)}") from None


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    await check_connects(engine)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade, revision)
    except CommandError as exc:  # no such revision, or not below the current one
        raise DatabaseError(f"cannot downgrade to {revision[:40]!r}: {_first_line(exc)}") from None


def _safe_url(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip().splitlines()
    return text[0] if text else type(inner).__name__
