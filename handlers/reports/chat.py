"""Service reports: weekly and monthly pictures of a community's service, for the supervisors
and, stripped of personal data, for the owners.

A report covers the tickets opened in the period (by category and building, SLA hit rates,
first-response and resolution times, closure rate, satisfaction), the owners' negative-opinion
trend, and the problems that keep coming back to one place. It is computed once
(`build_report`, pure), then drawn (`handlers.charts`) and exported as CSV.

The monthly report goes to the supervisors on a set day; `/report` in a staff chat draws one
on demand; 「发布业主版」 posts the owner summary (no units, no names, no phone numbers, no
message text) to the owner groups; `steward report` writes the files to a directory.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import statistics
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.events import Button, Outgoing
from bot.core.feature import Scheduler
from bot.core.outbox import send_to_chat
from bot.core.roles import Role
from bot.core.router import Router
from bot.core.runtime import Runtime
from bot.core.services import Services
from handlers.reports.buttons import PublishPress
from handlers.reports.charts import Bars, Sheet, Trend, find_cjk_font, render
from storage.directory.models import Community
from storage.opinion.models import OpinionAlert
from storage.opinion.repository import OpinionRepository
from storage.tickets.models import Ticket
from storage.tickets.status import DONE
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

router = Router(name="reports")

Say = Callable[..., str]

RATINGS = ("非常满意", "满意", "一般", "不满意")
SATISFIED = frozenset({"非常满意", "满意"})
TOP_CATEGORIES = 8
TOP_PLACES = 8


@dataclass(frozen=True)
class ReportPolicy:
    out_dir: Path
    monthly_day: int = 1
    report_time: time = time(9, 0)


def policy_of(services: Services) -> ReportPolicy:
    policy = services.extras.get("reports")
    if isinstance(policy, ReportPolicy):
        return policy
    return ReportPolicy(Path(tempfile.gettempdir()) / "steward-reports")


# -- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC for a calendar month or an ISO week in a community's time zone."""

    kind: str  # month | week
    label: str  # 2026-11 | 2026-W47
    start: datetime
    end: datetime
    first_day: date
    days: int

    @classmethod
    def month(cls, year: int, month: int, tz: ZoneInfo) -> Period:
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return cls._make("month", f"{year:04d}-{month:02d}", first, following, tz)

    @classmethod
    def week(cls, year: int, week: int, tz: ZoneInfo) -> Period:
        first = date.fromisocalendar(year, week, 1)
        return cls._make("week", f"{year:04d}-W{week:02d}", first, first + timedelta(days=7), tz)

    @classmethod
    def _make(cls, kind: str, label: str, first: date, following: date, tz: ZoneInfo) -> Period:
        start = datetime.combine(first, time(0), tz)
        end = datetime.combine(following, time(0), tz)
        return cls(kind, label, start, end, first, (following - first).days)

    @classmethod
    def parse(cls, text: str, tz: ZoneInfo) -> Period:
        """2026-11 (a month) or 2026-W47 (an ISO week); ValueError otherwise."""
        text = text.strip().upper()
        try:
            if "-W" in text:
                year, week = text.split("-W")
                return cls.week(int(year), int(week), tz)
            year, month = text.split("-")
            if len(year) == 4 and 1 <= int(month) <= 12:
                return cls.month(int(year), int(month), tz)
        except ValueError:
            pass
        raise ValueError(f"not a month (2026-11) or an ISO week (2026-W47): {text!r}")

    @classmethod
    def containing(cls, kind: str, when: datetime, tz: ZoneInfo) -> Period:
        day = when.astimezone(tz).date()
        if kind == "week":
            year, week, _ = day.isocalendar()
            return cls.week(year, week, tz)
        return cls.month(day.year, day.month, tz)

    def previous(self, tz: ZoneInfo) -> Period:
        return Period.containing(self.kind, self.start - timedelta(days=1), tz)

    def dates(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range(self.days)]


# -- the report ---------------------------------------------------------------------------------


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

    @property
    def total(self) -> int:
        return len(self.rows)

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


