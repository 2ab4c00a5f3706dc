"""Broadcast timing: quiet hours, cron schedules in a community's time zone, missed runs.

Pure functions over aware datetimes (UTC in, UTC out); the clock is the caller's.

Cron is parsed here rather than by APScheduler's `CronTrigger.from_crontab`, which in the 3.x
series reads day-of-week 0 as Monday (crontab and everyone who writes one mean Sunday).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import DomainError

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(value: str) -> time:
    match = _HHMM.match(value.strip())
    if match is None:
        raise ValueError(f"expected HH:MM, got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


# -- quiet hours ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuietHours:
    """Local hours in which non-urgent broadcasts wait; "22:00-08:00" wraps past midnight.
    Equal ends (or "off") mean no quiet hours."""

    start: time
    end: time

    @classmethod
    def parse(cls, value: str) -> QuietHours:
        if value.strip().lower() in ("", "off", "none"):
            return cls(time(0), time(0))
        parts = value.replace("–", "-").split("-")
        if len(parts) != 2:
            raise ValueError(f"quiet hours must look like 22:00-08:00, got {value!r}")
        return cls(parse_hhmm(parts[0]), parse_hhmm(parts[1]))

    @property
    def enabled(self) -> bool:
        return self.start != self.end

    def contains(self, local: datetime) -> bool:
        if not self.enabled:
            return False
        now = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def release(self, when: datetime, tz: ZoneInfo) -> datetime:
        """The first instant at or after `when` outside quiet hours (UTC)."""
        local = when.astimezone(tz)
        if not self.contains(local):
            return when.astimezone(UTC)
        day = local.date()
        if self.start > self.end and local.time().replace(tzinfo=None) >= self.start:
            day += timedelta(days=1)
        return datetime.combine(day, self.end, tz).astimezone(UTC)

    def describe(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


# -- cron ----------------------------------------------------------------------------------------
_NAMES_DOW = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_NAMES_MONTH = {
    name: i + 1
    for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_SEARCH_DAYS = 366 * 8  # long enough for "29 2 *" (Feb 29th) to come round


class CronError(ValueError):
    pass


def _field(text: str, low: int, high: int, names: dict[str, int], what: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.lower().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) < 1:
                raise CronError(f"{what}: bad step {step_text!r}")
            step = int(step_text)
        if part == "*":
            first, last = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            first, last = _value(a, low, high, names, what), _value(b, low, high, names, what)
            if last < first:
                raise CronError(f"{what}: range {part!r} runs backwards")
        else:
            first = _value(part, low, high, names, what)
            last = high if step > 1 else first
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _value(text: str, low: int, high: int, names: dict[str, int], what: str) -> int:
    if text in names:
        return names[text]
    if not text.isdigit():
        raise CronError(f"{what}: {text!r} is not a number")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"{what}: {value} is outside {low}-{high}")
    return value


@dataclass(frozen=True)
class Cron:
    """A standard 5-field cron: minute hour day-of-month month day-of-week (0 or 7 = Sunday).
    When both day fields are restricted a day matching either one fires (as in Vixie cron)."""

    expr: str
    minutes: frozenset[int] = field(repr=False)
    hours: frozenset[int] = field(repr=False)
    days: frozenset[int] = field(repr=False)
    months: frozenset[int] = field(repr=False)
    weekdays: frozenset[int] = field(repr=False)  # 0 = Sunday
    any_day: bool = field(repr=False)
    any_weekday: bool = field(repr=False)

    @classmethod
    def parse(cls, expr: str) -> Cron:
        parts = expr.split()
        if len(parts) != 5:
            raise CronError(f"cron needs 5 fields (minute hour day month weekday), got {len(parts)}")
        weekdays = _field(parts[4], 0, 7, _NAMES_DOW, "weekday")
        return cls(
            expr=" ".join(parts),
            minutes=_field(parts[0], 0, 59, {}, "minute"),
            hours=_field(parts[1], 0, 23, {}, "hour"),
            days=_field(parts[2], 1, 31, {}, "day"),
            months=_field(parts[3], 1, 12, _NAMES_MONTH, "month"),
            weekdays=frozenset(d % 7 for d in weekdays),
            any_day=parts[2] == "*",
            any_weekday=parts[4] == "*",
        )

    def day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def next_after(self, after: datetime, tz: ZoneInfo) -> datetime | None:
        """The first fire time strictly after `after` (UTC), or None if there is none."""
        local = after.astimezone(tz)
        day = local.date()
        hours, minutes = sorted(self.hours), sorted(self.minutes)
        for _ in range(_SEARCH_DAYS):
            if self.day_matches(day):
                for hour in hours:
                    for minute in minutes:
                        candidate = datetime.combine(day, time(hour, minute), tz)
                        if candidate > after:
                            return candidate.astimezone(UTC)
            day += timedelta(days=1)
        return None


@dataclass(frozen=True)
class DueRuns:
    """What a schedule owes at `now`: at most one run to do, the runs missed beyond the grace
    period (skipped and logged), and the new high-water mark (`last_run_at`)."""

    run_at: datetime | None
    skipped: tuple[datetime, ...]
    last: datetime | None


def due_runs(
    cron: Cron, tz: ZoneInfo, last_run_at: datetime, now: datetime, grace: timedelta, limit: int = 10_000
) -> DueRuns:
    """Fire times in (last_run_at, now]: the newest is run if it is at most `grace` old;
    everything older is skipped. A missed run is never sent twice and never late beyond grace."""
    fires: list[datetime] = []
    cursor = max(last_run_at, now - timedelta(days=366))  # a year of downtime is plenty to report
    while len(fires) < limit:
        nxt = cron.next_after(cursor, tz)
        if nxt is None or nxt > now:
            break
        fires.append(nxt)
        cursor = nxt
    if not fires:
        return DueRuns(None, (), None)
    newest = fires[-1]
    if now - newest <= grace:
        return DueRuns(newest, tuple(fires[:-1]), newest)
    return DueRuns(None, tuple(fires), newest)


# -- Chinese schedule words ------------------------------------------------------------------------
_CN_DOW = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 0, "天": 0}
_EVERY_WEEK = re.compile(r"^(?:每周|每週|逢星期|逢周|每星期|逢週)([一二三四五六日天]+)$")
_EVERY_MONTH = re.compile(r"^每月(\d{1,2})(?:日|号|號)$")


def cron_from_words(words: str, at: time) -> str | None:
    """「每天」「工作日」「每周一三五」「每月1日」 at a time → a cron expression; None otherwise."""
    if words in ("每天", "每日", "天天"):
        return f"{at.minute} {at.hour} * * *"
    if words in ("工作日", "每个工作日", "每個工作日"):
        return f"{at.minute} {at.hour} * * 1-5"
    if words in ("周末", "週末", "每周末", "每週末"):
        return f"{at.minute} {at.hour} * * 0,6"
    match = _EVERY_WEEK.match(words)
    if match:
        days = sorted({_CN_DOW[c] for c in match.group(1)}, key=lambda d: (d == 0, d))
        return f"{at.minute} {at.hour} * * {','.join(str(d) for d in days)}"
    match = _EVERY_MONTH.match(words)
    if match and 1 <= int(match.group(1)) <= 31:
        return f"{at.minute} {at.hour} {int(match.group(1))} * *"
    return None


_DOW_CN = {0: "日", 1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六"}


def describe_cron(expr: str) -> str:
    """A short Chinese reading of the common shapes (「每周一 09:00」), the expression otherwise."""
    try:
        cron = Cron.parse(expr)
    except CronError:
        return expr
    parts = cron.expr.split()
    if len(cron.hours) != 1 or len(cron.minutes) != 1 or parts[3] != "*":
        return f"cron {cron.expr}"
    at = f"{next(iter(cron.hours)):02d}:{next(iter(cron.minutes)):02d}"
    if cron.any_day and cron.any_weekday:
        return f"每天 {at}"
    if cron.any_day and parts[4] == "1-5":
        return f"工作日 {at}"
    if cron.any_day:
        days = sorted(cron.weekdays, key=lambda d: (d == 0, d))
        return f"每周{''.join(_DOW_CN[d] for d in days)} {at}"
    if cron.any_weekday and len(cron.days) == 1:
        return f"每月{next(iter(cron.days))}日 {at}"
    return f"cron {cron.expr}"


def check_cron(expr: str) -> Cron:
    """Parse a cron typed by a person; a mistake is a polite error naming the field."""
    try:
        return Cron.parse(expr)
    except CronError as exc:
        raise DomainError("bc.err.cron", expr=expr, reason=str(exc)) from exc
