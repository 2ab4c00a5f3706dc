"""Tickets, their audit trail and their human-friendly numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.directory.models import Member
from storage.outbox.models import OutboxMessage
from storage.rows import dialect_of, insert_new, insert_object, table_of
from storage.tickets.models import Counter, Ticket, TicketCallback, TicketEvent, TicketFollower, TicketMedia
from storage.tickets.status import ACTIVE, TicketStatus

# In a fixed order, so a prebuilt statement is the same text in every process.
_ACTIVE = sorted(status.value for status in ACTIVE)

_FOLLOWERS = table_of(TicketFollower)
# Built once: every owner report asks these (see storage.directory on why prebuilt). The
# incident comes with its follower figures (how many, and whether this owner is one), so a
# merge reads once: an incident's followers grow with every report, and loading them all
# cost each report more.
_INCIDENT = (
    select(
        Ticket,
        select(func.count()).where(_FOLLOWERS.c.ticket_id == Ticket.id).scalar_subquery(),
        select(_FOLLOWERS.c.id)
        .where(_FOLLOWERS.c.ticket_id == Ticket.id, _FOLLOWERS.c.member_id == bindparam("member"))
        .exists(),
    )
    .where(
        Ticket.community_id == bindparam("community"),
        Ticket.category == bindparam("category"),
        Ticket.status.in_(_ACTIVE),
        Ticket.created_at >= bindparam("since"),
    )
    .order_by(Ticket.id)
    .limit(1)
)
# Where: the same building, or (when neither names one) the same chat. What: a shared problem
# joins a shared ticket; one flat's problem joins only that flat's ticket (the same owner, or
# the same unit written).
_WHERE = {
    True: _INCIDENT.where(Ticket.building == bindparam("building")),
    False: _INCIDENT.where(Ticket.building.is_(None), Ticket.source_chat_id == bindparam("chat")),
}
_SHARED = Ticket.shared.is_(True)
_FLAT = (
    Ticket.shared.is_(False),
    or_(Ticket.owner_member_id == bindparam("member"), Ticket.unit == bindparam("flat")),
)
_OWNER = (Ticket.shared.is_(False), Ticket.owner_member_id == bindparam("member"))
_INCIDENTS = {
    (in_building, scope): query.where(*clauses)
    for in_building, query in _WHERE.items()
    for scope, clauses in (("shared", (_SHARED,)), ("flat", _FLAT), ("owner", _OWNER))
}
# An owner's active tickets (their own and those they follow), newest first, each with when
# the owner last said something on it (an audit event in their name: opened, merged, a note,
# a chase): what a follow-up (补充) or a chase (催办) attaches to.
_MINE = (
    select(
        Ticket,
        select(func.max(TicketEvent.at))
        .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.actor == bindparam("actor"))
        .scalar_subquery(),
    )
    .where(
        Ticket.community_id == bindparam("community"),
        Ticket.status.in_(_ACTIVE),
        or_(
            Ticket.owner_member_id == bindparam("member"),
            Ticket.id.in_(
                select(_FOLLOWERS.c.ticket_id).where(_FOLLOWERS.c.member_id == bindparam("member"))
            ),
        ),
    )
    .order_by(Ticket.id.desc())
    .limit(10)
)
_COUNTERS = table_of(Counter)
_NEXT = (
    update(_COUNTERS)
    .where(_COUNTERS.c.name == bindparam("counter"))
    .values(value=_COUNTERS.c.value + 1)
    .returning(_COUNTERS.c.value)
)
# PostgreSQL: one statement in a transaction of its own (see `next_counter`).
_ALLOCATE = (
    postgresql.insert(_COUNTERS)
    .values(name=bindparam("counter"), value=1)
    .on_conflict_do_update(index_elements=[_COUNTERS.c.name], set_={"value": _COUNTERS.c.value + 1})
    .returning(_COUNTERS.c.value)
)
_TICKETS = table_of(Ticket)


@dataclass(frozen=True)
class Incident:
    """An active ticket that a new report may join, with its followers as the report finds them."""

    ticket: Ticket
    followers: int  # owners linked to it besides the one who opened it
    following: bool  # whether the reporting owner is one of them


@dataclass(frozen=True)
class OwnerTicket:
    """One of an owner's active tickets, with when the owner last said something on it."""

    ticket: Ticket
    last_said: datetime | None


