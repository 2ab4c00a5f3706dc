"""The ticket state machine: the one place that says which status may follow which.

    open ──► assigned ──► in_progress ──► resolved ──► closed
      │          │             │              │
      │          └─────────────┴──► resolved  └──► reopened ──► assigned / in_progress / resolved
      └──────────┴─────────────┴──► cancelled (supervisors only; from any open status)

Every status goes through here and writes its audit event with the status it really left:
`start` for a new ticket (open, and at once assigned when someone was chosen), `transition`
for a change decided on the ticket as loaded, `claim` for 「接单」 on an unassigned card. The
database settles every change with a conditional UPDATE (`WHERE status = :expected`): of two
people changing a ticket at once, one wins and the other is told what it became.

The owner's rating (回访) is a step of the machine too: a happy rating closes the ticket, an
unhappy one (`UNHAPPY`) reopens it with a short deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.core.errors import DomainError
from storage.directory.models import Steward
from storage.tickets.models import Ticket
from storage.tickets.repository import TicketRepository
from storage.tickets.status import TicketStatus

ALLOWED: Mapping[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.OPEN: frozenset({TicketStatus.ASSIGNED, TicketStatus.CANCELLED}),
    TicketStatus.ASSIGNED: frozenset(
        {TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CANCELLED}
    ),
    TicketStatus.IN_PROGRESS: frozenset({TicketStatus.RESOLVED, TicketStatus.CANCELLED}),
    TicketStatus.RESOLVED: frozenset({TicketStatus.CLOSED, TicketStatus.REOPENED}),
    TicketStatus.REOPENED: frozenset(
        {TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CANCELLED}
    ),
    TicketStatus.CLOSED: frozenset(),
    TicketStatus.CANCELLED: frozenset(),
}

# Shown to people (Simplified; converted for Traditional communities).
LABELS_HANS: Mapping[TicketStatus, str] = {
    TicketStatus.OPEN: "待派单",
    TicketStatus.ASSIGNED: "已派单",
    TicketStatus.IN_PROGRESS: "处理中",
    TicketStatus.RESOLVED: "已办结待评价",
    TicketStatus.CLOSED: "已归档",
    TicketStatus.REOPENED: "已重新打开",
    TicketStatus.CANCELLED: "已取消",
}

# The rating buttons under a resolution, best first; the last one reopens the ticket.
RATINGS = ("非常满意", "满意", "一般", "不满意")
UNHAPPY = "不满意"
UNHAPPY_DEADLINE = timedelta(minutes=120)


def can(current: str, target: str) -> bool:
    return current in ALLOWED and TicketStatus(target) in ALLOWED[TicketStatus(current)]


def label(status: str) -> str:
    """A status as people read it (Simplified)."""
    return LABELS_HANS[TicketStatus(status)]


def refusal(ticket: Ticket, target: TicketStatus) -> DomainError:
    """Why `ticket` cannot become `target`, for the person who asked."""
    return DomainError(
        "err.bad_transition", number=ticket.number, status=label(ticket.status), target=label(target)
    )


async def start(
    tickets: TicketRepository,
    ticket: Ticket,
    assignee: Steward | None,
    *,
    actor: str,
    at: datetime,
    note: str,
) -> None:
    """Write a new ticket: opened by `actor`, and assigned to `assignee` by the system when
    there is one. One INSERT in its final status, and an audit event for each step."""
    ticket.status = TicketStatus.ASSIGNED if assignee is not None else TicketStatus.OPEN
    ticket.assignee_id = assignee.id if assignee is not None else None
    await tickets.add(ticket)
    await tickets.record(ticket, at=at, actor=actor, action="opened", to_status=TicketStatus.OPEN, note=note)
    if assignee is not None:
        await tickets.record(
            ticket,
            at=at,
            actor="system",
            action="assigned",
            from_status=TicketStatus.OPEN,
            to_status=TicketStatus.ASSIGNED,
            note=f"{assignee.role}:{assignee.id}",
        )


async def transition(
    tickets: TicketRepository,
    ticket: Ticket,
    target: TicketStatus,
    *,
    actor: str,
    at: datetime,
    action: str,
    note: str | None = None,
) -> None:
    """Move `ticket` to `target` or raise a DomainError naming why not. The database makes
    the change only if the row still has the status the ticket was loaded with (a conditional
    UPDATE), so of two concurrent changes one wins and the other is told, never both."""
    target = TicketStatus(target)  # an unknown status is a programming error: ValueError
    if not can(ticket.status, target):
        raise refusal(ticket, target)
    previous = ticket.status
    values: dict[str, object] = {"status": target.value, "updated_at": at}
    if target is TicketStatus.RESOLVED:
        values["resolved_at"] = at
    elif target in (TicketStatus.CLOSED, TicketStatus.CANCELLED):
        values["closed_at"] = at
    if not await tickets.move(ticket, expected=previous, values=values):
        # Someone else changed it first (two stewards accepting at once, a cancel racing a
        # resolve): the change that won stands, and this one is refused with what it became.
        raise DomainError(
            "err.ticket_moved", number=ticket.number, status=label(ticket.status), target=label(target)
        )
    await tickets.record(
        ticket, at=at, actor=actor, action=action, from_status=previous, to_status=target, note=note
    )


async def claim(
    tickets: TicketRepository, ticket: Ticket, steward_id: int, *, actor: str, at: datetime, note: str
) -> bool:
    """Give an unassigned ticket to the first steward who asks; False if someone else was first
    or the ticket moved on meanwhile (`ticket` then shows its current state).

    The change is allowed from the status the ticket was loaded in, and the database applies
    it only if the row still has that status and no assignee (the row count says who won), so
    a claim racing with another claim or with any other change never makes a transition the
    machine does not allow, and the audit event names the status the ticket really left."""
    previous = ticket.status
    if ticket.assignee_id is not None or not can(previous, TicketStatus.ASSIGNED):
        return False
    won = await tickets.claim(
        ticket, steward_id, from_status=previous, to_status=TicketStatus.ASSIGNED, at=at
    )
    if won:
        await tickets.record(
            ticket,
            at=at,
            actor=actor,
            action="claimed",
            from_status=previous,
            to_status=TicketStatus.ASSIGNED,
            note=note,
        )
    return won
