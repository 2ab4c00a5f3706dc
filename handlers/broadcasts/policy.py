"""The feature's settings and content, as one typed policy the composition root builds from
the settings and the community file (`bot/app/policies.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.broadcasts.timing import QuietHours
from handlers.broadcasts.tips import TipCalendar, TipLibrary


@dataclass
class BroadcastPolicy:
    """Quiet hours, grace, reminder times and the tip content; the defaults are what
    `steward` ships with."""

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