def ticket_row(ticket: Ticket, category: str, building: str, as_of: datetime) -> TicketRow:
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
) -> ServiceReport:
    """Everything a report shows, from the period's rows (pure; no database, no clock)."""
    tz = ZoneInfo(community.timezone)
    report = ServiceReport(community.code, community.name, community.language, tz, period, as_of)
    report.rows = [ticket_row(t, category_label(t), building_label(t.building), as_of) for t in tickets]
    counted = report.counted
    report.by_category = Counter(r.category for r in counted).most_common(TOP_CATEGORIES)
    report.by_building = sorted(Counter(r.building for r in counted).items(), key=lambda kv: (-kv[1], kv[0]))
    report.response = _count([r.response_sla for r in counted])
    report.resolution = _count([r.resolve_sla for r in counted])
    report.closure_rate = report.done / len(counted) if counted else None
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
    return report


async def gather_report(
    store: UnitOfWork, services: Services, community: Community, period: Period, as_of: datetime
) -> ServiceReport:
    repo = store.reports
    tickets = await repo.tickets_created(community.id, period.start, period.end)
    messages = await repo.owner_message_times(community.id, period.start, period.end)
    alerts = await repo.alerts(community.id, period.start, period.end)
    say: Say = partial(services.texts.render, lang=community.language)
    traditional = community.language.startswith("zh-Hant")

    def category_label(ticket: Ticket) -> str:
        code = ticket.category or ticket.kind
        try:
            return services.classifier.category_label(code, traditional)
        except KeyError:
            return (
                say(f"rp.kind.{ticket.kind}") if ticket.kind in ("repair", "complaint", "inquiry") else code
            )

    def building_label(building: str | None) -> str:
        return say("rp.building", b=building) if building else say("rp.building.none")

    return build_report(community, period, tickets, messages, alerts, category_label, building_label, as_of)


# -- output: CSV, charts, text ------------------------------------------------------------------

TICKET_COLUMNS = (
    "number",
    "kind",
    "category",
    "building",
    "priority",
    "status",
    "created_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "response_minutes",
    "resolution_hours",
    "response_sla",
    "resolve_sla",
    "rating",
)
DAILY_COLUMNS = ("date", "messages", "negative", "negative_share")
SUMMARY_COLUMNS = ("metric", "value")


def _when(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).isoformat(timespec="minutes") if value else ""