@dataclass(frozen=True)
class Reporter:
    """A merged reporter as the stewards' card lists them."""

    name: str
    building: str | None
    text: str


class TicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_counter(self, name: str) -> int:
        """Atomically increment a named counter (settled by the database, not by Python).

        On PostgreSQL the increment commits at once, in a short transaction of its own on
        another pooled connection: the counter row is locked for one statement, not until the
        caller's commit (with several handlers opening tickets at once, that row was the top
        lock wait). A caller that rolls back leaves a gap in the numbers. On SQLite the caller
        is the only writer anyway, and a second connection would wait for the caller's own
        write lock: the increment stays in the caller's transaction."""
        engine = self.session.bind
        if dialect_of(self.session) == "postgresql" and isinstance(engine, AsyncEngine):
            async with engine.connect() as connection:
                own = await connection.execution_options(isolation_level="AUTOCOMMIT")
                return int((await own.execute(_ALLOCATE, {"counter": name})).scalar_one())
        for _ in range(3):
            result = await self.session.execute(_NEXT, {"counter": name})
            value = result.scalar_one_or_none()
            if value is not None:
                return int(value)
            try:
                async with self.session.begin_nested():
                    self.session.add(Counter(name=name, value=1))
                return 1
            except IntegrityError:
                continue  # someone else created it first: increment theirs
        raise RuntimeError(f"could not allocate counter {name}")

    async def add(self, ticket: Ticket) -> Ticket:
        self.session.add(ticket)
        await self.session.flush()
        return ticket

    async def record(
        self,
        ticket: Ticket,
        *,
        at: datetime,
        actor: str,
        action: str,
        from_status: str | None = None,
        to_status: str | None = None,
        note: str | None = None,
    ) -> None:
        """Append an audit event (one INSERT; the ticket must have been flushed: it has an id)."""
        event = TicketEvent(
            ticket_id=ticket.id,
            at=at,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
        await insert_object(self.session, event, want_id=False)

    async def claim_event(self, ticket: Ticket, *, at: datetime, actor: str, action: str, note: str) -> bool:
        """Append an audit event that may exist once (the SLA watch's: a partial unique index
        on ticket, action and note); False, and nothing written, if it was there already,
        written by this or another process."""
        values = {
            "ticket_id": ticket.id,
            "at": at,
            "actor": actor,
            "action": action,
            "from_status": None,
            "to_status": None,
            "note": note,
        }
        return await insert_new(self.session, table_of(TicketEvent), values)

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self.session.get(Ticket, ticket_id)

    async def by_number(self, number: str) -> Ticket | None:
        return await self.session.scalar(select(Ticket).where(Ticket.number == number.upper()))

    async def events(self, ticket_id: int) -> Sequence[TicketEvent]:
        return (
            await self.session.scalars(
                select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
            )
        ).all()

    async def by_community(self, community_id: int, **filters: Any) -> Sequence[Ticket]:
        query = select(Ticket).where(Ticket.community_id == community_id)
        for name, value in filters.items():
            query = query.where(getattr(Ticket, name) == value)
        return (await self.session.scalars(query.order_by(Ticket.id))).all()

    async def claim(
        self, ticket: Ticket, steward_id: int, *, from_status: str, to_status: str, at: datetime
    ) -> bool:
        """Give an unassigned ticket to `steward_id` if it still has `from_status` and no
        assignee: one conditional UPDATE, whose row count says who won. `ticket` is then read
        again either way, so it shows who holds it now. (Only the state machine calls this:
        `handlers/tickets/lifecycle.py`.)"""
        result = await self.session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id, Ticket.assignee_id.is_(None), Ticket.status == from_status)
            .values(assignee_id=steward_id, status=to_status, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        won = bool(getattr(result, "rowcount", 0))
        await self.session.refresh(ticket)
        return won

    async def move(self, ticket: Ticket, *, expected: str, values: dict[str, Any]) -> bool:
        """Change `ticket`'s row to `values` if its status is still `expected`: one conditional
        UPDATE, whose row count says whether this transaction made the change. Won: `ticket`
        shows the values (without writing them again). Lost (someone changed the ticket since
        it was loaded): nothing written, and `ticket` is read again, so it shows the state
        that won."""
        result = await self.session.execute(
            update(_TICKETS).where(_TICKETS.c.id == ticket.id, _TICKETS.c.status == expected).values(**values)
        )
        if not getattr(result, "rowcount", 0):
            await self.session.refresh(ticket)
            return False
        for key, value in values.items():
            set_committed_value(ticket, key, value)
        return True

    async def find_incident(
        self,
        community_id: int,
        category: str,
        building: str | None,
        chat_id: int,
        since: datetime,
        member_id: int,
        *,
        shared: bool = True,
        flat: str | None = None,
    ) -> Incident | None:
        """An active ticket about the same thing, recently opened: same category, and the same
        building (or, when neither names one, the same chat); for a `shared` problem a shared
        ticket, else one flat's ticket of the same owner or of the same `flat` (unit); with how
        many owners follow it and whether `member_id` is one of them, in the same statement."""
        params: dict[str, Any] = {
            "community": community_id,
            "category": category,
            "since": since,
            "member": member_id,
        }
        if building is not None:
            params["building"] = building
        else:
            params["chat"] = chat_id
        scope = "shared" if shared else ("flat" if flat else "owner")
        if flat:
            params["flat"] = flat
        row = (await self.session.execute(_INCIDENTS[building is not None, scope], params)).first()
        if row is None:
            return None
        return Incident(row[0], int(row[1]), bool(row[2]))

    async def add_follower(
        self,
        ticket: Ticket,
        member_id: int,
        chat_id: int,
        message_id: str,
        now: datetime,
        *,
        text: str | None = None,
        building: str | None = None,
    ) -> bool:
        """Link an owner to a ticket they also reported; False if they follow it already."""
        return await insert_new(
            self.session,
            table_of(TicketFollower),
            {
                "ticket_id": ticket.id,
                "member_id": member_id,
                "chat_id": chat_id,
                "source_message_id": message_id,
                "created_at": now,
                "text": text,
                "building": building,
            },
        )

    async def reporters(self, ticket_id: int) -> list[Reporter]:
        """The owners merged into a ticket, in the order they reported, with what they wrote."""
        rows = await self.session.execute(
            select(Member.display_name, _FOLLOWERS.c.building, _FOLLOWERS.c.text)
            .join(Member, Member.id == _FOLLOWERS.c.member_id)
            .where(_FOLLOWERS.c.ticket_id == ticket_id)
            .order_by(_FOLLOWERS.c.id)
        )
        return [Reporter(name or "", building, text or "") for name, building, text in rows]

    async def cards(self, ticket: Ticket) -> Sequence[OutboxMessage]:
        """The outbox rows of the ticket's cards in the stewards' groups, oldest first (by
        primary key; a ticket from before `card_rows` was kept is looked up by reference)."""
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if ticket.card_rows is None:
            query = query.where(OutboxMessage.ref_type == "ticket_card", OutboxMessage.ref_id == ticket.id)
        elif ticket.card_rows:
            query = query.where(OutboxMessage.id.in_(ticket.card_rows))
        else:
            return []
        return (await self.session.scalars(query)).all()

    async def open_for_member(self, community_id: int, member_id: int) -> list[OwnerTicket]:
        """The member's active tickets in the community (their own and followed), newest first
        (at most ten), each with when the member last said something on it."""
        params = {"community": community_id, "member": member_id, "actor": f"member:{member_id}"}
        rows = await self.session.execute(_MINE, params)
        return [OwnerTicket(ticket, last) for ticket, last in rows]

    async def followers(self, ticket_id: int) -> Sequence[TicketFollower]:
        return (
            await self.session.scalars(
                select(TicketFollower)
                .where(TicketFollower.ticket_id == ticket_id)
                .order_by(TicketFollower.id)
            )
        ).all()

    async def visible_to_owner(self, member_id: int, limit: int = 10) -> Sequence[Ticket]:
        followed = select(TicketFollower.ticket_id).where(TicketFollower.member_id == member_id)
        return (
            await self.session.scalars(
                select(Ticket)
                .where(or_(Ticket.owner_member_id == member_id, Ticket.id.in_(followed)))
                .order_by(Ticket.id.desc())
                .limit(limit)
            )
        ).all()

    async def is_follower(self, ticket_id: int, member_id: int) -> bool:
        found = await self.session.scalar(
            select(TicketFollower.id).where(
                TicketFollower.ticket_id == ticket_id, TicketFollower.member_id == member_id
            )
        )
        return found is not None

    async def in_status(
        self, community_id: int, statuses: Sequence[str], *, limit: int = 50, **filters: Any
    ) -> Sequence[Ticket]:
        """A community's tickets in one of `statuses` (and matching `filters`), oldest first."""
        query = select(Ticket).where(Ticket.community_id == community_id, Ticket.status.in_(list(statuses)))
        for name, value in filters.items():
            query = query.where(getattr(Ticket, name) == value)
        return (await self.session.scalars(query.order_by(Ticket.id).limit(limit))).all()

    async def active(self) -> Sequence[Ticket]:
        """Tickets an SLA timer may still fire on: active ones, and resolved ones awaiting a rating."""
        return (
            await self.session.scalars(
                select(Ticket)
                .where(Ticket.status.in_([*_ACTIVE, TicketStatus.RESOLVED.value]))
                .order_by(Ticket.id)
            )
        ).all()

    async def last_event_at(self, ticket_id: int, action: str, actor: str) -> datetime | None:
        """When `actor` last did `action` on the ticket."""
        return await self.session.scalar(
            select(func.max(TicketEvent.at)).where(
                TicketEvent.ticket_id == ticket_id, TicketEvent.action == action, TicketEvent.actor == actor
            )
        )

    async def has_event(self, ticket_id: int, action: str, note: str | None = None) -> bool:
        query = select(TicketEvent.id).where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == action)
        if note is not None:
            query = query.where(TicketEvent.note == note)
        return (await self.session.scalar(query.limit(1))) is not None

    # -- photos ----------------------------------------------------------------------------------
    async def add_media(self, media: TicketMedia) -> bool:
        """Keep a photo of a ticket (one INSERT); False, nothing written, when the ticket has
        this very picture already (the same platform's unique id, or file id)."""
        same = (
            TicketMedia.unique_id == media.unique_id
            if media.unique_id
            else TicketMedia.file_id == media.file_id
        )
        found = await self.session.scalar(
            select(TicketMedia.id).where(
                TicketMedia.ticket_id == media.ticket_id, TicketMedia.platform == media.platform, same
            )
        )
        if found is not None:
            return False
        await insert_object(self.session, media, want_id=False)
        return True

    async def media(self, ticket_id: int) -> Sequence[TicketMedia]:
        """A ticket's photos, in the order they came."""
        return (
            await self.session.scalars(
                select(TicketMedia).where(TicketMedia.ticket_id == ticket_id).order_by(TicketMedia.id)
            )
        ).all()

    async def media_counts(self, ticket_id: int) -> dict[str, int]:
        """How many photos a ticket has, per stage ("report", "before", "after")."""
        rows = await self.session.execute(
            select(TicketMedia.stage, func.count())
            .where(TicketMedia.ticket_id == ticket_id)
            .group_by(TicketMedia.stage)
        )
        return {str(stage): int(n) for stage, n in rows.all()}

    async def latest_of_member(
        self, community_id: int, member_id: int, chat_id: int, since: datetime
    ) -> Ticket | None:
        """The newest ticket `member_id` opened or joined in chat `chat_id` since `since` (an
        owner's photo right after their report belongs to it)."""
        own = await self.session.scalar(
            select(Ticket)
            .where(
                Ticket.community_id == community_id,
                Ticket.owner_member_id == member_id,
                Ticket.source_chat_id == chat_id,
                Ticket.created_at >= since,
            )
            .order_by(Ticket.id.desc())
            .limit(1)
        )
        joined = await self.session.scalar(
            select(Ticket)
            .join(TicketFollower, TicketFollower.ticket_id == Ticket.id)
            .where(
                Ticket.community_id == community_id,
                TicketFollower.member_id == member_id,
                TicketFollower.chat_id == chat_id,
                TicketFollower.created_at >= since,
            )
            .order_by(TicketFollower.id.desc())
            .limit(1)
        )
        if own is None or joined is None:
            return own or joined
        return own if own.created_at >= joined.created_at else joined

    async def opened_between(
        self, community_id: int | None, start: datetime, end: datetime
    ) -> Sequence[Ticket]:
        """Tickets opened in [start, end) (of a community, or all): the figures of arrival."""
        query = select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
        if community_id is not None:
            query = query.where(Ticket.community_id == community_id)
        return (await self.session.scalars(query.order_by(Ticket.id))).all()

    # -- 回访 calls (issue 21, item 5) ----------------------------------------------------------
    async def add_callback(self, ticket: Ticket, at: datetime) -> bool:
        """Put the ticket on its community's 回访 list, once (False if it was there)."""
        values = {
            "ticket_id": ticket.id,
            "community_id": ticket.community_id,
            "due_at": at,
            "attempts": 0,
            "outcome": None,
            "rating": None,
            "called_by": None,
            "called_at": None,
            "done_at": None,
        }
        return await insert_new(self.session, table_of(TicketCallback), values)

    async def callback(self, callback_id: int) -> TicketCallback | None:
        return await self.session.get(TicketCallback, callback_id)

    async def callback_of(self, ticket_id: int) -> TicketCallback | None:
        return await self.session.scalar(select(TicketCallback).where(TicketCallback.ticket_id == ticket_id))

    async def due_callbacks(
        self, community_id: int | None, limit: int = 20
    ) -> list[tuple[TicketCallback, Ticket]]:
        """The calls still owed (never reached nor refused), oldest first; every community's
        when `community_id` is None."""
        query = (
            select(TicketCallback, Ticket)
            .join(Ticket, Ticket.id == TicketCallback.ticket_id)
            .where(TicketCallback.done_at.is_(None))
        )
        if community_id is not None:
            query = query.where(TicketCallback.community_id == community_id)
        rows = await self.session.execute(
            query.order_by(TicketCallback.due_at, TicketCallback.id).limit(limit)
        )
        return [(callback, ticket) for callback, ticket in rows]

    async def count_due_callbacks(self, community_id: int | None) -> int:
        query = select(func.count()).select_from(TicketCallback).where(TicketCallback.done_at.is_(None))
        if community_id is not None:
            query = query.where(TicketCallback.community_id == community_id)
        return int(await self.session.scalar(query) or 0)

    async def settle_callback(self, callback_id: int, values: dict[str, Any]) -> bool:
        """Record a call on a callback still owed (a conditional UPDATE: of two stewards
        recording the same call, one wins)."""
        result = await self.session.execute(
            update(TicketCallback)
            .where(TicketCallback.id == callback_id, TicketCallback.done_at.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def callbacks_between(
        self, community_id: int, since: datetime, until: datetime
    ) -> Sequence[TicketCallback]:
        """The calls put on the list in the window (for the 回访 rate)."""
        return (
            await self.session.scalars(
                select(TicketCallback).where(
                    TicketCallback.community_id == community_id,
                    TicketCallback.due_at >= since,
                    TicketCallback.due_at < until,
                )
            )
        ).all()

    async def callbacks_done_by(self, community_id: int, since: datetime, until: datetime) -> dict[str, int]:
        """回访 calls settled in the window (the owner reached, or refusing), by who made them
        (`called_by`, e.g. "steward:3"): the per-steward figure."""
        rows = await self.session.execute(
            select(TicketCallback.called_by, func.count())
            .where(
                TicketCallback.community_id == community_id,
                TicketCallback.done_at.is_not(None),
                TicketCallback.done_at >= since,
                TicketCallback.done_at < until,
                TicketCallback.called_by.is_not(None),
            )
            .group_by(TicketCallback.called_by)
        )
        return {str(who): int(n) for who, n in rows}
