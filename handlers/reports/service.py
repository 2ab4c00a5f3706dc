"""Service reports' use cases, for chat, the monthly job and the command line alike: gather
a period's figures, draw them, queue the staff report to the supervisors, publish the owner
summary to the owner groups, export the files.

Supervisors get last month's report on a set day (`due_monthly` / `send_staff_report`);
`/report` in a staff chat draws one on demand (`staff_report`); 「发布业主版」 posts the owner
summary (no units, no names, no phone numbers, no message text) to the owner groups
(`publish`); `steward report` writes the files to a directory (`export`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Button, Outgoing
from bot.core.outbox import Priority, send_to_chat
from bot.core.roles import Role
from bot.core.services import Services
from handlers.reports.buttons import PublishPress
from handlers.reports.figures import ServiceReport, build_report
from handlers.reports.files import Files, draw, summary_csv
from handlers.reports.period import Period
from handlers.reports.policy import ReportPolicy
from handlers.reports.sheets import Say, owner_summary_text, period_name, staff_caption
from storage.directory.models import Community
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# Who may post a report to the owners.
PUBLISHER = Role.SUPERVISOR


def say_in(services: Services, community: Community) -> Say:
    """The report's texts in the community's language."""

    def say(key: str, **values: object) -> str:
        return services.texts.render(key, community.language, **values)

    return say


def publish_button(say: Say, community: Community, period: Period) -> Button:
    """「发布业主版」 under a staff report."""
    return Button(say("rp.btn.publish"), PublishPress("pub", community.id, period.label).pack())


async def gather_report(
    uow: UnitOfWork, services: Services, community: Community, period: Period, as_of: datetime
) -> ServiceReport:
    """The period's tickets, owner messages and alerts, made into a report (`build_report`)."""
    repo = uow.reports
    tickets = await repo.tickets_created(community.id, period.start, period.end)
    messages = await repo.owner_message_times(community.id, period.start, period.end)
    alerts = await repo.alerts(community.id, period.start, period.end)
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

    calls = await repo.call_outcomes([t.id for t in tickets if t.status == "closed"])
    return build_report(
        community, period, tickets, messages, alerts, category_label, building_label, as_of, calls
    )


async def export(
    uow: UnitOfWork,
    services: Services,
    community_code: str,
    period_text: str,
    out_dir: Path,
    now: datetime,
    fonts: tuple[str, ...] = ("package", "system"),
) -> list[Path]:
    """`steward report --community X --month 2026-11 --out DIR`: CSVs, both PNGs (when a CJK
    font can be had) and the owner summary as text. LookupError for an unknown community,
    ValueError for a bad period."""
    community = await uow.directory.community_by_code(community_code)
    if community is None:
        raise LookupError(f"no community {community_code!r} in the community file")
    period = Period.parse(period_text, ZoneInfo(community.timezone))
    report = await gather_report(uow, services, community, period, now)
    say = say_in(services, community)
    files = await draw(report, say, out_dir, f"{community.code}-{period.label}", fonts)
    summary = out_dir / f"{community.code}-{period.label}-owners.txt"
    summary.write_text(owner_summary_text(report, say) + "\n", encoding="utf-8")
    pictures = [p for p in (files.staff_png, files.owner_png) if p is not None]
    return [*files.csv, *pictures, summary]


def no_chart_text(say: Say, report: ServiceReport, files: Files, caption: str) -> str:
    """No CJK font, no picture: one line saying why, the caption, and the summary as CSV."""
    return "\n".join([say("rp.no_chart"), caption, say("rp.csv"), summary_csv(report)])


@dataclass(frozen=True)
class Published:
    period: Period
    groups: int  # owner groups posted to now (0: it had been published already)


