"""The outbox: messages to send, written in the transaction of the change that caused them.

Delivery claims the head of each chat's queue (so per-chat order is kept), marks it
`sending` with a short lease held by the sender's instance, and records the outcome in a
short transaction of its own. On PostgreSQL the claim uses `FOR UPDATE SKIP LOCKED`, so two
senders never take the same row.

A chat's head is its unsent row with the lowest (priority, turn, id), and a chat whose head
is `sending` has nothing claimable: one row per chat in flight. The three are packed into
one integer per row (`_queue_key`) so the head is one `min()` per chat, as it was when the
head was simply the lowest id; a `sending` row packs below every pending one.

Leases: a `sending` row whose lease ended, or whose holder's heartbeat is stale, or whose
holder stopped, goes back to pending (`release_dead`); the holder renews the leases of what
it still has in flight with each heartbeat (`renew`) and hands them back when it stops
cleanly (`release`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.instances.models import Instance
from storage.outbox.models import OutboxMessage, Priority
from storage.rows import dialect_of, insert_row, table_of

UNSENT = ("pending", "sending")

_OUTBOX = table_of(OutboxMessage)

# The queue key packs (priority, turn, id) into one BIGINT: id in the low 40 bits (a
# trillion rows), the rank above it. A `sending` row's key is its bare id, below every
# pending row's, so a chat with a row in flight has that row as its head and is skipped.
ID_BITS = 40
ID_SPAN = 1 << ID_BITS
TURNS = 1 << 20  # turns per priority level; a lane's turn is capped below it
_SPAN: ColumnElement[int] = literal_column(str(ID_SPAN))


def _queue_key() -> ColumnElement[int]:
    o = OutboxMessage
    rank = 1 + o.priority * literal_column(str(TURNS)) + o.turn  # turn < TURNS (`_enqueue_in_lane`)
    return case((o.status == "sending", o.id), else_=rank * _SPAN + o.id)


def _dead_holders(stale_before: Any) -> Select[str]:
    """Instances whose leases no longer hold: stopped, or silent since `stale_before`."""
    return select(Instance.id).where(
        or_(Instance.stopped_at.is_not(None), Instance.heartbeat_at < stale_before)
    )


@lru_cache(maxsize=8)
def _claimable(dialect: str, by_platform: bool) -> Select[OutboxMessage]:
    """The due heads of the chats' queues (built once per dialect: the sender asks all the time)."""
    return claim_query(dialect, by_platform, materialized=dialect == "postgresql")


def claim_query(dialect: str, by_platform: bool, *, materialized: bool) -> Select[OutboxMessage]:
    """The claim's query. `materialized`: the heads as a `MATERIALIZED` common table
    expression (PostgreSQL), computed once; as a plain subquery PostgreSQL's planner may join
    it into a plan that runs the grouping again and again, and with a backlog of 3,000 rows
    one claim took seconds (`python -m bench.claim`)."""
    # Grouped over unsent rows only, which the (status, platform, platform_chat_id,
    # priority, turn, id) index covers, so the cost follows the backlog, not the history.
    # The platforms are filtered on the heads, not inside: a platform condition there makes
    # SQLite pick the (platform, …) index and read the platform's whole history.
    grouped = (
        select((func.min(_queue_key()) % _SPAN).label("head"))
        .where(OutboxMessage.status.in_(UNSENT))
        .group_by(OutboxMessage.platform, OutboxMessage.platform_chat_id)
    )
    due = [OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= bindparam("now")]
    if by_platform:
        due.append(OutboxMessage.platform.in_(bindparam("platforms", expanding=True)))
    query = select(OutboxMessage)
    if materialized:
        # The heads once, as an array the primary key is probed with: robust whatever the
        # planner thinks of the table (a burst leaves it the statistics of an empty one).
        heads_cte = grouped.cte("heads").prefix_with("MATERIALIZED")
        query = query.where(OutboxMessage.id == any_(func.array(select(heads_cte.c.head).scalar_subquery())))
    else:
        heads = grouped.subquery()
        query = query.join(heads, heads.c.head == OutboxMessage.id)
    query = (
        query.where(*due)
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(bindparam("limit", type_=Integer))
    )
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    return query


