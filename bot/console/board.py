"""The board: the open tickets a person may see, with each one's SLA state, late ones first.

The SLA state is the share of the ticket's current window that has passed, as the SLA watch
counts it (`handlers.tickets.elapsed_share`: working time where the policy says so): on time
(< 80 %), at 80 %, breached (≥ 100 %), or 2× (≥ 200 %, the manager's level)."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from handlers.console import Person
from handlers.tickets import SlaBook, TicketService, elapsed_share, phase_of
from storage.console.repository import BoardFilter, BoardLine
from storage.directory.models import Community, Steward
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
    ticket: BoardLine
    community: Community
    assignee: Steward | None
    share: float
    state: str
    summary: str = ""


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
    with collections_paused():
        rows = shares(book, found, by_id, staff, zones, now)
    shown = rows[:SHOWN]
    summaries = await uow.console.summaries([r.ticket.id for r in shown])
    shown = [replace(r, ticket=r.ticket.aware(), summary=summaries.get(r.ticket.id, "")) for r in shown]
    counts: Counter[tuple[str, str]] = Counter((r.ticket.status, r.state) for r in rows)
    buildings = sorted({b for c in communities for b in c.buildings})
    categories = sorted(tickets.classifier.categories())
    return Board(shown, len(rows), counts, communities, stewards, buildings, categories, where)


@contextmanager
def collections_paused() -> Iterator[None]:
    """No garbage collection while the board's rows are made: tens of thousands of short-lived
    objects set off full collections of the process's large heap (the classifier's tables),
    which took a third of the board's time and most of its slowest answers (bench/console.py).
    Nothing in the block awaits, so no other request runs with collections paused."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def shares(
    book: SlaBook,
    found: list[BoardLine],
    by_id: dict[int, Community],
    staff: dict[int, Steward],
    zones: dict[int, ZoneInfo],
    now: datetime,
) -> list[Row]:
    """Each line with its SLA share and state, late first."""
    naive_now = now.astimezone(UTC).replace(tzinfo=None)
    in_hours: dict[tuple[str, str | None, str], bool] = {}
    rows = []
    for line in found:
        key = (line.kind, line.category, line.priority)
        counts_hours = in_hours.get(key)
        if counts_hours is None:
            counts_hours = in_hours[key] = book.policy_for(*key).working_hours
        # Wall-clock windows only subtract: naive UTC times (SQLite's) need no time zone. A
        # window counted in working hours converts to local time, so it gets aware ones.
        if line.naive and not counts_hours:
            share = elapsed_share(book, line, phase_of(line), naive_now, zones[line.community_id])
        else:
            aware = line.aware()
            share = elapsed_share(book, aware, phase_of(aware), now, zones[line.community_id])
        assignee = staff.get(line.assignee_id) if line.assignee_id is not None else None
        rows.append(Row(line, by_id[line.community_id], assignee, share, state_of(share)))
    rows.sort(key=lambda r: (-r.share, r.ticket.created_at, r.ticket.id))
    return rows
