"""Queries for public-opinion monitoring: owners' negative messages, alerts and feedback.

"Owner messages" are text messages logged in a community's owner groups from people who are
not on the roster: staff talking in an owner group do not make opinion.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Executable,
    Integer,
    Select,
    Text,
    bindparam,
    case,
    func,
    literal,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.directory.models import Chat, Member
from storage.messages.models import MessageLog
from storage.opinion.models import (
    OpinionAlert,
    OpinionAlertMessage,
    OpinionCrisis,
    OpinionCrisisEvent,
    OpinionFeedback,
)
from storage.outbox.models import OutboxMessage
from storage.rows import insert_new, insert_object, table_of
from storage.tickets.models import Ticket
from storage.tickets.status import ACTIVE


@dataclass(frozen=True)
class Signal:
    """What opinion detection needs of one logged owner message (no text)."""

    message_log_id: int
    member_id: int | None
    category: str | None
    rules: tuple[str, ...]
    sent_at: datetime


_LOG, _CHATS, _MEMBERS = table_of(MessageLog), table_of(Chat), table_of(Member)


def owner_messages(community_id: int | BindParameter[Any], *columns: Any) -> Select[Any]:
    """SELECT `columns` FROM the community's owner text messages (joins chats and members).
    With table columns (`_LOG.c…`) it is a plain Core statement, cheaper to run than one
    naming ORM attributes (the window counts run for every negative message)."""
    return (
        select(*columns)
        .select_from(_LOG)
        .join(_CHATS, _CHATS.c.id == _LOG.c.chat_id)
        .outerjoin(_MEMBERS, _MEMBERS.c.id == _LOG.c.member_id)
        .where(
            _LOG.c.community_id == community_id,
            _LOG.c.kind == "text",
            _CHATS.c.role == "owners",
            _MEMBERS.c.steward_id.is_(None),
        )
    )


@dataclass
class AlertView:
    """What matching and folding read of a recent alert. Every negative owner message reads
    all of its community's alerts within the cool-down, so they come as plain rows, not ORM
    instances (whose loading cost more than the rest of the check)."""

    id: int
    kind: str
    tier: int
    state: str
    topic: str | None
    topics: tuple[str, ...]
    members: tuple[int, ...]
    last_at: datetime
    folded: int
    handled_by: str | None


_ALERTS = table_of(OpinionAlert)
# Table columns, not ORM attributes: a plain Core statement skips the ORM's result loading.
_ALERT_VIEW = (
    _ALERTS.c.id,
    _ALERTS.c.kind,
    _ALERTS.c.tier,
    _ALERTS.c.state,
    _ALERTS.c.topic,
    type_coerce(_ALERTS.c.topics, Text),  # decoded by `_json_list`: see there
    type_coerce(_ALERTS.c.members, Text),
    _ALERTS.c.last_at,
    _ALERTS.c.folded,
    _ALERTS.c.handled_by,
)


@lru_cache(maxsize=512)
def _decoded(raw: str) -> tuple[Any, ...]:
    return tuple(json.loads(raw))


def _json_list(value: str | list[Any] | None) -> tuple[Any, ...]:
    """A JSON list column read as its text. The same alerts are read for every negative
    message, and a busy alert's owners run to hundreds: decoding each text once (the text is
    the cache key, so a changed list is decoded anew) saves most of the read. PostgreSQL's
    driver hands the list over decoded already."""
    if value is None:
        return ()
    if isinstance(value, str):
        return _decoded(value)
    return tuple(value)


_RECENT_ALERTS = (
    select(*_ALERT_VIEW)
    .where(
        _ALERTS.c.community_id == bindparam("community"),
        _ALERTS.c.kind.in_(bindparam("kinds", expanding=True)),
        _ALERTS.c.first_at > bindparam("since"),
    )
    .order_by(_ALERTS.c.id.desc())
)
# A fold counted by the database (`folded = folded + 1`), so two messages folded at once are
# both counted; the row it returns is the one this fold made (on PostgreSQL the UPDATE holds the
# alert's row until commit, so the owners written next are not overwritten by another fold).
_at = bindparam("at", type_=_ALERTS.c.last_at.type)
_FOLD = (
    update(_ALERTS)
    .where(_ALERTS.c.id == bindparam("alert"))
    .values(
        folded=_ALERTS.c.folded + 1,
        last_at=case((_ALERTS.c.last_at < _at, _at), else_=_ALERTS.c.last_at),
    )
    .returning(_ALERTS.c.folded, _ALERTS.c.last_at, type_coerce(_ALERTS.c.members, Text))
)
_FOLD_MEMBERS = (
    update(_ALERTS)
    .where(_ALERTS.c.id == bindparam("alert"))
    .values(members=bindparam("new_members", type_=_ALERTS.c.members.type))
)


@lru_cache(maxsize=16)
def _window_counts(windows: int, capped: bool) -> Executable:
    """A UNION ALL of index range counts, one per window (a single scan with CASE sums would
    read the whole week); built once per shape, since every negative message asks. `capped`:
    the first window counts at most `cap` rows, so a flood costs what the threshold needs,
    not what the flood holds."""

    def negatives(index: int, *columns: Any) -> Select[Any]:
        return owner_messages(bindparam("community"), *columns).where(
            _LOG.c.negative.is_(True),
            _LOG.c.sent_at > bindparam(f"start{index}"),
            _LOG.c.sent_at <= bindparam(f"end{index}"),
        )

    parts: list[Select[Any] | Select[int, int]] = []
    for index in range(windows):
        if capped and index == 0:
            rows = negatives(0, literal(1).label("one")).limit(bindparam("cap", type_=Integer)).subquery()
            parts.append(select(literal(0).label("window"), func.count().label("n")).select_from(rows))
        else:
            parts.append(negatives(index, literal(index).label("window"), func.count().label("n")))
    return parts[0] if windows == 1 else union_all(*parts)


class OpinionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def savepoint(self) -> Any:
        """A nested transaction: opinion work that fails must not undo the intake around it."""
        return self.session.begin_nested()

    # -- signals ------------------------------------------------------------------------------
    async def negative_signals(
        self, community_id: int, since: datetime, until: datetime, limit: int | None = None
    ) -> list[Signal]:
        """Negative owner messages in (since, until], oldest first; with `limit`, only the
        newest that many (a detector looking for a handful of owners need not read a flood)."""
        query = owner_messages(
            community_id,
            MessageLog.id,
            MessageLog.member_id,
            MessageLog.category,
            MessageLog.rules,
            MessageLog.sent_at,
        ).where(MessageLog.negative.is_(True), MessageLog.sent_at > since, MessageLog.sent_at <= until)
        query = query.order_by(MessageLog.sent_at.desc(), MessageLog.id.desc())
        if limit is not None:
            query = query.limit(limit)
        rows = (await self.session.execute(query)).all()
        return [Signal(r[0], r[1], r[2], tuple(r[3] or ()), r[4]) for r in reversed(rows)]

    async def negative_counts(
        self, community_id: int, windows: Sequence[tuple[datetime, datetime]], cap: int | None = None
    ) -> list[int]:
        """Negative owner messages in each (start, end] window, in one statement. With `cap`,
        the first window's count stops there (min(count, cap): enough to compare it with a
        threshold of at most `cap`)."""
        if not windows:
            return []
        params: dict[str, Any] = {"community": community_id}
        for index, (start, end) in enumerate(windows):
            params[f"start{index}"], params[f"end{index}"] = start, end
        if cap is not None:
            params["cap"] = cap
        rows = (await self.session.execute(_window_counts(len(windows), cap is not None), params)).all()
        counts = {int(window): int(n) for window, n in rows}
        return [counts.get(index, 0) for index in range(len(windows))]

    async def logged_since(self, community_id: int) -> datetime | None:
        """When the community's first logged message was sent (the start of its history; an
        archive import can move it back): one index lookup."""
        return await self.session.scalar(
            select(func.min(MessageLog.sent_at)).where(MessageLog.community_id == community_id)
        )

    async def message_counts(self, community_id: int, since: datetime, until: datetime) -> tuple[int, int]:
        """(all, negative) owner text messages in (since, until]."""
        query = owner_messages(
            community_id,
            func.count(),
            func.coalesce(func.sum(case((MessageLog.negative.is_(True), 1), else_=0)), 0),
        ).where(MessageLog.sent_at > since, MessageLog.sent_at <= until)
        total, negative = (await self.session.execute(query)).one()
        return int(total), int(negative)

    # -- alerts -------------------------------------------------------------------------------
    async def add_alert(self, alert: OpinionAlert) -> OpinionAlert:
        self.session.add(alert)
        await self.session.flush()
        return alert

    async def get(self, alert_id: int) -> OpinionAlert | None:
        return await self.session.get(OpinionAlert, alert_id)

    async def recent_alerts(
        self, community_id: int, since: datetime, kinds: Sequence[str]
    ) -> list[AlertView]:
        """Alerts of these kinds whose first message is after `since`, newest first."""
        rows = await self.session.execute(
            _RECENT_ALERTS, {"community": community_id, "kinds": list(kinds), "since": since}
        )
        return [
            AlertView(
                id=r[0],
                kind=r[1],
                tier=r[2],
                state=r[3],
                topic=r[4],
                topics=_json_list(r[5]),
                members=_json_list(r[6]),
                last_at=r[7],
                folded=r[8],
                handled_by=r[9],
            )
            for r in rows
        ]

    async def record_fold(self, alert: AlertView, at: datetime, member_id: int | None) -> bool:
        """Count one more message folded into `alert` (sent `at`, by `member_id`), in the
        database; `alert` then shows the count, last time and owners as this fold left them.
        True if the owner was new to the alert."""
        folded, last_at, members = (await self.session.execute(_FOLD, {"alert": alert.id, "at": at})).one()
        alert.folded, alert.last_at, alert.members = int(folded), last_at, _json_list(members)
        if member_id is None or member_id in alert.members:
            return False
        alert.members = (*alert.members, member_id)
        await self.session.execute(_FOLD_MEMBERS, {"alert": alert.id, "new_members": list(alert.members)})
        return True

    async def alerts_between(
        self, community_id: int, since: datetime, until: datetime
    ) -> Sequence[OpinionAlert]:
        return (
            await self.session.scalars(
                select(OpinionAlert)
                .where(
                    OpinionAlert.community_id == community_id,
                    OpinionAlert.created_at > since,
                    OpinionAlert.created_at <= until,
                )
                .order_by(OpinionAlert.id)
            )
        ).all()

    async def link(self, alert_id: int, message_log_id: int, at: datetime) -> bool:
        """Attach a message to an alert; False if it was attached already (one INSERT that
        the unique constraint turns into a no-op)."""
        return await insert_new(
            self.session,
            table_of(OpinionAlertMessage),
            {"alert_id": alert_id, "message_log_id": message_log_id, "at": at},
        )

    async def linked_messages(self, alert_ids: Sequence[int]) -> dict[int, list[MessageLog]]:
        if not alert_ids:
            return {}
        rows = (
            await self.session.execute(
                select(OpinionAlertMessage.alert_id, MessageLog)
                .join(MessageLog, MessageLog.id == OpinionAlertMessage.message_log_id)
                .where(OpinionAlertMessage.alert_id.in_(alert_ids))
                .order_by(MessageLog.sent_at, MessageLog.id)
            )
        ).all()
        linked: dict[int, list[MessageLog]] = {}
        for alert_id, message in rows:
            linked.setdefault(int(alert_id), []).append(message)
        return linked

    async def open_tickets_of(self, member_ids: Sequence[int], limit: int = 5) -> Sequence[Ticket]:
        if not member_ids:
            return []
        return (
            await self.session.scalars(
                select(Ticket)
                .where(Ticket.owner_member_id.in_(member_ids), Ticket.status.in_(sorted(ACTIVE)))
                .order_by(Ticket.id.desc())
                .limit(limit)
            )
        ).all()

    async def tickets(self, ticket_ids: Sequence[int]) -> Sequence[Ticket]:
        if not ticket_ids:
            return []
        return (
            await self.session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.id))
        ).all()

    # -- feedback -----------------------------------------------------------------------------
    async def add_feedback(self, feedback: OpinionFeedback) -> OpinionFeedback:
        self.session.add(feedback)
        await self.session.flush()
        return feedback

    async def feedback(
        self, since: datetime | None = None, verdict: str | None = None
    ) -> list[tuple[OpinionFeedback, OpinionAlert, MessageLog | None]]:
        query = (
            select(OpinionFeedback, OpinionAlert, MessageLog)
            .join(OpinionAlert, OpinionAlert.id == OpinionFeedback.alert_id)
            .outerjoin(MessageLog, MessageLog.id == OpinionFeedback.message_log_id)
            .order_by(OpinionFeedback.id)
        )
        if since is not None:
            query = query.where(OpinionFeedback.at > since)
        if verdict is not None:
            query = query.where(OpinionFeedback.verdict == verdict)
        rows = (await self.session.execute(query)).all()
        return [(row[0], row[1], row[2]) for row in rows]

    async def all_queued(self, dedupe_keys: Sequence[str]) -> bool:
        """Whether every one of these idempotent messages (e.g. today's digests) is in the
        outbox already."""
        return await all_queued(self.session, dedupe_keys)


async def all_queued(session: AsyncSession, dedupe_keys: Sequence[str]) -> bool:
    """Whether every one of these idempotent messages is in the outbox already: what a
    scheduled job asks before doing work it may have done in a run before."""
    found = await session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.dedupe_key.in_(dedupe_keys))
    )
    return int(found or 0) >= len(set(dedupe_keys))


class CrisisRepository:
    """Crisis records of tier-3 alerts and the follow-up timer of tier-2/3 alerts (issue 21,
    item 4): rare statements, off the owner-message hot path but for the one INSERT when a
    crisis opens and a timeline line when a message folds into one."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open(self, alert: OpinionAlert, now: datetime) -> OpinionCrisis:
        crisis = OpinionCrisis(
            alert_id=alert.id, community_id=alert.community_id, created_at=now, reply_state="none"
        )
        self.session.add(crisis)
        await self.session.flush()
        return crisis

    async def get(self, crisis_id: int) -> OpinionCrisis | None:
        return await self.session.get(OpinionCrisis, crisis_id)

    async def of_alert(self, alert_id: int) -> OpinionCrisis | None:
        return await self.session.scalar(select(OpinionCrisis).where(OpinionCrisis.alert_id == alert_id))

    async def note(
        self, crisis_id: int, at: datetime, actor: str, action: str, note: str | None = None
    ) -> None:
        event = OpinionCrisisEvent(crisis_id=crisis_id, at=at, actor=actor[:64], action=action, note=note)
        await insert_object(self.session, event, want_id=False)

    async def timeline(self, crisis_id: int) -> Sequence[OpinionCrisisEvent]:
        return (
            await self.session.scalars(
                select(OpinionCrisisEvent)
                .where(OpinionCrisisEvent.crisis_id == crisis_id)
                .order_by(OpinionCrisisEvent.at, OpinionCrisisEvent.id)
            )
        ).all()

    async def unanswered(self, raised_before: datetime) -> Sequence[OpinionAlert]:
        """Open tier-2/3 alerts (nobody pressed 「已跟进」 or 「误报」) raised before the time,
        not yet escalated: the follow-up timer's candidates."""
        return (
            await self.session.scalars(
                select(OpinionAlert)
                .where(
                    OpinionAlert.state == "open",
                    OpinionAlert.tier >= 2,
                    OpinionAlert.created_at <= raised_before,
                    OpinionAlert.escalated_at.is_(None),
                )
                .order_by(OpinionAlert.id)
            )
        ).all()

    async def stamp(self, alert_id: int, column: str, now: datetime) -> bool:
        """Set `reminded_at` or `escalated_at` once (a conditional UPDATE: two watchers stamp it
        once); True for the one that did."""
        target = getattr(OpinionAlert, column)
        result = await self.session.execute(
            update(OpinionAlert)
            .where(OpinionAlert.id == alert_id, target.is_(None), OpinionAlert.state == "open")
            .values({column: now})
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))
