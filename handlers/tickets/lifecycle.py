"""The ticket state machine: the one place that says which status may follow which.

    open ──► assigned ──► in_progress ──► resolved ──► closed
      │          │             │              │
      │          └─────────────┴──► resolved  └──► reopened ──► assigned / in_progress / resolved
      └──────────┴─────────────┴──► cancelled (supervisors only; from any open status)

Every change goes through `transition`, which also writes the audit event.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.errors import DomainError
from storage.tickets.models import Ticket
from storage.tickets.repository import TicketRepository
from storage.tickets.status import TicketStatus

OPEN = TicketStatus.OPEN
ASSIGNED = TicketStatus.ASSIGNED
IN_PROGRESS = TicketStatus.IN_PROGRESS
RESOLVED = TicketStatus.RESOLVED
CLOSED = TicketStatus.CLOSED
REOPENED = TicketStatus.REOPENED
CANCELLED = TicketStatus.CANCELLED

STATUSES = tuple(TicketStatus)

ALLOWED: dict[str, frozenset[TicketStatus]] = {
    OPEN: frozenset({ASSIGNED, CANCELLED}),
    ASSIGNED: frozenset({IN_PROGRESS, RESOLVED, CANCELLED}),
    IN_PROGRESS: frozenset({RESOLVED, CANCELLED}),
    RESOLVED: frozenset({CLOSED, REOPENED}),
    REOPENED: frozenset({ASSIGNED, IN_PROGRESS, RESOLVED, CANCELLED}),
    CLOSED: frozenset(),
    CANCELLED: frozenset(),
}

LABELS_HANS: dict[str, str] = {
    OPEN: "待派单",
    ASSIGNED: "已派单",
    IN_PROGRESS: "处理中",
    RESOLVED: "已办结待评价",
    CLOSED: "已归档",
    REOPENED: "已重新打开",
    CANCELLED: "已取消",
}


def can(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())


async def transition(
    tickets: TicketRepository,
    ticket: Ticket,
    target: str,
    *,
    actor: str,
    at: datetime,
    action: str,
    note: str | None = None,
) -> None:
    """Move `ticket` to `target` or raise a DomainError naming why not."""
    if target not in STATUSES:
        raise ValueError(f"unknown status {target!r}")
    if not can(ticket.status, target):
        raise DomainError(
            "err.bad_transition",
            number=ticket.number,
            status=LABELS_HANS[ticket.status],
            target=LABELS_HANS[target],
        )
    previous = ticket.status
    ticket.status = target
    ticket.updated_at = at
    if target == RESOLVED:
        ticket.resolved_at = at
    elif target in (CLOSED, CANCELLED):
        ticket.closed_at = at
    await tickets.record(
        ticket, at=at, actor=actor, action=action, from_status=previous, to_status=target, note=note
    )
