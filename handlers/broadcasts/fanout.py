"""Fan-out: one broadcast becomes one outbox row per target owner group, rendered for it.

The fan-out can be cut anywhere (a crash, a `limit`) and run again: rows already in the outbox
are skipped by their `dedupe_key` (`bc:{broadcast}:{chat}`), so no group ever gets a notice
twice and none is lost. Per-chat order, rate limits and retries are the sender's business.

Quiet hours are applied when a broadcast's due time is set (`due_time`), not through the
outbox's `not_before`: a not-yet-due row at the head of a chat's queue would hold back every
later message to that chat (the claim takes only each chat's oldest unsent row), so an
owner's urgent repair at 23:00 would not be acknowledged until the morning.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.events import Outgoing
from bot.core.roles import Role
from bot.core.runtime import Runtime
from bot.core.services import Services
from bot.core.texts import Texts
from handlers.broadcasts.templates import render_template
from handlers.broadcasts.timing import QuietHours
from handlers.broadcasts.tips import SafetyTip, TipCalendar, TipLibrary, choose_tip
from storage.broadcasts.models import Broadcast, Outage
from storage.broadcasts.repository import OutboxItem
from storage.directory.models import Chat, Community, Steward
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

WEEKDAYS_CN = ("一", "二", "三", "四", "五", "六", "日")
UTILITY_STOP = {"water": "停水", "power": "停电", "gas": "停气"}
UTILITY_SUPPLY = {"water": "供水", "power": "供电", "gas": "供气"}
NO_TIP = "-"
UTILITY_ICON = {"water": "🚰", "power": "⚡", "gas": "🔥"}


@dataclass
class BroadcastPolicy:
    """The feature's settings and content, built once by `install` (services.extras)."""

    quiet: QuietHours = field(default_factory=lambda: QuietHours.parse("22:00-08:00"))
    grace: timedelta = timedelta(minutes=30)
    tips: TipLibrary | None = None
    calendar: TipCalendar | None = None
    calendars: dict[str, TipCalendar | None] = field(default_factory=dict)  # by code; None = off
    batch: int = 200  # rows per fan-out transaction in jobs
    evening_at: time = time(20, 0)  # the outage reminder the evening before
    hour_before: timedelta = timedelta(hours=1)
    answer_after_end: timedelta = timedelta(hours=6)  # owners' questions answered this long after
    draft_ttl: timedelta = timedelta(hours=24)

    def calendar_for(self, code: str) -> TipCalendar | None:
        if code in self.calendars:
            return self.calendars[code]
        return self.calendar

    def due_time(self, requested: datetime, urgent: bool, tz: ZoneInfo) -> datetime:
        """When a broadcast asked for at `requested` may go: urgent ones at once, others after
        quiet hours."""
        return requested if urgent else self.quiet.release(requested, tz)


def policy_of(services: Services) -> BroadcastPolicy:
    policy = services.extras.get("broadcasts")
    return policy if isinstance(policy, BroadcastPolicy) else BroadcastPolicy()


@dataclass(frozen=True)
class Actor:
    """Who asks for a broadcast: a roster person from chat, an admin, or the CLI."""

    label: str  # "steward:3", "local:admin", "cli"
    role: Role
    community_id: int | None  # their community (None: an admin or the CLI)

    def may_act_on(self, community_id: int) -> bool:
        return self.role is Role.ADMIN or self.community_id == community_id


@dataclass(frozen=True)
class Speaker:
    """Texts in one language (a community's, or the person's being answered)."""

    texts: Texts
    lang: str

    def t(self, key: str, **values: Any) -> str:
        return self.texts.render(key, self.lang, **values)

    def convert(self, text: str) -> str:
        return self.texts.convert(text, self.lang)


def tz_of(community: Community) -> ZoneInfo:
    return ZoneInfo(community.timezone)


def local_stamp(when: datetime, community: Community, with_year: bool = False) -> str:
    local = when.astimezone(tz_of(community))
    return local.strftime("%Y-%m-%d %H:%M" if with_year else "%m-%d %H:%M")


def cn_date(day: date) -> str:
    return f"{day.month}月{day.day}日（周{WEEKDAYS_CN[day.weekday()]}）"


def building_label(buildings: Sequence[str]) -> str:
    """「3、4、5栋」, 「A、B座」; empty or "*" is every building."""
    names = [b for b in buildings if b != "*"]
    if not names or "*" in buildings:
        return "全体"
    suffix = "座" if all(n.isalpha() for n in names) else "栋"
    numbers = [int(n) for n in names if n.isdigit()]
    if len(numbers) == len(names) and len(names) >= 3 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}-{numbers[-1]}{suffix}"
    return "、".join(names) + suffix