_TAKE = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)), _OUTBOX.c.status == "pending")
    .values(
        status="sending",
        next_attempt_at=bindparam("lease_until", type_=_OUTBOX.c.next_attempt_at.type),
        claimed_by=bindparam("holder", type_=_OUTBOX.c.claimed_by.type),
    )
    .returning(_OUTBOX.c.id)
)
_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .values(
        status="sent",
        sent_at=bindparam("at", type_=_OUTBOX.c.sent_at.type),
        platform_message_id=bindparam("message_id", type_=_OUTBOX.c.platform_message_id.type),
        error=None,
    )
)


@lru_cache(maxsize=4)
def _enqueue_once(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = table_of(OutboxMessage)
    return insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)


@lru_cache(maxsize=1)
def _enqueue_in_lane() -> Insert:
    """An INSERT whose `turn` is computed in the same statement: the lane's latest turn, one
    later once the lane already has `share` unsent rows of this priority in the chat (so a
    lane keeps its own order, and its excess queues behind everyone else's turn 0)."""
    t = _OUTBOX
    latest = func.coalesce(func.max(t.c.turn), 0)
    later = case((latest >= TURNS - 1, TURNS - 1), else_=latest + 1)  # capped: it packs (`_queue_key`)
    turn = (
        select(case((func.count() >= bindparam("q_share", type_=Integer), later), else_=latest))
        .where(
            t.c.status.in_(UNSENT),
            t.c.platform == bindparam("q_platform", type_=t.c.platform.type),
            t.c.platform_chat_id == bindparam("q_chat", type_=t.c.platform_chat_id.type),
            t.c.lane == bindparam("q_lane", type_=t.c.lane.type),
            t.c.priority == bindparam("q_priority", type_=t.c.priority.type),
        )
        .scalar_subquery()
    )
    return t.insert().values(turn=turn)


# Per-chat order is the commit order (PostgreSQL). A row's id is taken at its INSERT, so two
# transactions writing to one chat side by side could commit with their ids the other way
# round, and the sender, which sends a chat's rows in id order as they become visible, would
# send the later id first. A transaction therefore takes its chats' queue locks (advisory,
# transaction-scoped: released at its commit or rollback) before its first row for them: a
# transaction that has a row of the chat commits before another can take an id there. SQLite
# has one writer at a time, so its ids are in commit order already.
_LOCK_ONE = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
_LOCK_MANY = text(
    "SELECT count(pg_advisory_xact_lock(hashtextextended(s.k, 0))) "
    "FROM (SELECT unnest(CAST(:keys AS text[])) AS k ORDER BY 1) AS s"
)


async def lock_chat_queues(session: AsyncSession, chats: Iterable[tuple[str, str]]) -> None:
    """Take the queue locks of these (platform, platform chat id) chats for the rest of the
    transaction, in one order (so two transactions taking several cannot deadlock on them);
    PostgreSQL only. Call it before inserting outbox rows."""
    if dialect_of(session) != "postgresql":
        return
    keys = sorted({f"outbox\x1f{platform}\x1f{chat}" for platform, chat in chats})
    if len(keys) == 1:
        await session.execute(_LOCK_ONE, {"key": keys[0]})
    elif keys:
        await session.execute(_LOCK_MANY, {"keys": keys})


@dataclass(frozen=True)
class PlatformQueue:
    """One platform's part of the backlog."""

    backlog: int = 0
    sending: int = 0
    oldest_due: datetime | None = None


