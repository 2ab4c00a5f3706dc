"""The inbox: updates stored before the platform is answered, handled from here in each chat's order.

A row is taken for handling by `take`, the first write of the handler's transaction: it marks
the row done only if it is still pending and is its chat's oldest pending row, so a row is
handled once (a second taker waits for the first transaction, then finds it done) and in its
chat's order. Workers `claim` the due heads of the chats' queues (on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so two workers never take the same row) by moving their
`next_attempt_at` a lease ahead.
"""

from __future__ import annotations

import errno
import socket
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Insert, Integer, Select, bindparam, delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.inbox.models import DONE, FAILED, PENDING, InboxUpdate
from storage.rows import dialect_of, table_of

_INBOX = table_of(InboxUpdate)
_EARLIER = aliased(_INBOX, name="earlier")


@dataclass(frozen=True)
class Stored:
    """Where an update landed: its row, the row's status, and whether this store wrote it (False:
    the platform delivered it before, and the earlier row is the one)."""

    id: int
    status: str
    new: bool


@dataclass(frozen=True)
class InboxStats:
    """What a health check reports about the inbox."""

    backlog: int  # updates stored and not handled yet (pending, retrying included)
    oldest_pending_seconds: float | None  # how long the oldest of them has waited
    dead_letters: int  # parked after too many failures (`steward inbox failed`)

    def to_dict(self) -> dict[str, int | float | None]:
        return {
            "backlog": self.backlog,
            "oldest_pending_seconds": self.oldest_pending_seconds,
            "dead_letters": self.dead_letters,
        }


@lru_cache(maxsize=4)
def _store(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(_INBOX)
        .on_conflict_do_nothing(index_elements=["platform", "delivery_key"])
        .returning(_INBOX.c.id)
    )


# The handler's first write: done, if still pending and the oldest pending row of its chat.
_TAKE = (
    update(_INBOX)
    .where(
        _INBOX.c.id == bindparam("row_id"),
        _INBOX.c.status == PENDING,
        ~exists().where(
            _EARLIER.c.status == PENDING,
            _EARLIER.c.platform == _INBOX.c.platform,
            _EARLIER.c.platform_chat_id == _INBOX.c.platform_chat_id,
            _EARLIER.c.id < _INBOX.c.id,
        ),
    )
    .values(status=DONE, handled_at=bindparam("now", type_=_INBOX.c.handled_at.type), error=None)
)


@lru_cache(maxsize=4)
def _claimable(dialect: str) -> Select[InboxUpdate]:
    """The due heads of the chats' queues (built once per dialect: workers ask all the time)."""
    heads = (
        select(func.min(InboxUpdate.id).label("head"))
        .where(InboxUpdate.status == PENDING)
        .group_by(InboxUpdate.platform, InboxUpdate.platform_chat_id)
        .subquery()
    )
    query = (
        select(InboxUpdate)
        .join(heads, heads.c.head == InboxUpdate.id)
        .where(InboxUpdate.next_attempt_at <= bindparam("now"))
        .order_by(InboxUpdate.id)
        .limit(bindparam("limit", type_=Integer))
    )
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True, of=InboxUpdate)
    return query


