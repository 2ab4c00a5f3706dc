"""SLA policies as data, the deadline arithmetic (calendar or working time), and how far a
ticket is into its current window (what the SLA watch, `jobs.py`, acts on).

Pure functions: no I/O beyond reading the policy file once, no clock of their own.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from storage.tickets.status import TicketStatus

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "sla.toml"


class PolicyError(Exception):
    pass


@dataclass(frozen=True)
class WorkingHours:
    start: time
    end: time
    days: frozenset[int]  # ISO weekdays

    def day_minutes(self) -> int:
        """The length of a working day."""
        start = self.start.hour * 60 + self.start.minute
        end = 24 * 60 if self.end == time.max else self.end.hour * 60 + self.end.minute
        return end - start

    def add(self, start: datetime, minutes: float, tz: ZoneInfo) -> datetime:
        """`start` plus `minutes` of working time in zone `tz` (UTC in, UTC out)."""
        local = start.astimezone(tz)
        remaining = timedelta(minutes=minutes)
        for _ in range(3660):  # at most ten years of days; ends long before
            day_start = datetime.combine(local.date(), self.start, tz)
            day_end = datetime.combine(local.date(), self.end, tz)
            if local.isoweekday() in self.days and local < day_end:
                begin = max(local, day_start)
                available = day_end - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(UTC)
                remaining -= available
            local = datetime.combine(local.date() + timedelta(days=1), time(0), tz)
        raise PolicyError("working hours never open")

    def elapsed(self, start: datetime, end: datetime, tz: ZoneInfo) -> timedelta:
        """Working time between two instants."""
        total = timedelta()
        local = start.astimezone(tz)
        stop = end.astimezone(tz)
        while local < stop:
            day_start = datetime.combine(local.date(), self.start, tz)
            day_end = datetime.combine(local.date(), self.end, tz)
            if local.isoweekday() in self.days:
                begin, finish = max(local, day_start), min(stop, day_end)
                if finish > begin:
                    total += finish - begin
            local = datetime.combine(local.date() + timedelta(days=1), time(0), tz)
        return total


@dataclass(frozen=True)
class Policy:
    name: str
    respond: int  # minutes
    resolve: int
    onsite: int | None = None
    # An open ticket's steward is asked for a progress note every `progress` minutes (urgent).
    progress: int | None = None
    kind: str | None = None
    category: str | None = None
    priority: str | None = None
    working_hours: bool = False

    def specificity(self) -> int:
        """Priority outranks category, and category outranks kind: an urgent ticket keeps the
        urgent clock whatever its category (a fallen fitness frame that hurt a child is not a
        5-day facility repair)."""
        return (4 if self.priority else 0) + (2 if self.category else 0) + (1 if self.kind else 0)

    def matches(self, kind: str, category: str | None, priority: str) -> bool:
        return (
            (self.kind is None or self.kind == kind)
            and (self.category is None or self.category == category)
            and (self.priority is None or self.priority == priority)
        )


@dataclass(frozen=True)
class Visits:
    """Simple repairs visited quickly: the share of tickets of the `simple` categories whose
    steward was on site within `within` minutes of the report (its target is `visit_30min`
    in `[targets]`, with the reports' other targets)."""

    simple: frozenset[str] = frozenset({"plumbing", "electrical", "other_repair"})
    within: int = 30


@dataclass(frozen=True)
class Deadlines:
    policy: str
    respond_due: datetime
    resolve_due: datetime
    onsite_due: datetime | None
    respond_minutes: int
    # Minutes in a working day when the windows count working time (None: calendar time), so
    # a promise says 「1个工作日」, not the 「9小时」 a window of 540 working minutes is not.
    working_day: int | None = None


@dataclass(frozen=True)
class RatingTimes:
    """The 回访 clock (`[rating]` in sla.toml): a resolved ticket nobody rated is closed after
    `wait` and put on the stewards' call list; its owner is reminded once, `remind_before`
    the close (the documents: a day before)."""

    wait: timedelta = timedelta(days=3)
    remind_before: timedelta = timedelta(hours=24)

    @property
    def remind_at(self) -> timedelta:
        """How long after the rating request the reminder goes."""
        return max(self.wait - self.remind_before, timedelta())


class SlaBook:
    def __init__(
        self,
        policies: list[Policy],
        hours: WorkingHours,
        visits: Visits | None = None,
        rating: RatingTimes | None = None,
        sections: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        if not policies:
            raise PolicyError("no SLA policies")
        self.policies = sorted(policies, key=lambda p: -p.specificity())
        self.hours = hours
        self.visits = visits or Visits()
        self.rating = rating or RatingTimes()
        # The file's other tables (e.g. `[opinion]`), read by the policies of other features.
        self.sections = sections or {}

    @classmethod
    def load(cls, path: Path | None = None) -> SlaBook:
        path = path or DEFAULT_FILE
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise PolicyError(f"{path}: {exc}") from exc
        return cls.from_mapping(data, str(path))

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str = "sla") -> SlaBook:
        wh = data.get("working_hours", {})
        try:
            hours = WorkingHours(
                start=time.fromisoformat(wh.get("start", "08:30")),
                end=time.fromisoformat(wh.get("end", "17:30")),
                days=frozenset(int(d) for d in wh.get("days", [1, 2, 3, 4, 5])),
            )
        except (TypeError, ValueError) as exc:
            raise PolicyError(f"{source}: working_hours: {exc}") from exc
        policies = []
        for index, raw in enumerate(data.get("policy", [])):
            try:
                policy = Policy(**raw)
                if policy.respond <= 0 or policy.resolve < policy.respond:
                    raise ValueError("need 0 < respond <= resolve")
            except (TypeError, ValueError) as exc:
                raise PolicyError(f"{source}: policy[{index}] ({raw.get('name', '?')}): {exc}") from exc
            if policy.progress is not None and policy.progress <= 0:
                raise PolicyError(f"{source}: policy[{index}] ({policy.name}): need progress > 0")
            policies.append(policy)
        raw_visits = data.get("visits", {})
        try:
            visits = Visits(
                simple=frozenset(str(c) for c in raw_visits.get("simple", sorted(Visits.simple))),
                within=int(raw_visits.get("within", Visits.within)),
            )
            if visits.within <= 0:
                raise ValueError("need within > 0")
            unknown = set(raw_visits) - {"simple", "within"}
            if unknown:
                raise ValueError(
                    f"unknown {', '.join(sorted(unknown))} (the target is [targets] visit_30min)"
                )
        except (TypeError, ValueError) as exc:
            raise PolicyError(f"{source}: visits: {exc}") from exc
        raw_rating = data.get("rating", {})
        try:
            rating = RatingTimes(
                wait=timedelta(hours=float(raw_rating.get("close_after_hours", 72))),
                remind_before=timedelta(hours=float(raw_rating.get("remind_before_hours", 24))),
            )
            if rating.wait <= timedelta() or rating.remind_before < timedelta():
                raise ValueError("need close_after_hours > 0 and remind_before_hours >= 0")
        except (TypeError, ValueError) as exc:
            raise PolicyError(f"{source}: rating: {exc}") from exc
        sections = {
            name: dict(value)
            for name, value in data.items()
            if isinstance(value, dict) and name not in ("working_hours", "rating")
        }
        return cls(policies, hours, visits, rating, sections)

    def policy_for(self, kind: str, category: str | None, priority: str) -> Policy:
        for policy in self.policies:
            if policy.matches(kind, category, priority):
                return policy
        raise PolicyError(f"no SLA policy for {kind}/{category}/{priority}")

    def deadlines(
        self, kind: str, category: str | None, priority: str, start: datetime, tz: ZoneInfo
    ) -> Deadlines:
        policy = self.policy_for(kind, category, priority)
        return Deadlines(
            policy=policy.name,
            respond_due=self.add(policy, start, policy.respond, tz),
            resolve_due=self.add(policy, start, policy.resolve, tz),
            onsite_due=self.add(policy, start, policy.onsite, tz) if policy.onsite else None,
            respond_minutes=policy.respond,
            working_day=self.hours.day_minutes() if policy.working_hours else None,
        )

    def add(self, policy: Policy, start: datetime, minutes: float, tz: ZoneInfo) -> datetime:
        if policy.working_hours:
            return self.hours.add(start, minutes, tz)
        return start + timedelta(minutes=minutes)


# -- how far into its window a ticket is -----------------------------------------------------
@dataclass(frozen=True)
class Level:
    """A share of the current window at which someone is told, once."""

    name: str  # the audit action
    share: float  # of the phase's window
    text_key: str
    chat_role: str
    mention_role: str  # "assignee" | "supervisor" | "manager"


# 80 % → a reminder to the assignee in the stewards' group; 100 % → escalation to the
# supervisors' chat; 200 % → to the manager.
LEVELS = (
    Level("sla_reminder", 0.8, "sla.reminder", "stewards", "assignee"),
    Level("sla_breach", 1.0, "sla.breach", "supervisors", "supervisor"),
    Level("sla_manager", 2.0, "sla.manager", "management", "manager"),
)
# A resolved ticket nobody rated in this long is closed as unrated (the default of
# `[rating] close_after_hours`; `SlaBook.rating` holds the configured one).
RATING_WAIT = RatingTimes().wait


def progress_interval(book: SlaBook, ticket: Timed) -> timedelta | None:
    """How often an open ticket's steward is asked for a progress note (None: never)."""
    minutes = book.policy_for(ticket.kind, ticket.category, ticket.priority).progress
    return timedelta(minutes=minutes) if minutes else None


class Timed(Protocol):
    """What the SLA arithmetic reads of a ticket: a `Ticket`, or a lighter row of the same
    fields (the web console's board reads thousands)."""

    @property
    def kind(self) -> str: ...
    @property
    def category(self) -> str | None: ...
    @property
    def priority(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def sla_started_at(self) -> datetime | None: ...
    @property
    def respond_due_at(self) -> datetime | None: ...
    @property
    def resolve_due_at(self) -> datetime | None: ...
    @property
    def onsite_due_at(self) -> datetime | None: ...
    @property
    def first_response_at(self) -> datetime | None: ...


def phase_of(ticket: Timed) -> str:
    """ "respond" until someone first accepted the ticket, then "resolve"."""
    if ticket.first_response_at is None and ticket.status in (
        TicketStatus.OPEN,
        TicketStatus.ASSIGNED,
        TicketStatus.REOPENED,
    ):
        return "respond"
    return "resolve"


def elapsed_share(book: SlaBook, ticket: Timed, phase: str, now: datetime, tz: ZoneInfo) -> float:
    """How much of the phase's window has passed (1.0 = at the deadline), in working time
    when the ticket's policy counts working hours."""
    start = ticket.sla_started_at or ticket.created_at
    due = {"respond": ticket.respond_due_at, "onsite": ticket.onsite_due_at}.get(phase, ticket.resolve_due_at)
    if due is None or due <= start:
        return 0.0
    policy = book.policy_for(ticket.kind, ticket.category, ticket.priority)
    if policy.working_hours and ticket.status != TicketStatus.REOPENED:
        total = book.hours.elapsed(start, due, tz)
        spent = book.hours.elapsed(start, now, tz)
    else:
        total, spent = due - start, now - start
    return spent / total if total.total_seconds() > 0 else 0.0
