"""The web console's storage: single-use sign-in links, sessions, and the board's query (the
open tickets of some communities, filtered)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.console.models import ConsoleLink, ConsoleSession
from storage.tickets.models import Ticket
from storage.tickets.status import ACTIVE


@dataclass(frozen=True, slots=True)
class BoardLine:
    """What the board shows and computes the SLA state from, of one open ticket (plain
    columns, not an ORM object: the board reads thousands). The times are in UTC, naive on
    SQLite (see `_LINE`): `aware()` gives the line with aware times."""

    id: int
    number: str
    community_id: int
    kind: str
    category: str | None
    priority: str
    status: str
    building: str | None
    assignee_id: int | None
    created_at: datetime
    sla_started_at: datetime | None
    respond_due_at: datetime | None
    resolve_due_at: datetime | None
    first_response_at: datetime | None
    onsite_due_at: datetime | None

    @property
    def naive(self) -> bool:
        return self.created_at.tzinfo is None

    def aware(self) -> BoardLine:
        if not self.naive:
            return self
        times = {name: getattr(self, name) for name in _TIMES}
        return replace(self, **{k: v.replace(tzinfo=UTC) for k, v in times.items() if v is not None})


_TIMES = (
    "created_at",
    "sla_started_at",
    "respond_due_at",
    "resolve_due_at",
    "first_response_at",
    "onsite_due_at",
)
# The times are read as the database hands them: SQLite's text is parsed by `fromisoformat` into
# naive UTC datetimes (the column type's own parsing, and making 50,000 values aware, took most
# of the board's time), PostgreSQL's are aware already. `BoardLine.aware` makes one aware.
_LINE = [
    type_coerce(getattr(Ticket, name), String) if name in _TIMES else getattr(Ticket, name)
    for name in BoardLine.__slots__
]
_FIRST_TIME = BoardLine.__slots__.index("created_at")
_parse = datetime.fromisoformat


def _line(row: Sequence[Any]) -> BoardLine:
    return BoardLine(*row[:_FIRST_TIME], *[_parse(v) if type(v) is str else v for v in row[_FIRST_TIME:]])


@dataclass(frozen=True)
class BoardFilter:
    """What the board is narrowed to; None: any. `source`: "owner" (an owner's report) or
    "staff" (opened with no owner: a steward's own report, a patrol's finding)."""

    community_id: int | None = None
    building: str | None = None
    category: str | None = None
    assignee_id: int | None = None
    priority: str | None = None
    source: str | None = None


class ConsoleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- links -------------------------------------------------------------------------------
    async def add_link(self, link: ConsoleLink) -> ConsoleLink:
        self.session.add(link)
        await self.session.flush()
        return link

    async def use_link(self, nonce: str, now: datetime) -> ConsoleLink | None:
        """Mark the link used, once: the row as it was, or None when it does not exist, was
        used already or has expired (one conditional UPDATE: two openings at once, one wins)."""
        result = await self.session.execute(
            update(ConsoleLink)
            .where(ConsoleLink.nonce == nonce, ConsoleLink.used_at.is_(None), ConsoleLink.expires_at > now)
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            return None
        return await self.session.get(ConsoleLink, nonce, populate_existing=True)

    async def link(self, nonce: str) -> ConsoleLink | None:
        return await self.session.get(ConsoleLink, nonce)

    # -- sessions ----------------------------------------------------------------------------
    async def add_session(self, row: ConsoleSession) -> ConsoleSession:
        self.session.add(row)
        await self.session.flush()
        return row

    async def live_session(self, token_hash: str, now: datetime) -> ConsoleSession | None:
        return await self.session.scalar(
            select(ConsoleSession).where(
                ConsoleSession.token_hash == token_hash,
                ConsoleSession.ended_at.is_(None),
                ConsoleSession.expires_at > now,
            )
        )

    async def end_session(self, token_hash: str, now: datetime) -> None:
        await self.session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.token_hash == token_hash, ConsoleSession.ended_at.is_(None))
            .values(ended_at=now)
            .execution_options(synchronize_session=False)
        )

    # -- the board ---------------------------------------------------------------------------
    async def open_tickets(self, community_ids: Collection[int], where: BoardFilter) -> list[BoardLine]:
        """The active tickets of `community_ids` that `where` lets through (unordered: the
        board orders them by their SLA state, which is computed, not stored)."""
        if not community_ids:
            return []
        query = select(*_LINE).where(
            Ticket.status.in_([str(s) for s in ACTIVE]), Ticket.community_id.in_(list(community_ids))
        )
        if where.community_id is not None:
            query = query.where(Ticket.community_id == where.community_id)
        if where.building is not None:
            query = query.where(Ticket.building == where.building)
        if where.category is not None:
            query = query.where(Ticket.category == where.category)
        if where.assignee_id is not None:
            query = query.where(Ticket.assignee_id == where.assignee_id)
        if where.priority is not None:
            query = query.where(Ticket.priority == where.priority)
        if where.source == "owner":
            query = query.where(Ticket.owner_member_id.is_not(None))
        elif where.source == "staff":
            query = query.where(Ticket.owner_member_id.is_(None))
        # Core, not the ORM: plain rows, without an identity map to fill with thousands.
        connection = await self.session.connection()
        return [_line(row) for row in (await connection.execute(query)).all()]

    async def summaries(self, ids: Collection[int]) -> dict[int, str]:
        """The summaries of the tickets the board shows."""
        if not ids:
            return {}
        rows = await self.session.execute(select(Ticket.id, Ticket.summary).where(Ticket.id.in_(list(ids))))
        return {ticket_id: summary for ticket_id, summary in rows.all()}