# -- rendering -----------------------------------------------------------------------------------
@dataclass
class Audience:
    """What rendering for one community needs, looked up once per fan-out."""

    community: Community
    speaker: Speaker
    roster: Sequence[Steward]
    now: datetime

    def values(self, chat: Chat, text: str) -> dict[str, str]:
        tz = tz_of(self.community)
        today = self.now.astimezone(tz).date()
        buildings = set(chat.buildings)
        stewards = [
            s.name
            for s in self.roster
            if s.role == "steward"
            and ("*" in s.buildings or "*" in buildings or not buildings or buildings & set(s.buildings))
        ]
        supervisors = [s.name for s in self.roster if s.role == "supervisor"]
        say = self.speaker.convert
        return {
            "community": say(self.community.name),
            "building": say(building_label(chat.buildings)),
            "date": say(f"{today.month}月{today.day}日"),
            "weekday": say(f"星期{WEEKDAYS_CN[today.weekday()]}"),
            "tomorrow": say(f"{(today + timedelta(days=1)).month}月{(today + timedelta(days=1)).day}日"),
            "stewards": "、".join(stewards) or "-",
            "supervisor": "、".join(supervisors) or "-",
            "contacts": "、".join(stewards + supervisors) or "-",
            "text": say(text),
        }


def render_notice(broadcast: Broadcast, audience: Audience, chat: Chat) -> str:
    speaker = audience.speaker
    if broadcast.template is not None:
        body = render_template(speaker.convert(broadcast.body), audience.values(chat, broadcast.text))
        return speaker.t("bc.msg.urgent_prefix") + body if broadcast.urgent else body
    key = "bc.msg.urgent" if broadcast.urgent else "bc.msg.notice"
    return speaker.t(
        key, community=speaker.convert(audience.community.name), body=speaker.convert(broadcast.body)
    )


def outage_values(outage: Outage, community: Community, speaker: Speaker) -> dict[str, str]:
    tz = tz_of(community)
    start, end = outage.starts_at.astimezone(tz), outage.ends_at.astimezone(tz)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{cn_date(end.date())} {end:%H:%M}"
    reason = speaker.convert(outage.reason.strip())
    return {
        "icon": UTILITY_ICON.get(outage.utility, "📢"),
        "community": speaker.convert(community.name),
        "buildings": speaker.convert(building_label(outage.buildings)),
        "stop": speaker.convert(UTILITY_STOP.get(outage.utility, "停水")),
        "supply": speaker.convert(UTILITY_SUPPLY.get(outage.utility, "供水")),
        "day": speaker.convert(cn_date(start.date())),
        "start": f"{start:%H:%M}",
        "end": end_text,
        "reason": speaker.t("bc.outage.reason", reason=reason) if reason else "",
        "restored": f"{outage.restored_at.astimezone(tz):%H:%M}" if outage.restored_at else "",
        "advice": speaker.t(f"bc.outage.advice.{outage.utility}"),
        "id": f"T{outage.id}",
    }


def render_outage(broadcast: Broadcast, outage: Outage, audience: Audience) -> str:
    which = str(broadcast.values.get("which", "announce"))
    values = outage_values(outage, audience.community, audience.speaker)
    text = audience.speaker.t(f"bc.outage.{which}", **values)
    if broadcast.urgent and which == "announce":
        text = audience.speaker.t("bc.msg.urgent_prefix") + text
    return text


def render_tip(tip: SafetyTip, audience: Audience) -> str:
    traditional = audience.speaker.lang.startswith("zh-Hant")
    theme = audience.speaker.t(f"bc.theme.{tip.theme}")
    return audience.speaker.t("bc.msg.tip", theme=theme, tip=tip.text(traditional))


# -- fan-out ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FanOut:
    queued: int  # rows added by this call
    remaining: int  # targets still without a row (0: the fan-out is complete)
    targets: int