def _num(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def summary_rows(report: ServiceReport) -> list[tuple[str, str]]:
    rows = [
        ("community", report.community_code),
        ("period", report.period.label),
        ("tickets", str(report.total)),
        ("tickets_counted", str(len(report.counted))),
        ("done", str(report.done)),
        ("closure_rate", _num(report.closure_rate, 3)),
        ("response_sla_hit", str(report.response.hit)),
        ("response_sla_missed", str(report.response.missed)),
        ("response_sla_rate", _num(report.response.rate, 3)),
        ("resolve_sla_hit", str(report.resolution.hit)),
        ("resolve_sla_missed", str(report.resolution.missed)),
        ("resolve_sla_rate", _num(report.resolution.rate, 3)),
        ("median_response_minutes", _num(report.median_response_minutes)),
        ("median_resolution_hours", _num(report.median_resolution_hours)),
        ("rated", str(report.rated)),
        ("satisfaction", _num(report.satisfaction, 3)),
        ("messages", str(report.messages)),
        ("negative_messages", str(report.negative)),
        ("alerts", str(sum(n for k, n in report.alerts.items() if not k.startswith("state:")))),
    ]
    rows += [(f"rating:{k}", str(n)) for k, n in report.ratings.items()]
    rows += [(f"alerts:{k}", str(n)) for k, n in sorted(report.alerts.items())]
    return rows


def write_csv(report: ServiceReport, out_dir: Path, stem: str) -> list[Path]:
    """tickets, daily opinion and summary CSVs (UTF-8 with BOM, so Excel reads the Chinese)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tz = report.tz
    paths = []
    tickets = out_dir / f"{stem}-tickets.csv"
    with tickets.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(TICKET_COLUMNS)
        for r in report.rows:
            writer.writerow(
                [
                    r.number,
                    r.kind,
                    r.category,
                    r.building,
                    r.priority,
                    r.status,
                    _when(r.created_at, tz),
                    _when(r.first_response_at, tz),
                    _when(r.resolved_at, tz),
                    _when(r.closed_at, tz),
                    _num(r.response_minutes),
                    _num(r.resolution_hours),
                    r.response_sla or "",
                    r.resolve_sla or "",
                    r.rating or "",
                ]
            )
    paths.append(tickets)
    daily = out_dir / f"{stem}-daily.csv"
    with daily.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(DAILY_COLUMNS)
        for day, messages, negative in report.daily:
            writer.writerow(
                [day.isoformat(), messages, negative, _num(negative / messages if messages else None, 3)]
            )
    paths.append(daily)
    summary = out_dir / f"{stem}-summary.csv"
    with summary.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(SUMMARY_COLUMNS)
        writer.writerows(summary_rows(report))
    paths.append(summary)
    return paths


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def period_name(say: Say, period: Period) -> str:
    if period.kind == "month":
        return say("rp.period.month", year=period.first_day.year, month=period.first_day.month)
    year, week, _ = period.first_day.isocalendar()
    last = period.first_day + timedelta(days=period.days - 1)
    return say(
        "rp.period.week",
        year=year,
        week=week,
        start=period.first_day.strftime("%m-%d"),
        end=last.strftime("%m-%d"),
    )


def staff_sheet(report: ServiceReport, say: Say) -> Sheet:
    rates = [
        (say("rp.metric.response_sla"), report.response.rate),
        (say("rp.metric.resolve_sla"), report.resolution.rate),
        (say("rp.metric.closure"), report.closure_rate),
        (say("rp.metric.satisfaction"), report.satisfaction),
    ]
    known = [(label, value) for label, value in rates if value is not None]
    median_response = report.median_response_minutes
    median_resolution = report.median_resolution_hours
    subtitle = say(
        "rp.subtitle",
        total=report.total,
        response="-" if median_response is None else f"{median_response:.0f}",
        resolution="-" if median_resolution is None else f"{median_resolution:.1f}",
        messages=report.messages,
        negative=report.negative,
        alerts=sum(n for k, n in report.alerts.items() if not k.startswith("state:")),
    )
    return Sheet(
        title=say("rp.title.staff", community=report.community_name, period=period_name(say, report.period)),
        subtitle=subtitle,
        footer=say("rp.footer", at=report.as_of.astimezone(report.tz).strftime("%Y-%m-%d %H:%M")),
        columns=2,
        panels=[
            category_panel(report, say),
            Bars(
                say("rp.chart.building"),
                [b for b, _ in report.by_building],
                [n for _, n in report.by_building],
                empty=say("rp.empty"),
            ),
            rates_panel(known, say),
            Bars(
                say("rp.chart.rating", n=report.rated),
                list(report.ratings),
                list(report.ratings.values()) if report.rated else [],
                empty=say("rp.empty"),
            ),
            Trend(
                say("rp.chart.trend"),
                [d.strftime("%m-%d") for d, _, _ in report.daily],
                [n for _, _, n in report.daily],
                say("rp.legend.negative"),
                [n / m if m else None for _, m, n in report.daily],
                say("rp.legend.share"),
                empty=say("rp.empty"),
            ),
            Bars(
                say("rp.chart.places"),
                [say("rp.place", building=b, category=c) for b, c, _ in report.places],
                [n for _, _, n in report.places],
                horizontal=True,
                empty=say("rp.empty.places"),
            ),
        ],
    )


def category_panel(report: ServiceReport, say: Say) -> Bars:
    return Bars(
        say("rp.chart.category"),
        [c for c, _ in report.by_category],
        [n for _, n in report.by_category],
        empty=say("rp.empty"),
    )


def rates_panel(known: Sequence[tuple[str, float | None]], say: Say) -> Bars:
    return Bars(
        say("rp.chart.rates"),
        [k for k, _ in known],
        [v for _, v in known if v is not None],
        percent=True,
        empty=say("rp.empty"),
    )


def owner_sheet(report: ServiceReport, say: Say) -> Sheet:
    """The owners' version: categories and the service figures; nothing about any household."""
    rates = [
        (say("rp.metric.closure"), report.closure_rate),
        (say("rp.metric.response_sla"), report.response.rate),
        (say("rp.metric.satisfaction"), report.satisfaction),
    ]
    known = [(label, value) for label, value in rates if value is not None]
    return Sheet(
        title=say("rp.title.owners", community=report.community_name, period=period_name(say, report.period)),
        subtitle=say("rp.owner.subtitle", total=report.total, done=report.done),
        footer=say("rp.owner.footer"),
        columns=2,
        panels=[
            category_panel(report, say),
            rates_panel(known, say),
        ],
    )


def staff_caption(report: ServiceReport, say: Say) -> str:
    top = say("rp.sep").join(f"{c} {n}" for c, n in report.by_category[:3]) or say("rp.none")
    places = say("rp.sep").join(
        say("rp.place", building=b, category=c) + f" {n}" for b, c, n in report.places[:3]
    )
    return say(
        "rp.caption.staff",
        community=report.community_name,
        period=period_name(say, report.period),
        total=report.total,
        closure=_pct(report.closure_rate),
        response=_pct(report.response.rate),
        resolve=_pct(report.resolution.rate),
        satisfaction=_pct(report.satisfaction),
        rated=report.rated,
        top=top,
        places=places or say("rp.none"),
        negative=report.negative,
        messages=report.messages,
    )


def owner_summary_text(report: ServiceReport, say: Say) -> str:
    """The owner-facing summary: aggregate figures and category names only."""
    top = say("rp.sep").join(say("rp.owner.top", category=c, n=n) for c, n in report.by_category[:3])
    minutes = report.median_response_minutes
    return say(
        "rp.owner.text",
        community=report.community_name,
        period=period_name(say, report.period),
        total=report.total,
        done=report.done,
        closure=_pct(report.closure_rate),
        response="-" if minutes is None else f"{minutes:.0f}",
        sla=_pct(report.response.rate),
        satisfaction=_pct(report.satisfaction),
        rated=report.rated,
        top=top or say("rp.none"),
    )


@dataclass(frozen=True)
class Files:
    staff_png: Path
    owner_png: Path
    csv: list[Path]


async def draw(report: ServiceReport, say: Say, out_dir: Path, stem: str) -> Files:
    """CSV and both PNGs; the drawing runs in a worker thread (about a second of CPU)."""
    font = find_cjk_font(report.lang)
    staff, owners = staff_sheet(report, say), owner_sheet(report, say)

    def work() -> Files:
        csv_paths = write_csv(report, out_dir, stem)
        return Files(
            render(staff, out_dir / f"{stem}-report.png", font),
            render(owners, out_dir / f"{stem}-owners.png", font),
            csv_paths,
        )

    return await asyncio.to_thread(work)


def report_dir(services: Services, community: Community, period: Period) -> Path:
    return policy_of(services).out_dir / community.code / period.label


# -- sending ------------------------------------------------------------------------------------


def publish_button(say: Say, community: Community, period: Period) -> Button:
    return Button(say("rp.btn.publish"), PublishPress("pub", community.id, period.label).pack())


async def send_staff_report(
    store: UnitOfWork,
    services: Services,
    community: Community,
    period: Period,
    now: datetime,
    *,
    scheduled: bool,
) -> int:
    """Draw the report and queue it (image + caption + publish button) to the supervisors."""
    say: Say = partial(services.texts.render, lang=community.language)
    report = await gather_report(store, services, community, period, now)
    files = await draw(
        report, say, report_dir(services, community, period), f"{community.code}-{period.label}"
    )
    sent = 0
    for chat in await store.directory.chats_with_role(community.id, "supervisors"):
        sent += await send_to_chat(
            store,
            chat,
            Outgoing(
                text=staff_caption(report, say),
                image_path=str(files.staff_png),
                buttons=((publish_button(say, community, period),),),
            ),
            now,
            ref_type="report",
            ref_id=community.id,
            dedupe_key=f"report:{period.label}:{community.id}:{chat.id}" if scheduled else None,
        )
    log.info(
        "reports: %s report %s for community %d queued to %d chat(s)",
        period.kind,
        period.label,
        community.id,
        sent,
    )
    return sent


async def monthly_tick(runtime: Runtime) -> int:
    """On the report day (or any later day of the month, catching up), last month's report to
    the supervisors of every community, once."""
    policy = policy_of(runtime.services)
    now = runtime.now
    due: list[tuple[int, Period]] = []
    async with runtime.sessions() as session:
        store = UnitOfWork(session)
        for community in await store.directory.communities():
            tz = ZoneInfo(community.timezone)
            today = now.astimezone(tz)
            if (today.day, today.time()) < (policy.monthly_day, policy.report_time):
                continue
            period = Period.containing("month", now, tz).previous(tz)
            chats = await store.directory.chats_with_role(community.id, "supervisors")
            keys = [f"report:{period.label}:{community.id}:{c.id}" for c in chats]
            if keys and not await OpinionRepository(session).all_queued(keys):
                due.append((community.id, period))
    sent = 0
    for community_id, period in due:
        try:
            async with runtime.transaction() as store:
                found = await store.directory.community(community_id)
                if found is not None:
                    sent += await send_staff_report(
                        store, runtime.services, found, period, now, scheduled=True
                    )
        except Exception:
            log.exception("reports: monthly report for community %d failed", community_id)
    return sent


def jobs(scheduler: Scheduler, runtime: Runtime) -> None:
    """The monthly report tick (every 10 minutes; sends once a month)."""
    scheduler.add_job(
        monthly_tick,
        "interval",
        minutes=10,
        args=(runtime,),
        id="reports:monthly",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )


# -- chat ---------------------------------------------------------------------------------------


def parse_period_args(args: Sequence[str], now: datetime, tz: ZoneInfo) -> Period:
    """`/report` (this month so far), `/report week`, `/report 2026-11`, `/report 2026-W47`."""
    if not args or args[0] in ("month", "月", "本月"):
        return Period.containing("month", now, tz)
    if args[0] in ("week", "周", "本周"):
        return Period.containing("week", now, tz)
    if args[0] in ("lastmonth", "上月"):
        return Period.containing("month", now, tz).previous(tz)
    if args[0] in ("lastweek", "上周"):
        return Period.containing("week", now, tz).previous(tz)
    try:
        return Period.parse(args[0], tz)
    except ValueError:
        raise DomainError("rp.err.period") from None


@router.command("report")
async def report_command(ctx: Context) -> None:
    """Staff draw a report on demand, in a staff chat (never in an owner group)."""
    ctx.require(Role.STEWARD)
    if ctx.community is None:
        raise DomainError("rp.err.no_community")
    if ctx.chat_role == "owners":
        raise DomainError("rp.err.owners_chat")
    parsed = ctx.incoming.command
    args = parsed[1] if parsed else []
    if args and args[0] in ("publish", "发布"):
        ctx.require(Role.SUPERVISOR)
        period = parse_period_args(args[1:], ctx.now, ZoneInfo(ctx.community.timezone))
        await publish(ctx, ctx.community, period)
        return
    period = parse_period_args(args, ctx.now, ZoneInfo(ctx.community.timezone))
    community = ctx.community
    report = await gather_report(ctx.uow, ctx.services, community, period, ctx.now)
    files = await draw(
        report, ctx.t, report_dir(ctx.services, community, period), f"{community.code}-{period.label}"
    )
    message = Outgoing(
        text=staff_caption(report, ctx.t),
        image_path=str(files.staff_png),
        buttons=((publish_button(ctx.t, community, period),),),
        thread_id=ctx.incoming.thread_id,
        reply_hint=ctx.incoming.reply_hint,
    )
    assert ctx.chat is not None
    await ctx.send(ctx.chat, message, ref_type="report", ref_id=community.id)


@router.callback(PublishPress, require=Role.SUPERVISOR)
async def report_pressed(ctx: Context, press: PublishPress) -> None:
    """「发布业主版」: a supervisor posts the owner summary to the community's owner groups."""
    community = await ctx.uow.directory.community(press.community_id)
    if community is None or (
        ctx.role is not Role.ADMIN and (ctx.community is None or ctx.community.id != community.id)
    ):
        raise DomainError("err.forbidden")
    try:
        period = Period.parse(press.period, ZoneInfo(community.timezone))
    except ValueError:
        raise DomainError("rp.err.period") from None
    await publish(ctx, community, period)


async def publish(ctx: Context, community: Community, period: Period) -> None:
    say: Say = partial(ctx.services.texts.render, lang=community.language)
    report = await gather_report(ctx.uow, ctx.services, community, period, ctx.now)
    files = await draw(
        report, say, report_dir(ctx.services, community, period), f"{community.code}-{period.label}"
    )
    text = owner_summary_text(report, say)
    posted = 0
    for chat in await ctx.uow.directory.chats_with_role(community.id, "owners"):
        posted += await ctx.send(
            chat,
            Outgoing(text=text, image_path=str(files.owner_png)),
            ref_type="report_owners",
            ref_id=community.id,
            dedupe_key=f"report:owners:{period.label}:{community.id}:{chat.id}",
        )
    key = "rp.published" if posted else "rp.published.already"
    await ctx.reply(ctx.t(key, n=posted, period=period_name(ctx.t, period)), quote=False)


# -- the command line ---------------------------------------------------------------------------


async def export(runtime: Runtime, community_code: str, period_text: str, out_dir: Path) -> list[Path]:
    """`steward report --community X --month 2026-11 --out DIR`: CSVs and both PNGs."""
    async with runtime.sessions() as session:
        store = UnitOfWork(session)
        community = await store.directory.community_by_code(community_code)
        if community is None:
            raise LookupError(f"no community {community_code!r} in the community file")
        period = Period.parse(period_text, ZoneInfo(community.timezone))
        report = await gather_report(store, runtime.services, community, period, runtime.now)
    say: Say = partial(runtime.services.texts.render, lang=community.language)
    files = await draw(report, say, out_dir, f"{community.code}-{period.label}")
    summary = out_dir / f"{community.code}-{period.label}-owners.txt"
    summary.write_text(owner_summary_text(report, say) + "\n", encoding="utf-8")
    return [*files.csv, files.staff_png, files.owner_png, summary]


# -- texts --------------------------------------------------------------------------------------

TEXTS_HANS: dict[str, str] = {
    "rp.period.month": "{year}年{month}月",
    "rp.period.week": "{year}年第{week}周（{start}至{end}）",
    "rp.title.staff": "{community} · {period} 物业服务报告",
    "rp.title.owners": "{community} · {period} 物业服务简报",
    "rp.subtitle": "工单 {total} 件 · 首次响应中位 {response} 分钟 · 办结中位 {resolution} 小时 · 业主消息 {messages} 条（负面 {negative}）· 舆情预警 {alerts} 条",
    "rp.footer": "Steward 生成于 {at}",
    "rp.owner.subtitle": "本期受理 {total} 件，已办结 {done} 件",
    "rp.owner.footer": "感谢各位业主的支持与监督",
    "rp.chart.category": "工单按类别",
    "rp.chart.building": "工单按楼栋",
    "rp.chart.rates": "服务指标",
    "rp.chart.rating": "满意度评价（{n} 份）",
    "rp.chart.trend": "负面舆情趋势（每日）",
    "rp.chart.places": "高频问题位置（2次以上）",
    "rp.legend.negative": "负面消息数",
    "rp.legend.share": "负面占比",
    "rp.metric.response_sla": "按时响应率",
    "rp.metric.resolve_sla": "按时办结率",
    "rp.metric.closure": "办结率",
    "rp.metric.satisfaction": "满意率",
    "rp.building": "{b}栋",
    "rp.building.none": "未注明",
    "rp.place": "{building}·{category}",
    "rp.kind.repair": "报修",
    "rp.kind.complaint": "投诉",
    "rp.kind.inquiry": "咨询",
    "rp.empty": "本期无数据",
    "rp.empty.places": "本期无重复问题",
    "rp.sep": " · ",
    "rp.none": "无",
    "rp.caption.staff": (
        "📈 {community} · {period} 服务报告\n工单 {total} 件，办结率 {closure}，按时响应 {response}，"
        "按时办结 {resolve}，满意率 {satisfaction}（{rated} 份评价）\n类别前三：{top}\n高频位置：{places}\n"
        "业主消息 {messages} 条，负面 {negative} 条"
    ),
    "rp.owner.text": (
        "📋 {community} · {period} 物业服务简报\n本期共受理报修和投诉 {total} 件，已办结 {done} 件（办结率 {closure}）。\n"
        "首次响应中位时间 {response} 分钟，按时响应率 {sla}。\n业主满意率 {satisfaction}（{rated} 份评价）。\n"
        "主要问题：{top}\n感谢各位业主的支持与监督，如有问题欢迎随时在群内反映。"
    ),
    "rp.owner.top": "{category} {n} 件",
    "rp.btn.publish": "发布业主版",
    "rp.published": "已将{period}服务简报发布到 {n} 个业主群。",
    "rp.published.already": "{period}服务简报已发布过，未重复发送。",
    "rp.err.period": "请写明月份或周，例如 /report 2026-11 或 /report 2026-W47。",
    "rp.err.no_community": "本群尚未绑定小区。",
    "rp.err.owners_chat": "服务报告请在管家群或主管群查看。",
}

TEXTS_HANT: dict[str, str] = {"rp.building": "{b}座"}  # Hong Kong names blocks 座
