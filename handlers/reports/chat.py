"""Chat entry points of service reports: `/report` in a staff chat (drawn on demand, or
`/report publish`), 「发布业主版」 under a staff report (supervisors only), and `/kpi`, the
stewards' figures (supervisors and managers, in their chats or privately)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.roles import Role
from bot.core.router import Router
from handlers.reports.buttons import PublishPress
from handlers.reports.period import Period
from handlers.reports.service import ReportService
from handlers.reports.sheets import period_name
from storage.directory.models import Community

PUBLISH = ("publish", "发布")
# Where the stewards' figures may be shown: never an owner group, nor the stewards' own group.
KPI_CHATS = ("supervisors", "management", "private")


# `/report <word>`: the period containing today, or the one before it.
PERIOD_WORDS = {
    "month": ("month", 0),
    "月": ("month", 0),
    "本月": ("month", 0),
    "lastmonth": ("month", 1),
    "上月": ("month", 1),
    "week": ("week", 0),
    "周": ("week", 0),
    "本周": ("week", 0),
    "lastweek": ("week", 1),
    "上周": ("week", 1),
    "quarter": ("quarter", 0),
    "季度": ("quarter", 0),
    "本季度": ("quarter", 0),
    "lastquarter": ("quarter", 1),
    "上季度": ("quarter", 1),
    "year": ("year", 0),
    "年": ("year", 0),
    "今年": ("year", 0),
    "本年": ("year", 0),
    "lastyear": ("year", 1),
    "去年": ("year", 1),
}


def parse_period_args(args: Sequence[str], now: datetime, tz: ZoneInfo) -> Period:
    """`/report` (this month so far), `/report week`, `/report lastmonth`, `/report quarter`,
    `/report lastyear`, or a period written out: `2026-11`, `2026-W47`, `2026-Q4`, `2026`."""
    if not args:
        return Period.containing("month", now, tz)
    word = PERIOD_WORDS.get(args[0].lower())
    if word is not None:
        kind, back = word
        period = Period.containing(kind, now, tz)
        return period.previous(tz) if back else period
    return parse_period(args[0], tz)


def parse_period(text: str, tz: ZoneInfo) -> Period:
    try:
        return Period.parse(text, tz)
    except ValueError:
        raise DomainError("rp.err.period") from None


class ReportsChat:
    def __init__(self, service: ReportService) -> None:
        self.service = service

    def router(self) -> Router:
        router = Router(name="reports")
        router.command("report", require=Role.STEWARD)(self.report)
        router.command("kpi", require=Role.SUPERVISOR)(self.kpi)
        router.callback(PublishPress, require=Role.SUPERVISOR)(self.publish_pressed)
        return router

    async def kpi(self, ctx: Context) -> None:
        """`/kpi [period]`: the stewards' figures of the asker's community."""
        community = ctx.community
        if community is None:
            raise DomainError("rp.err.no_community")
        if ctx.chat_role not in KPI_CHATS:
            raise DomainError("rp.err.kpi_chat")
        parsed = ctx.incoming.command
        period = parse_period_args(parsed[1] if parsed else [], ctx.now, ZoneInfo(community.timezone))
        await ctx.reply(await self.service.kpi(ctx.uow, community, period, ctx.now, ctx.t), quote=False)

    async def report(self, ctx: Context) -> None:
        """Staff draw a report on demand, in a staff chat (never in an owner group)."""
        community = ctx.community
        if community is None:
            raise DomainError("rp.err.no_community")
        if ctx.chat_role == "owners":
            raise DomainError("rp.err.owners_chat")
        parsed = ctx.incoming.command
        args = parsed[1] if parsed else []
        tz = ZoneInfo(community.timezone)
        if args and args[0] in PUBLISH:
            self.service.may_publish(ctx.actor)
            await self.publish(ctx, community, parse_period_args(args[1:], ctx.now, tz))
            return
        period = parse_period_args(args, ctx.now, tz)
        message = await self.service.staff_report(ctx.uow, community, period, ctx.now, ctx.t)
        if message is None:
            await ctx.reply(self.service.empty_text(ctx.t, community, period))
            return
        assert ctx.chat is not None
        await ctx.send(
            ctx.chat,
            dataclasses.replace(
                message, thread_id=ctx.incoming.thread_id, reply_hint=ctx.incoming.reply_hint
            ),
            ref_type="report",
            ref_id=community.id,
        )

    async def publish_pressed(self, ctx: Context, press: PublishPress) -> None:
        """「发布业主版」: a supervisor posts the owner summary to the community's owner groups."""
        here = ctx.community.id if ctx.community is not None else None
        community = await self.service.publishable(ctx.uow, press.community_id, ctx.actor, here)
        await self.publish(ctx, community, parse_period(press.period, ZoneInfo(community.timezone)))

    async def publish(self, ctx: Context, community: Community, period: Period) -> None:
        published = await self.service.publish(ctx.uow, ctx.actor, community, period, ctx.now)
        key = "rp.published" if published.groups else "rp.published.already"
        await ctx.reply(ctx.t(key, n=published.groups, period=period_name(ctx.t, period)), quote=False)