async def fan_out(
    store: UnitOfWork,
    services: Services,
    broadcast: Broadcast,
    now: datetime,
    *,
    limit: int | None = None,
) -> FanOut:
    """Queue the broadcast for the targets that do not have it yet (at most `limit` of them).
    The broadcast must be `sending`; once every target has its row it becomes `queued`."""
    repo = store.broadcasts
    community = await store.directory.community(broadcast.community_id)
    if community is None:
        raise LookupError(f"broadcast {broadcast.id}: community {broadcast.community_id} is gone")
    chats = await repo.owner_chats(community.id, broadcast.buildings)
    done = await repo.queued_chats(broadcast.id)
    if broadcast.kind == "tip":
        done |= await repo.tip_chats(broadcast.id)  # includes groups skipped for want of a tip
    todo = [chat for chat in chats if chat.id not in done]
    batch = todo if limit is None else todo[:limit]
    audience = Audience(
        community,
        Speaker(services.texts, community.language),
        await store.directory.roster(community.id),
        now,
    )
    items, tips = await _render(store, services, broadcast, audience, batch, now)
    added: list[int] = []
    for start in range(0, len(items), 200):
        added += await repo.enqueue(broadcast.id, items[start : start + 200], now)
    skipped = len(batch) - len(items)
    if broadcast.kind == "tip":
        # A group that has had every in-season tip recently gets none this round ("-"),
        # remembered so that a resumed fan-out does not look at it again.
        day = now.astimezone(tz_of(community)).date()
        sent = {c: tips[c] for c in added if c in tips}
        sent.update({c.id: NO_TIP for c in batch if c.id not in tips})
        await repo.record_tips(broadcast.id, sent, day)
    remaining = len(todo) - len(batch)
    if remaining == 0:
        broadcast.status = "queued"
        broadcast.fanned_out_at = now
        broadcast.target_count = len(await repo.queued_chats(broadcast.id))
    log.info(
        "broadcast %d: %d row(s) queued, %d target(s) left, %d skipped",
        broadcast.id,
        len(added),
        remaining,
        skipped,
    )
    return FanOut(len(added), remaining, len(chats))


async def _render(
    store: UnitOfWork,
    services: Services,
    broadcast: Broadcast,
    audience: Audience,
    chats: Sequence[Chat],
    now: datetime,
) -> tuple[list[OutboxItem], dict[int, str]]:
    items: list[OutboxItem] = []
    tips: dict[int, str] = {}
    if broadcast.kind == "tip":
        policy = policy_of(services)
        calendar = policy.calendar_for(audience.community.code) or policy.calendar
        if policy.tips is None or calendar is None:
            return [], {}
        day = now.astimezone(tz_of(audience.community)).date()
        repo = store.broadcasts
        history = await repo.tip_history([c.id for c in chats], day - timedelta(days=calendar.no_repeat_days))
        for chat in chats:
            tip = choose_tip(policy.tips, calendar, day, history.get(chat.id, {}))
            if tip is None:
                continue
            tips[chat.id] = tip.id
            items.append(OutboxItem(chat, Outgoing(text=render_tip(tip, audience)).to_json()))
        return items, tips
    outage: Outage | None = None
    if broadcast.outage_id is not None:
        outage = await store.broadcasts.outage(broadcast.outage_id)
    for chat in chats:
        if outage is not None:
            text = render_outage(broadcast, outage, audience)
        else:
            text = render_notice(broadcast, audience, chat)
        items.append(OutboxItem(chat, Outgoing(text=text, urgent=broadcast.urgent).to_json()))
    return items, tips


async def start_or_schedule(
    store: UnitOfWork, services: Services, broadcast: Broadcast, now: datetime
) -> FanOut | None:
    """A confirmed broadcast: fanned out now (in the caller's transaction, all or nothing) if
    it is due, else left `scheduled` for its job."""
    if broadcast.send_at is not None and broadcast.send_at > now:
        broadcast.status = "scheduled"
        return None
    broadcast.status = "sending"
    broadcast.send_at = broadcast.send_at or now
    return await fan_out(store, services, broadcast, now)


async def run_broadcast(runtime: Runtime, broadcast_id: int) -> int:
    """The job for one broadcast: when due, fan it out in batches, each its own transaction
    (so 1,000 groups never make one long write), resuming whatever an earlier run left.
    Returns the rows queued. A scheduled broadcast missed by more than the grace period is
    skipped and logged, never sent late."""
    policy = policy_of(runtime.services)
    queued = 0
    while True:
        async with runtime.transaction() as store:
            now = runtime.now
            repo = store.broadcasts
            broadcast = await repo.broadcast(broadcast_id)
            if broadcast is None:
                return queued
            if broadcast.status == "scheduled":
                if broadcast.send_at is not None and broadcast.send_at > now:
                    return queued
                if broadcast.send_at is not None and now - broadcast.send_at > policy.grace:
                    await repo.move(Broadcast, broadcast.id, ["scheduled"], "skipped", decided_at=now)
                    log.warning(
                        "broadcast %d was due at %s, missed by more than %s: skipped",
                        broadcast.id,
                        broadcast.send_at.isoformat(),
                        policy.grace,
                    )
                    return queued
                if not await repo.move(Broadcast, broadcast.id, ["scheduled"], "sending"):
                    continue  # someone else moved it first: look again
            if broadcast.status != "sending":
                return queued
            result = await fan_out(store, runtime.services, broadcast, now, limit=policy.batch)
            queued += result.queued
        if result.remaining == 0:
            return queued
