"""A ticket's status: the one definition every layer uses (the state machine that moves
between them is `handlers/tickets/lifecycle.py`)."""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    OPEN = "open"  # nobody assigned yet
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"  # waiting for the owner's rating (回访)
    CLOSED = "closed"
    REOPENED = "reopened"
    CANCELLED = "cancelled"


# Someone still owes the owner work.
ACTIVE: frozenset[TicketStatus] = frozenset(
    {TicketStatus.OPEN, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.REOPENED}
)
# The work is done (rated or not).
DONE: frozenset[TicketStatus] = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
