"""The board: the open tickets a person may see, with each one's SLA state, late ones first.

The SLA state is the share of the ticket's current window that has passed, as the SLA watch
counts it (`handlers.tickets.elapsed_share`: working time where the policy says so): on time
(< 80 %), at 80 %, breached (≥ 100 %), or 2× (≥ 200 %, the manager's level)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.console import Person
from handlers.tickets import SlaBook, TicketService, elapsed_share, phase_of
from storage.console.repository import BoardFilter
from storage.directory.models import Community, Steward
from storage.tickets.models import Ticket
from storage.tickets.status import TicketStatus
from storage.uow import UnitOfWork

STATES = ("double", "breached", "warn", "ok")  # late first
STATUSES = (TicketStatus.OPEN, TicketStatus.REOPENED, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS)
SHOWN = 200  # rows on the page; the counts cover all


def state_of(share: float) -> str:
    if share >= 2.0:
        return "double"
    if share >= 1.0:
        return "breached"
    if share >= 0.8:
        return "warn"
    return "ok"


@dataclass(frozen=True)
class Row:
    ticket: Ticket
    community: Community
    assignee: Steward | None
    share: float
    state: str


@dataclass(frozen=True)
class Board:
    rows: list[Row]
    total: int
    counts: Counter[tuple[str, str]]  # (status, state) → tickets
    communities: list[Community]
    stewards: list[Steward]
    buildings: list[str]
    categories: list[str]
    where: BoardFilter = field(default_factory=BoardFilter)

    def count(self, status: str, state: str) -> int:
        return self.counts.get((status, state), 0)

    def state_total(self, state: str) -> int:
        return sum(n for (_, s), n in self.counts.items() if s == state)


async def board(
    uow: UnitOfWork, tickets: TicketService, person: Person, where: BoardFilter, now: datetime
) -> Board:
    """The board for `person` narrowed by `where` (a community they do not see shows nothing)."""
    communities = [c for c in await uow.directory.communities() if person.sees(c.id)]
    by_id = {c.id: c for c in communities}
    stewards: list[Steward] = []
    for community in communities:
        stewards.extend(await uow.directory.roster(community.id))
    staff = {s.id: s for s in stewards}
    found = await uow.console.open_tickets(list(by_id), where)
    book: SlaBook = tickets.sla
    zones = {c.id: ZoneInfo(c.timezone) for c in communities}
    rows = []
    for ticket in found:
        share = elapsed_share(book, ticket, phase_of(ticket), now, zones[ticket.community_id])
        assignee = staff.get(ticket.assignee_id) if ticket.assignee_id is not None else None
        rows.append(Row(ticket, by_id[ticket.community_id], assignee, share, state_of(share)))
    rows.sort(key=lambda r: (-r.share, r.ticket.created_at))
    counts: Counter[tuple[str, str]] = Counter((r.ticket.status, r.state) for r in rows)
    buildings = sorted({b for c in communities for b in c.buildings})
    categories = sorted(tickets.classifier.categories())
    return Board(rows[:SHOWN], len(rows), counts, communities, stewards, buildings, categories, where)
