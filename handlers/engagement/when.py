"""Times as staff write them in a poll's close or an activity's date: 「9月28日」, 「9月28日
18:00」, 「2026-09-28 9点」, 「明天 20:00」, 「后天」, 「3天后」, 「48小时」. Read in the community's
time zone; a month and day already past this year are next year's."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_TIME = r"(?:\s*(?P<hour>\d{1,2})(?:[:：](?P<minute>\d{2})|\s*[点點]\s*(?:(?P<half>半)|(?P<min2>\d{1,2})\s*分?)?))?"
_DATE = re.compile(
    r"^(?:(?P<year>\d{4})[-/年.])?(?P<month>\d{1,2})[-/月.](?P<day>\d{1,2})[日号號]?" + _TIME + r"$"
)
_RELATIVE_DAY = re.compile(r"^(?P<word>今天|今日|明天|明日|后天|後天)" + _TIME + r"$")
_AFTER = re.compile(r"^(?P<n>\d{1,3})\s*(?P<unit>个小时|個小時|小时|小時|天|日)(?:后|後)?$")
_DAYS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "後天": 2}


class BadTime(ValueError):
    """Not a time this module reads."""


def _clock(match: re.Match[str], default: time) -> time:
    hour = match.group("hour")
    if hour is None:
        return default
    minute = match.group("minute") or match.group("min2") or ("30" if match.group("half") else "0")
    h, m = int(hour), int(minute)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise BadTime(match.group(0))
    return time(h, m)


def parse_when(text: str, now: datetime, tz: ZoneInfo, *, default_time: time) -> datetime:
    """The moment `text` names (aware, in `tz`); a date without a time is at `default_time`.
    Raises `BadTime` for anything else."""
    written = " ".join(text.split())
    local = now.astimezone(tz)
    after = _AFTER.match(written)
    if after:
        n = int(after.group("n"))
        unit = after.group("unit")
        return now + (timedelta(days=n) if unit in ("天", "日") else timedelta(hours=n))
    relative = _RELATIVE_DAY.match(written)
    if relative:
        day = local.date() + timedelta(days=_DAYS[relative.group("word")])
        return datetime.combine(day, _clock(relative, default_time), tz)
    found = _DATE.match(written)
    if not found:
        raise BadTime(written)
    try:
        year = int(found.group("year") or local.year)
        day = date(year, int(found.group("month")), int(found.group("day")))
    except ValueError:
        raise BadTime(written) from None
    if found.group("year") is None and day < local.date():
        try:
            day = day.replace(year=day.year + 1)
        except ValueError:  # 2月29日 of a year that has none
            raise BadTime(written) from None
    return datetime.combine(day, _clock(found, default_time), tz)
