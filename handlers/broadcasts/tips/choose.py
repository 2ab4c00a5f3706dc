"""The weekly tip choice for one group: in season, not repeated too soon, the month's theme
first. Pure: the group's send history comes in as a plain mapping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from handlers.broadcasts.tips.calendar import TipCalendar
from handlers.broadcasts.tips.content import THEMES
from handlers.broadcasts.tips.library import SafetyTip, TipLibrary


def choose_tip(
    library: TipLibrary,
    calendar: TipCalendar,
    day: date,
    recently_sent: Mapping[str, date],
    *,
    repeat_when_exhausted: bool = False,
) -> SafetyTip | None:
    """The tip to send to one group on `day`.

    `recently_sent` maps tip id -> the last date this group received it (ids no longer in the
    library are ignored). Only tips tagged for the season of `day` are considered, and a tip
    sent fewer than `calendar.no_repeat_days` days before (or after) `day` is blocked. Among
    the rest the month theme wins, then the season's themes, then any theme. Within a tier the
    least recently sent tip (never sent first) wins; ties go to the theme ranked first in the
    calendar, then to the tip tagged for fewer seasons (a typhoon tip before an all-year one, so
    the timely tips come out first), then to the smallest id. The same inputs always give the
    same tip, whatever the order of `recently_sent`.

    When every in-season tip is blocked this returns None, so the no-repeat promise holds and
    the caller skips the week. With `repeat_when_exhausted=True` it returns the least recently
    sent in-season tip instead. It also returns None if no tip is tagged for the season.
    """
    season = calendar.season_of(day)
    themes = calendar.themes_for(day)
    month_theme = calendar.month_theme(day.month)
    # Rank of each theme for tie-breaks: the day's themes in calendar order, then the rest.
    rank = {
        theme: position for position, theme in enumerate([*themes, *(t for t in THEMES if t not in themes)])
    }

    def tier(tip: SafetyTip) -> int:
        if month_theme is not None and tip.theme == month_theme:
            return 0
        return 1 if tip.theme in themes else 2

    def last_sent(tip: SafetyTip) -> date:
        return recently_sent.get(tip.id, date.min)

    def order(tip: SafetyTip) -> tuple[int, date, int, int, str]:
        return (tier(tip), last_sent(tip), rank[tip.theme], len(tip.seasons), tip.id)

    in_season = [tip for tip in library if tip.in_season(season)]
    allowed = [tip for tip in in_season if not _blocked(tip, day, recently_sent, calendar.no_repeat_days)]
    if allowed:
        return min(allowed, key=order)
    if repeat_when_exhausted and in_season:
        return min(in_season, key=lambda tip: (last_sent(tip), *order(tip)))
    return None


def _blocked(tip: SafetyTip, day: date, recently_sent: Mapping[str, date], no_repeat_days: int) -> bool:
    sent = recently_sent.get(tip.id)
    return sent is not None and abs((day - sent).days) < no_repeat_days
