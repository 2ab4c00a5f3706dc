"""Gathering a period's report and its review from the tables: the tickets, owner messages
and alerts made into a `ServiceReport`, then the figures against their targets with the
periods to compare with and the stewards' figures (`Review`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.services import Services
from handlers.reports.figures import LowRating, ServiceReport, VisitRule, build_report
from handlers.reports.period import Period
from handlers.reports.review import Review, build_review
from handlers.reports.sheets import Say
from handlers.reports.targets import Targets
from handlers.shared.privacy import owner_text
from storage.directory.models import Community
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork

# How much of an owner's reason for a low rating the monthly review quotes.
REASON_LIMIT = 60


def say_in(services: Services, community: Community) -> Say:
    """The report's texts in the community's language."""

    def say(key: str, **values: object) -> str:
        return services.texts.render(key, community.language, **values)

    return say


async def gather_report(
    uow: UnitOfWork,
    services: Services,
    community: Community,
    period: Period,
    as_of: datetime,
    visits: VisitRule | None = None,
) -> ServiceReport:
    """The period's tickets, owner messages and alerts, made into a report (`build_report`),
    with who each ticket is assigned to, which were reopened and the low ratings' reasons."""
    repo = uow.reports
    tickets = await repo.tickets_created(community.id, period.start, period.end)
    messages = await repo.owner_message_times(community.id, period.start, period.end)
    alerts = await repo.alerts(community.id, period.start, period.end)
    names = {s.id: s.name for s in await uow.directory.roster(community.id)}
    reopened = await repo.reopened(community.id, period.start, period.end)
    low = await repo.low_ratings(community.id, period.start, period.end)
    say = say_in(services, community)
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

    low_ratings = [
        LowRating(
            t.number,
            category_label(t),
            names.get(t.assignee_id, "-") if t.assignee_id is not None else "-",
            low[t.id][0],
            tuple(owner_text(note, REASON_LIMIT) for note in low[t.id][1]),
        )
        for t in tickets
        if t.id in low and t.status != "cancelled"
    ]
    return build_report(
        community,
        period,
        tickets,
        messages,
        alerts,
        category_label,
        building_label,
        as_of,
        names,
        reopened,
        low_ratings,
        visits,
        await repo.call_outcomes([t.id for t in tickets if t.status == "closed"]),
    )


async def gather_review(
    uow: UnitOfWork,
    services: Services,
    targets: Targets,
    community: Community,
    report: ServiceReport,
    now: datetime,
) -> Review:
    """The period's figures against their targets, compared with the period before and the
    same period a year before; a quarter's or a year's months for its trend; the stewards'
    figures (everyone on the roster as a steward, and anyone else a ticket was assigned to)."""
    tz = ZoneInfo(community.timezone)
    period = report.period
    previous = await gather_report(uow, services, community, period.previous(tz), now)
    year_before = period.a_year_before(tz) if period.kind != "year" else None
    last_year = (
        await gather_report(uow, services, community, year_before, now) if year_before is not None else None
    )
    months = []
    if period.kind in ("quarter", "year"):
        for month in period.months(tz):
            if month.start <= now:  # a year still running: its months so far
                months.append(await gather_report(uow, services, community, month, now))
    roster = await uow.directory.roster(community.id)
    assigned = {r.assignee_id for r in report.counted if r.assignee_id is not None}
    stewards = {s.id: s.name for s in roster if s.role == "steward" or s.id in assigned}
    praise = await uow.voices.praise_by_steward(community.id, period.start, period.end)
    calls = await uow.tickets.callbacks_done_by(community.id, period.start, period.end)
    revisits = {int(who.split(":", 1)[1]): n for who, n in calls.items() if _steward_label(who)}
    return build_review(report, targets, stewards, previous, last_year, months, praise, revisits)


def _steward_label(who: str) -> bool:
    """`called_by` names a roster entry ("steward:3"), not an admin or the system."""
    kind, _, number = who.partition(":")
    return kind == "steward" and number.isdigit()
