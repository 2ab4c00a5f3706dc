"""A report's figures, from the period's rows and nothing else (no database, no clock): the
tickets by category and building, SLA hits and misses, closure and satisfaction rates, the
daily owner-message trend and the places problems keep coming back to.

A ticket appears as a `TicketRow`: no unit, no owner, no text.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.reports.period import Period
from storage.directory.models import Community
from storage.opinion.models import OpinionAlert
from storage.tickets.models import Ticket
from storage.tickets.status import DONE

RATINGS = ("非常满意", "满意", "一般", "不满意")
SATISFIED = frozenset({"非常满意", "满意"})
TOP_CATEGORIES = 8
TOP_PLACES = 8


@dataclass(frozen=True)
class SlaCount:
    hit: int = 0
    missed: int = 0
    pending: int = 0

    @property
    def rate(self) -> float | None:
        decided = self.hit + self.missed
        return self.hit / decided if decided else None


def sla_outcome(done_at: datetime | None, due: datetime | None, as_of: datetime) -> str | None:
    """hit / missed / pending for one deadline; None when the ticket had no such deadline."""
    if due is None:
        return None
    if done_at is not None:
        return "hit" if done_at <= due else "missed"
    return "missed" if due < as_of else "pending"


def _count(outcomes: Sequence[str | None]) -> SlaCount:
    tally = Counter(o for o in outcomes if o)
    return SlaCount(tally["hit"], tally["missed"], tally["pending"])


@dataclass(frozen=True)
class VisitRule:
    """Which repairs are simple (categories), how soon they are visited (`within` minutes of
    the report, to the steward's 「已到场」) and the share to reach (`target`). The values are
    configured in handlers/tickets/data/sla.toml (`[visits]`); these are the document's."""

    simple: frozenset[str] = frozenset({"plumbing", "electrical", "other_repair"})
    within: int = 30
    target: float = 0.9


@dataclass(frozen=True)
class VisitShare:
    """Simple repairs of a period visited within the window, of all of them (cancelled ones
    left out; one nobody said they arrived at counts as not visited in time)."""

    visited: int
    total: int
    target: float

    @property
    def rate(self) -> float | None:
        return self.visited / self.total if self.total else None

    @property
    def met(self) -> bool | None:
        rate = self.rate
        return None if rate is None else rate >= self.target


def simple_visits(tickets: Sequence[Ticket], rule: VisitRule) -> VisitShare:
    """The share of the simple repairs among `tickets` visited within `rule.within` minutes."""
    simple = [
        t for t in tickets if t.kind == "repair" and t.category in rule.simple and t.status != "cancelled"
    ]
    window = rule.within * 60
    visited = sum(
        1
        for t in simple
        if t.arrived_at is not None and (t.arrived_at - t.created_at).total_seconds() <= window
    )
    return VisitShare(visited, len(simple), rule.target)


@dataclass(frozen=True)
class CallbackRate:
    """The 回访 rate (issue 21, item 5): `done` of the `due` return visits."""

    due: int = 0
    done: int = 0

    @property
    def rate(self) -> float | None:
        return self.done / self.due if self.due else None


# A call that reached the owner, refused included (they were reached, and declined).
CALLED = frozenset({"reached", "refused"})


def callback_rate(tickets: Sequence[Ticket], calls: Mapping[int, str | None]) -> CallbackRate:
    """Of the tickets owed a 回访 (closed, with an owner to ask: patrol-found and cancelled
    ones are not), those whose owner's rating is known, given in chat or by phone, or whose
    call reached the owner. `calls`: each listed ticket's call outcome (None: not yet called
    or not reached)."""
    due = [t for t in tickets if t.status == "closed" and t.owner_member_id is not None]
    done = sum(1 for t in due if t.rating is not None or calls.get(t.id) in CALLED)
    return CallbackRate(len(due), done)


@dataclass(frozen=True)
class TicketRow:
    """One ticket as reports show it: no unit, no owner, no text."""

    number: str
    kind: str
    category: str
    building: str
    priority: str
    status: str
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    response_minutes: float | None
    resolution_hours: float | None
    response_sla: str | None
    resolve_sla: str | None
    rating: str | None
    assignee_id: int | None = None
    assignee: str = ""  # the steward's name (staff-only files)
    reopened: bool = False  # reopened at least once (not a first-time fix)


@dataclass(frozen=True)
class LowRating:
    """A ticket of the period an owner rated 「一般」 or 「不满意」, with what they said after
    (masked), for the monthly review."""

    number: str
    category: str
    assignee: str
    rating: str
    reasons: tuple[str, ...]


@dataclass
class ServiceReport:
    community_code: str
    community_name: str
    lang: str
    tz: ZoneInfo
    period: Period
    as_of: datetime
    rows: list[TicketRow] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_building: list[tuple[str, int]] = field(default_factory=list)
    response: SlaCount = SlaCount()
    resolution: SlaCount = SlaCount()
    closure_rate: float | None = None
    ratings: dict[str, int] = field(default_factory=dict)
    daily: list[tuple[date, int, int]] = field(default_factory=list)  # (day, messages, negative)
    places: list[tuple[str, str, int]] = field(default_factory=list)  # (building, category, n)
    alerts: dict[str, int] = field(default_factory=dict)
    low_ratings: list[LowRating] = field(default_factory=list)
    visits: VisitShare | None = None  # simple repairs visited in time (`simple_visits`)
    visit_minutes: int = VisitRule.within
    callbacks: CallbackRate = CallbackRate()

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def empty(self) -> bool:
        """Nothing happened: no ticket, no owner message, no alert."""
        return not self.rows and not self.messages and not self.alerts

    @property
    def by_kind(self) -> Counter[str]:
        """Counted tickets (not cancelled) by kind: repair, complaint, inquiry."""
        return Counter(r.kind for r in self.counted)

    @property
    def counted(self) -> list[TicketRow]:
        return [r for r in self.rows if r.status != "cancelled"]

    @property
    def done(self) -> int:
        return sum(1 for r in self.counted if r.status in DONE)

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfaction(self) -> float | None:
        rated = self.rated
        return sum(n for k, n in self.ratings.items() if k in SATISFIED) / rated if rated else None

    @property
    def median_response_minutes(self) -> float | None:
        values = [r.response_minutes for r in self.counted if r.response_minutes is not None]
        return statistics.median(values) if values else None

    @property
    def median_resolution_hours(self) -> float | None:
        values = [r.resolution_hours for r in self.counted if r.resolution_hours is not None]
        return statistics.median(values) if values else None

    @property
    def messages(self) -> int:
        return sum(m for _, m, _ in self.daily)

    @property
    def negative(self) -> int:
        return sum(n for _, _, n in self.daily)


def ticket_row(
    ticket: Ticket,
    category: str,
    building: str,
    as_of: datetime,
    assignee: str = "",
    reopened: bool = False,
) -> TicketRow:
    response = resolution = None
    if ticket.first_response_at is not None:
        response = (ticket.first_response_at - ticket.created_at).total_seconds() / 60
    finished = ticket.resolved_at or ticket.closed_at
    if finished is not None and ticket.status in DONE:
        resolution = (finished - ticket.created_at).total_seconds() / 3600
    cancelled = ticket.status == "cancelled"
    return TicketRow(
        number=ticket.number,
        kind=ticket.kind,
        category=category,
        building=building,
        priority=ticket.priority,
        status=ticket.status,
        created_at=ticket.created_at,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        response_minutes=response,
        resolution_hours=resolution,
        response_sla=None
        if cancelled
        else sla_outcome(ticket.first_response_at, ticket.respond_due_at, as_of),
        resolve_sla=None if cancelled else sla_outcome(finished, ticket.resolve_due_at, as_of),
        rating=ticket.rating,
        assignee_id=ticket.assignee_id,
        assignee=assignee,
        reopened=reopened,
    )


def build_report(
    community: Community,
    period: Period,
    tickets: Sequence[Ticket],
    messages: Sequence[tuple[datetime, bool]],
    alerts: Sequence[OpinionAlert],
    category_label: Callable[[Ticket], str],
    building_label: Callable[[str | None], str],
    as_of: datetime,
    assignees: Mapping[int, str] | None = None,
    reopened: Collection[int] = (),
    low_ratings: Sequence[LowRating] = (),
    visits: VisitRule | None = None,
    calls: Mapping[int, str | None] | None = None,
) -> ServiceReport:
    """Everything a report shows, from the period's rows (pure; no database, no clock).
    `assignees`: stewards' names by id; `reopened`: the ids of tickets reopened at least once."""
    tz = ZoneInfo(community.timezone)
    report = ServiceReport(community.code, community.name, community.language, tz, period, as_of)
    names = assignees or {}
    report.rows = [
        ticket_row(
            t,
            category_label(t),
            building_label(t.building),
            as_of,
            names.get(t.assignee_id, "") if t.assignee_id is not None else "",
            t.id in reopened,
        )
        for t in tickets
    ]
    report.low_ratings = list(low_ratings)
    counted = report.counted
    report.by_category = Counter(r.category for r in counted).most_common(TOP_CATEGORIES)
    report.by_building = sorted(Counter(r.building for r in counted).items(), key=lambda kv: (-kv[1], kv[0]))
    report.response = _count([r.response_sla for r in counted])
    report.resolution = _count([r.resolve_sla for r in counted])
    report.closure_rate = report.done / len(counted) if counted else None
    report.callbacks = callback_rate(tickets, calls or {})
    ratings = Counter(r.rating for r in counted if r.rating)
    report.ratings = {k: ratings.get(k, 0) for k in RATINGS} | {
        k: n for k, n in ratings.items() if k not in RATINGS
    }
    today = as_of.astimezone(tz).date()  # a period still running is drawn up to today
    per_day: dict[date, list[int]] = {day: [0, 0] for day in period.dates() if day <= today}
    for sent_at, negative in messages:
        bucket = per_day.get(sent_at.astimezone(tz).date())
        if bucket is not None:
            bucket[0] += 1
            bucket[1] += int(negative)
    report.daily = [(day, counts[0], counts[1]) for day, counts in sorted(per_day.items())]
    places = Counter((r.building, r.category) for r in counted)
    report.places = [(b, c, n) for (b, c), n in places.most_common() if n >= 2][:TOP_PLACES]
    report.alerts = dict(Counter(a.kind for a in alerts)) | {
        f"state:{k}": n for k, n in Counter(a.state for a in alerts).items()
    }
    rule = visits or VisitRule()
    report.visits = simple_visits(tickets, rule)
    report.visit_minutes = rule.within
    return report
