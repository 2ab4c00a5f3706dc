"""Report periods: a calendar month or an ISO week in a community's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.bounds import year_in_range


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
            if not year_in_range(int(text[:4])):
                raise ValueError(text)
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
