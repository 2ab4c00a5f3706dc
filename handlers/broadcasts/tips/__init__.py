"""Safety tips: the library (`library`), the calendar (`calendar`) and the weekly choice
(`choose`). Pure functions and immutable data: the only I/O is reading the YAML files shipped in
`data/` (or a path the caller names). Scheduling, sending and remembering what was sent live in
the rest of the feature.
"""

from __future__ import annotations

from handlers.broadcasts.tips.calendar import (
    DEFAULT_CALENDAR_PATH,
    WEEKDAYS,
    Cadence,
    TipCalendar,
    season_of,
)
from handlers.broadcasts.tips.choose import choose_tip
from handlers.broadcasts.tips.content import (
    HEMISPHERES,
    SEASONS,
    THEMES,
    ContentError,
    TipCalendarError,
    TipLibraryError,
)
from handlers.broadcasts.tips.library import DEFAULT_TIPS_PATH, MAX_TEXT_LENGTH, SafetyTip, TipLibrary

__all__ = [
    "DEFAULT_CALENDAR_PATH",
    "DEFAULT_TIPS_PATH",
    "HEMISPHERES",
    "MAX_TEXT_LENGTH",
    "SEASONS",
    "THEMES",
    "WEEKDAYS",
    "Cadence",
    "ContentError",
    "SafetyTip",
    "TipCalendar",
    "TipCalendarError",
    "TipLibrary",
    "TipLibraryError",
    "choose_tip",
    "season_of",
]