@dataclass(frozen=True)
class OutboxStats:
    """What /healthz and /metrics say about the outbox (`OutboxRepository.stats`)."""

    platforms: dict[str, PlatformQueue] = field(default_factory=dict)
    blocked_chats: list[tuple[str, str]] = field(default_factory=list)
    stale_leases: int = 0

    @property
    def backlog(self) -> int:
        return sum(q.backlog for q in self.platforms.values())

    @property
    def oldest_due(self) -> datetime | None:
        dues = [q.oldest_due for q in self.platforms.values() if q.oldest_due is not None]
        return min(dues) if dues else None


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(
        self,
        *,
        platform: str,
        platform_chat_id: str,
        chat_id: int | None,
        payload: str,
        now: datetime,
        not_before: datetime | None = None,
        ref_type: str | None = None,
        ref_id: int | None = None,
        dedupe_key: str | None = None,
        priority: int = Priority.NORMAL,
        lane: str | None = None,
        share: int = 3,
    ) -> int | None:
        """Add a message (one INSERT); returns its id. With `dedupe_key`, a second enqueue
        of the same key is a no-op that returns None, settled by the unique constraint
        (`INSERT … ON CONFLICT DO NOTHING`: a concurrent enqueue of the key waits for the
        first transaction, then finds the row). With `lane` (and no `dedupe_key`), rows of
        the lane beyond `share` unsent ones in the chat take later turns (`_enqueue_in_lane`)."""
        due = not_before or now
        values: dict[str, Any] = {
            "platform": platform,
            "platform_chat_id": platform_chat_id,
            "chat_id": chat_id,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": due,
            "due_at": due,
            "created_at": now,
            "ref_type": ref_type,
            "ref_id": ref_id,
            "dedupe_key": dedupe_key,
            "priority": int(priority),
            "lane": lane,
        }
        await lock_chat_queues(self.session, [(platform, platform_chat_id)])
        if dedupe_key is None and lane is not None:
            connection = await self.session.connection()
            inserted = await connection.execute(
                _enqueue_in_lane(),
                {
                    **values,
                    "q_share": share,
                    "q_platform": platform,
                    "q_chat": platform_chat_id,
                    "q_lane": lane,
                    "q_priority": int(priority),
                },
            )
            key = inserted.inserted_primary_key
            assert key is not None
            return int(key[0])
        values["turn"] = 0
        if dedupe_key is None:
            return await insert_row(self.session, table_of(OutboxMessage), values)
        result = await self.session.execute(_enqueue_once(dialect_of(self.session)), values)
        queued = result.scalar_one_or_none()
        return None if queued is None else int(queued)

    async def claim(
        self,
        now: datetime,
        limit: int,
        lease: timedelta,
        *,
        holder: str | None = None,
        platforms: Collection[str] | None = None,
        bulk_limit: int | None = None,
    ) -> Sequence[OutboxMessage]:
        """Take up to `limit` rows to send: the head of each chat's queue, if it is due, most
        urgent first; at most `bulk_limit` of them `Priority.BULK`. `platforms`: only rows
        for these (a sender claims only what its adapters can send; None: any)."""
        params: dict[str, Any] = {"now": now, "limit": limit}
        if platforms is not None:
            if not platforms:
                return []
            params["platforms"] = sorted(platforms)
        query = _claimable(dialect_of(self.session), platforms is not None)
        rows = list((await self.session.scalars(query, params)).all())
        if bulk_limit is not None:
            bulk = [row for row in rows if row.priority >= Priority.BULK]
            if len(bulk) > bulk_limit:
                skipped = {row.id for row in bulk[max(bulk_limit, 0) :]}
                rows = [row for row in rows if row.id not in skipped]
        if not rows:
            return []
        # The conditional UPDATE settles races between senders: a row another sender took
        # since our SELECT is no longer pending, so it is not ours.
        result = await self.session.execute(
            _TAKE, {"ids": [row.id for row in rows], "lease_until": now + lease, "holder": holder}
        )
        mine = set(result.scalars().all())
        taken = [row for row in rows if row.id in mine]
        for row in taken:  # what the UPDATE wrote, without making the objects dirty
            set_committed_value(row, "status", "sending")
            set_committed_value(row, "claimed_by", holder)
            set_committed_value(row, "next_attempt_at", now + lease)
        return taken

    async def renew(self, holder: str, ids: Collection[int], until: datetime) -> int:
        """Extend the leases of rows `holder` still has in flight."""
        if not ids:
            return 0
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(sorted(ids)),
                OutboxMessage.status == "sending",
                OutboxMessage.claimed_by == holder,
            )
            .values(next_attempt_at=until)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def release_dead(
        self,
        now: datetime,
        stale_before: datetime,
        *,
        holder: str | None = None,
        platforms: Collection[str] | None = None,
    ) -> int:
        """Rows left `sending` by a sender that is gone go back to pending, due now: their
        lease ended, or their holder stopped or has been silent since `stale_before`. Rows
        `holder` (the caller) holds are its own business and never touched here. `platforms`:
        only rows of these (an elected sender's quicker takeover of its platforms)."""
        conditions = [
            OutboxMessage.status == "sending",
            or_(
                OutboxMessage.next_attempt_at < now,
                OutboxMessage.claimed_by.in_(_dead_holders(stale_before)),
            ),
        ]
        if holder is not None:
            conditions.append(or_(OutboxMessage.claimed_by.is_(None), OutboxMessage.claimed_by != holder))
        if platforms is not None:
            if not platforms:
                return 0
            conditions.append(OutboxMessage.platform.in_(sorted(platforms)))
        result = await self.session.execute(
            update(OutboxMessage)
            .where(*conditions)
            .values(
                status="pending",
                next_attempt_at=now,
                claimed_by=None,
                attempts=OutboxMessage.attempts + 1,
                error="taken over from a sender that stopped or died mid-send",
            )
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def release(self, holder: str, now: datetime, ids: Collection[int] | None = None) -> int:
        """A clean stop: the rows `holder` took and did not finish go back to pending at once
        (only `ids`, when given)."""
        conditions = [OutboxMessage.status == "sending", OutboxMessage.claimed_by == holder]
        if ids is not None:
            if not ids:
                return 0
            conditions.append(OutboxMessage.id.in_(sorted(ids)))
        result = await self.session.execute(
            update(OutboxMessage)
            .where(*conditions)
            .values(status="pending", next_attempt_at=now, claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def mark_sent_many(self, sent: Sequence[tuple[int, str | None]], now: datetime) -> None:
        """Many sends recorded in one executemany round trip (the sender's batches)."""
        if not sent:
            return
        await self.session.execute(
            _SENT, [{"row_id": row_id, "at": now, "message_id": message_id} for row_id, message_id in sent]
        )

    async def mark_retry(self, row_id: int, error: str, at: datetime, *, holder: str | None = None) -> None:
        """Back to pending, due at `at`. With `holder`: only while the row is still that
        holder's (a row taken over meanwhile belongs to its new holder)."""
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, *_held_by(holder))
            .values(
                status="pending",
                attempts=OutboxMessage.attempts + 1,
                next_attempt_at=at,
                error=error,
                claimed_by=None,
            )
        )

    async def mark_failed(self, row_id: int, error: str, *, holder: str | None = None) -> None:
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, *_held_by(holder))
            .values(status="failed", attempts=OutboxMessage.attempts + 1, error=error)
        )

    async def fail_chat(self, platform: str, platform_chat_id: str, error: str) -> int:
        """A chat that is gone (bot kicked): everything still queued for it fails at once."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.platform == platform,
                OutboxMessage.platform_chat_id == platform_chat_id,
                OutboxMessage.status.in_(UNSENT),
            )
            .values(status="failed", error=error)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def requeue_failed(
        self, platform: str, platform_chat_id: str, *, since: datetime, error_prefix: str, now: datetime
    ) -> int:
        """The chat's rows that failed for good with an error starting `error_prefix` (a dead
        push credential) and were written since `since`: due again now, in their order."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.platform == platform,
                OutboxMessage.platform_chat_id == platform_chat_id,
                OutboxMessage.status == "failed",
                OutboxMessage.created_at >= since,
                OutboxMessage.error.startswith(error_prefix, autoescape=True),
            )
            .values(status="pending", next_attempt_at=now, claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def failed_count(
        self, platform: str, platform_chat_id: str, *, since: datetime, error_prefix: str
    ) -> int:
        """How many of the chat's rows written since `since` failed with such an error."""
        return int(
            await self.session.scalar(
                select(func.count()).where(
                    OutboxMessage.platform == platform,
                    OutboxMessage.platform_chat_id == platform_chat_id,
                    OutboxMessage.status == "failed",
                    OutboxMessage.created_at >= since,
                    OutboxMessage.error.startswith(error_prefix, autoescape=True),
                )
            )
            or 0
        )

    async def move_chat(self, platform: str, old_id: str, new_id: str, now: datetime) -> int:
        """A chat moved to a new id (see `Directory.migrate_chat`): its unsent rows go there,
        due now and in their order (row ids are kept, and they order the queue)."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.platform == platform,
                OutboxMessage.platform_chat_id == old_id,
                OutboxMessage.status.in_(UNSENT),
            )
            .values(platform_chat_id=new_id, status="pending", next_attempt_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def find_ref(
        self, platform: str, platform_chat_id: str, platform_message_id: str
    ) -> OutboxMessage | None:
        """The outbox row that produced a given platform message (e.g. which ticket a card is)."""
        return await self.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.platform == platform,
                OutboxMessage.platform_chat_id == platform_chat_id,
                OutboxMessage.platform_message_id == platform_message_id,
            )
        )

    async def newest_with_data(
        self, platform: str, platform_chat_id: str, ref_types: Sequence[str], data: str
    ) -> OutboxMessage | None:
        """The newest row of `ref_types` in a chat whose payload carries the button data `data`
        (exactly: as a JSON string). It finds a message whose button was pressed before the
        sender recorded the platform's id for it (a press can overtake that record)."""
        return await self.session.scalar(
            select(OutboxMessage)
            .where(
                OutboxMessage.platform == platform,
                OutboxMessage.platform_chat_id == platform_chat_id,
                OutboxMessage.ref_type.in_(ref_types),
                OutboxMessage.payload.contains(json.dumps(data), autoescape=True),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )

    async def pending_count(self) -> int:
        return int(
            await self.session.scalar(select(func.count()).where(OutboxMessage.status.in_(UNSENT))) or 0
        )

    async def stats(
        self, now: datetime, *, stale_before: datetime, blocked_before: datetime, examples: int = 10
    ) -> OutboxStats:
        """The backlog per platform (unsent rows, how many in flight, since when the oldest
        has been due), the rows left `sending` by a sender that is gone (`stale_leases`),
        and the chats whose queue is blocked: by such a row, or by a head that failed three
        times or more and has been due since before `blocked_before` (up to `examples`)."""
        o = OutboxMessage
        due = func.coalesce(o.due_at, o.created_at)
        rows = await self.session.execute(
            select(
                o.platform,
                func.count(),
                func.sum(case((o.status == "sending", 1), else_=0)),
                func.min(case((due <= now, due), else_=None)),
            )
            .where(o.status.in_(UNSENT))
            .group_by(o.platform)
        )
        platforms = {
            str(platform): PlatformQueue(int(n), int(sending or 0), _aware(oldest))
            for platform, n, sending, oldest in rows.all()
        }
        stale = and_(
            o.status == "sending",
            or_(o.next_attempt_at < now, o.claimed_by.in_(_dead_holders(stale_before))),
        )
        failing = and_(o.status == "pending", o.attempts >= 3, due < blocked_before)
        stale_leases = int(await self.session.scalar(select(func.count()).where(stale)) or 0)
        blocked = await self.session.execute(
            select(o.platform, o.platform_chat_id)
            .where(or_(stale, failing))
            .group_by(o.platform, o.platform_chat_id)
            .order_by(o.platform, o.platform_chat_id)
            .limit(examples)
        )
        return OutboxStats(platforms, [(str(p), str(c)) for p, c in blocked.all()], stale_leases=stale_leases)

    async def by_ref(self, ref_type: str, ref_id: int) -> Sequence[OutboxMessage]:
        return (
            await self.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.ref_type == ref_type, OutboxMessage.ref_id == ref_id)
                .order_by(OutboxMessage.id)
            )
        ).all()


def _held_by(holder: str | None) -> list[ColumnElement[bool]]:
    if holder is None:
        return []
    return [OutboxMessage.status == "sending", OutboxMessage.claimed_by == holder]


def _aware(value: datetime | None) -> datetime | None:
    """An aggregate over a UTC column comes back naive from SQLite (and as a string from
    its MIN over a CASE); normalise it."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
