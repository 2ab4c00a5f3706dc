"""Core statements for the hot path's appends: one INSERT each, no unit of work.

Every owner message appends rows to several tables (the delivery mark, the message log, the
outbox, audit events, follower and alert links) that nothing reads back in the same update.
As ORM objects each append costs a flush (change tracking, dependency sort, identity map);
as a Core statement on the session's connection it is one cached INSERT in the same
transaction, at a third of the cost. Core statements do not autoflush: a row inserted here
must not refer to an ORM object still pending in the session (flush it first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Insert, Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def table_of(model: type[DeclarativeBase]) -> Table:
    """A model's table, typed as the `Table` it is."""
    return cast(Table, model.__table__)


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


@lru_cache(maxsize=64)
def _insert(table: Table, dialect: str, ignore_duplicates: bool) -> Insert:
    if not ignore_duplicates:
        return insert(table)
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"insert-or-ignore on {dialect}")


async def insert_row(session: AsyncSession, table: Table, values: Mapping[str, Any]) -> int:
    """INSERT one row; returns its id (SQLite's last row id, or RETURNING where the dialect
    needs it: SQLAlchemy picks)."""
    connection = await session.connection()
    result = await connection.execute(_insert(table, dialect_of(session), False), dict(values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT rows whose ids nobody needs, in one round trip."""
    if not rows:
        return
    params = [dict(row) for row in rows]
    connection = await session.connection()
    await connection.execute(
        _insert(table, dialect_of(session), False), params[0] if len(params) == 1 else params
    )


async def insert_new(session: AsyncSession, table: Table, values: Mapping[str, Any]) -> bool:
    """INSERT one row unless it would break a unique constraint (then nothing happens, and no
    error aborts the transaction); True if it was inserted."""
    connection = await session.connection()
    result = await connection.execute(_insert(table, dialect_of(session), True), dict(values))
    return bool(result.rowcount)


async def insert_object(session: AsyncSession, obj: DeclarativeBase, *, want_id: bool = True) -> None:
    """INSERT a new model object's row as a flush would (unset columns take their defaults,
    on the object too; with `want_id` the object gets its id), but as one Core statement.
    The object stays out of the session: it is a record written once, not tracked."""
    table = table_of(type(obj))
    values: dict[str, Any] = {}
    primary_key = None
    for column in table.columns:
        value = getattr(obj, column.key)
        if column.primary_key and value is None:
            primary_key = column.key
            continue
        default = column.default
        if value is None and default is not None and (default.is_scalar or default.is_callable):
            value = default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
            setattr(obj, column.key, value)
        values[column.key] = value
    if want_id and primary_key is not None:
        setattr(obj, primary_key, await insert_row(session, table, values))
    else:
        await insert_rows(session, table, [values])