class ReportService:
    """Built once by the composition root with where reports go and when."""

    def __init__(self, policy: ReportPolicy, services: Services) -> None:
        self.policy = policy
        self.services = services

    def report_dir(self, community: Community, period: Period) -> Path:
        return self.policy.out_dir / community.code / period.label

    async def staff_report(
        self, uow: UnitOfWork, community: Community, period: Period, now: datetime, say: Say
    ) -> Outgoing | None:
        """The staff report drawn to disk, as a message: the picture, its caption in `say`'s
        language and the 「发布业主版」 button; without a CJK font the caption, the figures as
        CSV and a line saying why there is no picture. None: nothing happened in the period
        (no ticket, no owner message, no alert), and an empty report is not worth a message."""
        report = await gather_report(uow, self.services, community, period, now)
        if report.empty:
            return None
        files = await draw(
            report,
            say,
            self.report_dir(community, period),
            f"{community.code}-{period.label}",
            self.policy.fonts,
        )
        buttons = ((publish_button(say, community, period),),)
        caption = staff_caption(report, say)
        if files.staff_png is None:
            return Outgoing(text=no_chart_text(say, report, files, caption), buttons=buttons)
        return Outgoing(text=caption, image_path=str(files.staff_png), buttons=buttons)

    async def send_staff_report(
        self, uow: UnitOfWork, community: Community, period: Period, now: datetime, *, scheduled: bool
    ) -> int:
        """Draw the report and queue it (image + caption + publish button) to the supervisors;
        a scheduled one goes to each chat once. An empty period sends nothing."""
        message = await self.staff_report(uow, community, period, now, say_in(self.services, community))
        if message is None:
            log.info(
                "reports: %s %s of community %d is empty: no report", period.kind, period.label, community.id
            )
            return 0
        sent = 0
        for chat in await uow.directory.chats_with_role(community.id, "supervisors"):
            sent += await send_to_chat(
                uow,
                chat,
                message,
                now,
                ref_type="report",
                ref_id=community.id,
                priority=Priority.BULK,
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

    def empty_text(self, say: Say, community: Community, period: Period) -> str:
        return say("rp.empty.period", community=community.name, period=period_name(say, period))

    def may_publish(self, actor: Actor) -> None:
        """Only a supervisor (or above) posts to the owners."""
        if not actor.at_least(PUBLISHER):
            raise DomainError("err.forbidden", role=PUBLISHER.value)

    async def publishable(
        self, uow: UnitOfWork, community_id: int, actor: Actor, here: int | None
    ) -> Community:
        """The community whose report an actor acting in community `here` may publish: their
        own (an admin: any)."""
        community = await uow.directory.community(community_id)
        if community is None or (actor.role is not Role.ADMIN and here != community.id):
            raise DomainError("err.forbidden")
        return community

    async def publish(
        self, uow: UnitOfWork, actor: Actor, community: Community, period: Period, now: datetime
    ) -> Published:
        """The owner summary and the owners' sheet to every owner group of the community, once
        per period and group."""
        self.may_publish(actor)
        say = say_in(self.services, community)
        report = await gather_report(uow, self.services, community, period, now)
        files = await draw(
            report,
            say,
            self.report_dir(community, period),
            f"{community.code}-{period.label}",
            self.policy.fonts,
        )
        text = owner_summary_text(report, say)
        picture = str(files.owner_png) if files.owner_png is not None else None  # no font: the text
        posted = 0
        for chat in await uow.directory.chats_with_role(community.id, "owners"):
            posted += await send_to_chat(
                uow,
                chat,
                Outgoing(text=text, image_path=picture),
                now,
                ref_type="report_owners",
                ref_id=community.id,
                priority=Priority.BULK,
                dedupe_key=f"report:owners:{period.label}:{community.id}:{chat.id}",
            )
        return Published(period, posted)

    async def due_monthly(self, uow: UnitOfWork, now: datetime) -> list[tuple[int, Period]]:
        """On the report day (or any later day of the month, catching up): each community whose
        report of last month has not gone to every supervisors' chat."""
        policy = self.policy
        due: list[tuple[int, Period]] = []
        for community in await uow.directory.communities():
            tz = ZoneInfo(community.timezone)
            today = now.astimezone(tz)
            if (today.day, today.time()) < (policy.monthly_day, policy.report_time):
                continue
            period = Period.containing("month", now, tz).previous(tz)
            chats = await uow.directory.chats_with_role(community.id, "supervisors")
            keys = [f"report:{period.label}:{community.id}:{c.id}" for c in chats]
            if (
                keys
                and not await uow.reports.all_queued(keys)
                and await uow.reports.active(community.id, period.start, period.end)
            ):  # an empty month (a fresh install's last month) gets no report
                due.append((community.id, period))
        return due
