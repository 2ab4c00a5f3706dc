"""What owners and staff read: a broadcast rendered for one owner group, in its community's
language and script, and the small pieces every message shares (dates, building lists, the
outage's values). Pure: everything looked up comes in as arguments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.texts import Texts
from handlers.broadcasts.templates import render_template
from handlers.broadcasts.tips import SafetyTip
from storage.broadcasts.models import Broadcast, Outage
from storage.directory.models import Chat, Community, Steward

WEEKDAYS_CN = ("一", "二", "三", "四", "五", "六", "日")
UTILITY_STOP = {"water": "停水", "power": "停电", "gas": "停气"}
UTILITY_SUPPLY = {"water": "供水", "power": "供电", "gas": "供气"}
UTILITY_ICON = {"water": "🚰", "power": "⚡", "gas": "🔥"}


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