_LEASE = (
    update(_INBOX)
    .where(
        _INBOX.c.id.in_(bindparam("ids", expanding=True)),
        _INBOX.c.status == PENDING,
        _INBOX.c.next_attempt_at <= bindparam("now", type_=_INBOX.c.next_attempt_at.type),
    )
    .values(next_attempt_at=bindparam("until", type_=_INBOX.c.next_attempt_at.type))
    .returning(_INBOX.c.id)
)


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store(
        self,
        *,
        platform: str,
        platform_chat_id: str,
        delivery_key: str,
        kind: str,
        payload: str,
        now: datetime,
        reserve: timedelta,
    ) -> Stored:
        """Write an update (one INSERT), reserved for `reserve` for the process storing it; a
        delivery stored before is not written again (the unique key settles it, also against a
        concurrent store: that one waits for this transaction, then finds the row)."""
        values = {
            "platform": platform,
            "platform_chat_id": platform_chat_id,
            "delivery_key": delivery_key,
            "kind": kind,
            "payload": payload,
            "status": PENDING,
            "attempts": 0,
            "failures": 0,
            "next_attempt_at": now + reserve,
            "received_at": now,
            "handled_at": None,
            "error": None,
        }
        result = await self.session.execute(_store(dialect_of(self.session)), values)
        row_id = result.scalar_one_or_none()
        if row_id is not None:
            return Stored(int(row_id), PENDING, True)
        earlier = (
            await self.session.execute(
                select(InboxUpdate.id, InboxUpdate.status).where(
                    InboxUpdate.platform == platform, InboxUpdate.delivery_key == delivery_key
                )
            )
        ).one()
        return Stored(int(earlier.id), str(earlier.status), False)

    async def take(self, row_id: int, now: datetime) -> bool:
        """Mark the row done in the caller's transaction, if it is still pending and its chat's
        oldest pending row; False (nothing written) otherwise."""
        result = await self.session.execute(_TAKE, {"row_id": row_id, "now": now})
        return bool(getattr(result, "rowcount", 0))

    async def release(self, row_id: int, now: datetime) -> None:
        """Give up a reservation: a worker may take the row as soon as it is its chat's turn."""
        await self.session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.id == row_id, InboxUpdate.status == PENDING)
            .values(next_attempt_at=now)
        )

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> Sequence[InboxUpdate]:
        """Up to `limit` rows to handle: the due head of each chat's queue, leased for `lease`."""
        rows = (
            await self.session.scalars(_claimable(dialect_of(self.session)), {"now": now, "limit": limit})
        ).all()
        if not rows:
            return []
        # The conditional UPDATE settles races between workers: a row another worker leased
        # since our SELECT is no longer due, so it is not ours.
        result = await self.session.execute(
            _LEASE, {"ids": [row.id for row in rows], "now": now, "until": now + lease}
        )
        mine = set(result.scalars().all())
        return [row for row in rows if row.id in mine]

    async def retry_later(self, row_id: int, *, at: datetime, error: str, counted: bool) -> bool:
        """A failed try: due again at `at`; `counted` when the handling itself failed."""
        result = await self.session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.id == row_id, InboxUpdate.status == PENDING)
            .values(
                attempts=InboxUpdate.attempts + 1,
                failures=InboxUpdate.failures + (1 if counted else 0),
                next_attempt_at=at,
                error=error,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def park(self, row_id: int, *, error: str, now: datetime) -> bool:
        """Too many failures: a dead letter until `steward inbox retry` (`handled_at`: when)."""
        result = await self.session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.id == row_id, InboxUpdate.status == PENDING)
            .values(
                status=FAILED,
                attempts=InboxUpdate.attempts + 1,
                failures=InboxUpdate.failures + 1,
                error=error,
                handled_at=now,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def get(self, row_id: int) -> InboxUpdate | None:
        return await self.session.get(InboxUpdate, row_id)

    async def parked(self, limit: int = 1000) -> Sequence[InboxUpdate]:
        """The dead letters, oldest first."""
        return (
            await self.session.scalars(
                select(InboxUpdate).where(InboxUpdate.status == FAILED).order_by(InboxUpdate.id).limit(limit)
            )
        ).all()

    async def requeue(self, ids: Sequence[int] | None, now: datetime) -> list[int]:
        """Dead letters back in their chats' queues, due now, their failures forgotten: all of
        them (`ids` None) or those named. Returns the ids requeued."""
        statement = update(InboxUpdate).where(InboxUpdate.status == FAILED)
        if ids is not None:
            statement = statement.where(InboxUpdate.id.in_(list(ids)))
        result = await self.session.execute(
            statement.values(
                status=PENDING, attempts=0, failures=0, next_attempt_at=now, handled_at=None
            ).returning(InboxUpdate.id)
        )
        return sorted(int(row_id) for row_id in result.scalars().all())

    async def stats(self, now: datetime) -> InboxStats:
        backlog, oldest = (
            await self.session.execute(
                select(func.count(), func.min(InboxUpdate.received_at)).where(InboxUpdate.status == PENDING)
            )
        ).one()
        dead = await self.session.scalar(select(func.count()).where(InboxUpdate.status == FAILED))
        # min() keeps the column's type, so `oldest` is an aware datetime on both databases.
        waited = max(0.0, (now - oldest).total_seconds()) if oldest is not None else None
        return InboxStats(int(backlog or 0), waited, int(dead or 0))

    async def commands_since(
        self, platform: str, platform_chat_id: str, command: str, since: datetime
    ) -> int:
        """How many updates of the chat received since `since` were `command` (/bind, also
        /bind@BotName): what a per-chat attempt limit counts, whatever became of them (a
        refused attempt rolls its own transaction back, its stored update stays)."""
        found = await self.session.scalar(
            select(func.count()).where(
                InboxUpdate.platform == platform,
                InboxUpdate.platform_chat_id == platform_chat_id,
                InboxUpdate.kind == "command",
                InboxUpdate.received_at >= since,
                InboxUpdate.payload.like(f'%"text": "{command}%'),
            )
        )
        return int(found or 0)

    async def prune(self, before: datetime) -> int:
        """Forget handled rows older than `before` (they hold message text; `processed_deliveries`
        keeps recognising their redeliveries)."""
        result = await self.session.execute(
            delete(InboxUpdate).where(InboxUpdate.status == DONE, InboxUpdate.handled_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)


# What an unreachable, restarting, refusing or full database raises, when SQLAlchemy does not
# wrap it (a connection attempt hands the driver's own exception through).
_UNAVAILABLE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EPIPE})
_ASYNCPG_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.exceptions.CannotConnectNowError,  # the server is starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,  # e.g. the connection was closed mid-operation
    asyncpg.exceptions.DiskFullError,
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database could not be used (unreachable, restarting, locked by
    another writer, out of disk) rather than that this work is wrong: such failures are retried
    without counting against the update. A file or programming error is the update's."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OperationalError | InterfaceError | DisconnectionError | PoolTimeout):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, ConnectionError | TimeoutError | socket.gaierror | sqlite3.OperationalError):
            return True
        if isinstance(current, OSError) and current.errno in _UNAVAILABLE_ERRNOS:
            return True
        if isinstance(current, _ASYNCPG_UNAVAILABLE):
            return True
        inner = getattr(current, "orig", None)
        current = inner if isinstance(inner, BaseException) else current.__cause__
    return False
