"""Report periods: an ISO week, a calendar month, a quarter or a year in a community's time
zone; the one before it (month on month) and the same one a year before (year on year)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.bounds import year_in_range


@dataclass(frozen=True)
class Period:
    """[start, end) for an ISO week, a calendar month, a quarter or a year in a community's
    time zone."""

    kind: str  # week | month | quarter | year
    label: str  # 2026-W47 | 2026-11 | 2026-Q4 | 2026
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
    def quarter(cls, year: int, quarter: int, tz: ZoneInfo) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError(f"no quarter {quarter}")
        first = date(year, 3 * quarter - 2, 1)
        following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return cls._make("quarter", f"{year:04d}-Q{quarter}", first, following, tz)

    @classmethod
    def year(cls, year: int, tz: ZoneInfo) -> Period:
        return cls._make("year", f"{year:04d}", date(year, 1, 1), date(year + 1, 1, 1), tz)

    @classmethod
    def _make(cls, kind: str, label: str, first: date, following: date, tz: ZoneInfo) -> Period:
        start = datetime.combine(first, time(0), tz)
        end = datetime.combine(following, time(0), tz)
        return cls(kind, label, start, end, first, (following - first).days)

    @classmethod
    def parse(cls, text: str, tz: ZoneInfo) -> Period:
        """2026-11 (a month), 2026-W47 (an ISO week), 2026-Q4 (a quarter) or 2026 (a year);
        ValueError otherwise."""
        text = text.strip().upper()
        try:
            if not year_in_range(int(text[:4])):
                raise ValueError(text)
            if "-W" in text:
                year, week = text.split("-W")
                return cls.week(int(year), int(week), tz)
            if "-Q" in text:
                year, quarter = text.split("-Q")
                if len(year) == 4:
                    return cls.quarter(int(year), int(quarter), tz)
            if len(text) == 4 and text.isdigit():
                return cls.year(int(text), tz)
            year, month = text.split("-")
            if len(year) == 4 and 1 <= int(month) <= 12:
                return cls.month(int(year), int(month), tz)
        except ValueError:
            pass
        raise ValueError(
            f"not a month (2026-11), an ISO week (2026-W47), a quarter (2026-Q4) or a year (2026): {text!r}"
        )

    @classmethod
    def containing(cls, kind: str, when: datetime, tz: ZoneInfo) -> Period:
        day = when.astimezone(tz).date()
        if kind == "week":
            year, week, _ = day.isocalendar()
            return cls.week(year, week, tz)
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1, tz)
        if kind == "year":
            return cls.year(day.year, tz)
        return cls.month(day.year, day.month, tz)

    def previous(self, tz: ZoneInfo) -> Period:
        return Period.containing(self.kind, self.start - timedelta(days=1), tz)

    def a_year_before(self, tz: ZoneInfo) -> Period | None:
        """The same period a year before (year on year): the same month, quarter or ISO
        week of the year before; None for a week 53 that year did not have. A year's is
        the year before, which is also its `previous`."""
        year = self.first_day.year - 1
        if self.kind == "week":
            iso_year, week, _ = self.first_day.isocalendar()
            try:
                return Period.week(iso_year - 1, week, tz)
            except ValueError:
                return None
        if self.kind == "quarter":
            return Period.quarter(year, (self.first_day.month - 1) // 3 + 1, tz)
        if self.kind == "year":
            return Period.year(year, tz)
        return Period.month(year, self.first_day.month, tz)

    def months(self, tz: ZoneInfo) -> list[Period]:
        """The calendar months a quarter or a year is made of (a trend's points)."""
        months = []
        day = self.first_day
        while datetime.combine(day, time(0), tz) < self.end:
            months.append(Period.month(day.year, day.month, tz))
            day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        return months

    def dates(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range(self.days)]
