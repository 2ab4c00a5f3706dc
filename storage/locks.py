"""Short transaction-scoped locks keyed by what must be serialized.

On PostgreSQL a key is an advisory lock (`pg_advisory_xact_lock(hashtext(key))`), taken in
the caller's transaction and released by its commit or rollback: two handlers that would
otherwise both read "no incident yet" and both open one take turns on the key of what they
decide about (community, building, problem), while everything else runs side by side. A
hash collision only makes two unrelated keys take turns.

On SQLite nothing is taken: one writer at a time already serializes the handlers (the
process's `WriteGate` queues writers, and a second process meets SQLite's own write lock).
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.rows import dialect_of

_LOCK = select(func.pg_advisory_xact_lock(func.hashtext(bindparam("key"))))


async def hold(session: AsyncSession, *keys: str) -> None:
    """Hold each key until the end of the session's transaction (in a fixed order, so two
    callers asking for the same keys cannot deadlock on each other)."""
    if dialect_of(session) != "postgresql":
        return
    for key in sorted(set(keys)):
        await session.execute(_LOCK, {"key": key})
