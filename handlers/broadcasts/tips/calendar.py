"""The tip calendar: which themes a day calls for (the month's, then the season's), how often
a group gets a tip, and how long before one may repeat. Read from `data/calendar.yaml`; a
community may override parts of it in the community file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Final

from handlers.broadcasts.tips.content import (
    DATA,
    HEMISPHERES,
    SEASONS,
    THEMES,
    TipCalendarError,
    read_yaml,
)

WEEKDAYS: Final[tuple[str, ...]] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

DEFAULT_CALENDAR_PATH: Final = DATA / "calendar.yaml"

_TIME_RE: Final = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_CALENDAR_KEYS: Final = frozenset({"hemisphere", "months", "seasons", "cadence", "no_repeat_days"})
_CADENCE_KEYS: Final = frozenset({"every_weeks", "weekday", "time"})
# Meteorological seasons in the northern hemisphere, indexed by month - 1.
_NORTH_SEASON_BY_MONTH: Final[tuple[str, ...]] = (
    "winter",
    "winter",
    "spring",
    "spring",
    "spring",
    "summer",
    "summer",
    "summer",
    "autumn",
    "autumn",
    "autumn",
    "winter",
)


def season_of(day: date, hemisphere: str = "north") -> str:
    """The meteorological season of `day`: spring = Mar-May, summer = Jun-Aug, autumn = Sep-Nov,
    winter = Dec-Feb in the north; shifted by six months in the south."""
    if hemisphere not in HEMISPHERES:
        raise ValueError(f"unknown hemisphere {hemisphere!r} (expected north or south)")
    month_index = day.month - 1
    if hemisphere == "south":
        month_index = (month_index + 6) % 12
    return _NORTH_SEASON_BY_MONTH[month_index]


@dataclass(frozen=True)
class Cadence:
    """How often a group gets a tip: every `every_weeks` weeks on `weekday` (0 = Monday) at
    `at`, local time of the community."""

    every_weeks: int
    weekday: int
    at: time

    @property
    def weekday_name(self) -> str:
        return WEEKDAYS[self.weekday]


@dataclass(frozen=True)
class TipCalendar:
    """Which themes a day calls for, how often tips go out and how long before one may repeat.

    `months[m - 1]` is the theme of month m (None: no month theme); `seasons[i]` lists the themes
    of `SEASONS[i]`, most wanted first.
    """

    hemisphere: str
    months: tuple[str | None, ...]
    seasons: tuple[tuple[str, ...], ...]
    cadence: Cadence
    no_repeat_days: int

    @classmethod
    def load(cls, path: Path | None = None) -> TipCalendar:
        """Read and validate a complete calendar file; the shipped `calendar.yaml` by default."""
        path = DEFAULT_CALENDAR_PATH if path is None else path
        return cls.from_mapping(read_yaml(path, TipCalendarError), source=path.name)

    @classmethod
    def from_mapping(
        cls, data: object, base: TipCalendar | None = None, source: str = "calendar"
    ) -> TipCalendar:
        """Validate a calendar mapping (the shape of calendar.yaml).

        Without `base` every key is required and every month and season must be listed. With
        `base` (typically the default calendar) the mapping is a per-community override: keys it
        leaves out keep the base values; `months` and `cadence` are merged key by key, each
        season listed in `seasons` replaces that season's list, and a month set to null has no
        month theme. `source` prefixes error messages.
        """
        if data is None and base is not None:
            return base
        if not isinstance(data, Mapping):
            raise TipCalendarError(f"{source}: expected a mapping")
        unknown = sorted(str(key) for key in data if key not in _CALENDAR_KEYS)
        if unknown:
            raise TipCalendarError(f"{source}: unknown key {unknown[0]!r}")
        if base is None:
            for key in sorted(_CALENDAR_KEYS):
                if key not in data:
                    raise TipCalendarError(f"{source}: {key} is missing")

        hemisphere = base.hemisphere if base is not None else "north"
        if "hemisphere" in data:
            if data["hemisphere"] not in HEMISPHERES:
                raise TipCalendarError(
                    f"{source}: hemisphere: unknown hemisphere {data['hemisphere']!r} (expected north or south)"
                )
            hemisphere = str(data["hemisphere"])

        months: list[str | None] = list(base.months) if base is not None else [None] * 12
        if "months" in data:
            months = _parse_months(data["months"], months, complete=base is None, source=source)

        seasons: list[tuple[str, ...]] = list(base.seasons) if base is not None else [()] * len(SEASONS)
        if "seasons" in data:
            seasons = _parse_season_themes(data["seasons"], seasons, complete=base is None, source=source)

        cadence = base.cadence if base is not None else None
        if "cadence" in data:
            cadence = _parse_cadence(data["cadence"], cadence, source)
        assert cadence is not None  # required above when there is no base

        no_repeat_days = base.no_repeat_days if base is not None else 0
        if "no_repeat_days" in data:
            value = data["no_repeat_days"]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise TipCalendarError(f"{source}: no_repeat_days must be a whole number of days >= 0")
            no_repeat_days = value

        return cls(
            hemisphere=hemisphere,
            months=tuple(months),
            seasons=tuple(seasons),
            cadence=cadence,
            no_repeat_days=no_repeat_days,
        )

    def month_theme(self, month: int) -> str | None:
        return self.months[month - 1]

    def season_themes(self, season: str) -> tuple[str, ...]:
        return self.seasons[SEASONS.index(season)]

    def season_of(self, day: date, hemisphere: str | None = None) -> str:
        """The season of `day`, in this calendar's hemisphere unless one is given."""
        return season_of(day, self.hemisphere if hemisphere is None else hemisphere)

    def themes_for(self, day: date) -> list[str]:
        """The themes `day` calls for: the month theme first, then the season's, without repeats."""
        themes: list[str] = []
        month_theme = self.month_theme(day.month)
        if month_theme is not None:
            themes.append(month_theme)
        for theme in self.season_themes(self.season_of(day)):
            if theme not in themes:
                themes.append(theme)
        return themes

    def to_mapping(self) -> dict[str, object]:
        """The calendar in the shape `from_mapping` reads."""
        return {
            "hemisphere": self.hemisphere,
            "months": {month: self.months[month - 1] for month in range(1, 13)},
            "seasons": {season: list(self.seasons[i]) for i, season in enumerate(SEASONS)},
            "cadence": {
                "every_weeks": self.cadence.every_weeks,
                "weekday": self.cadence.weekday_name,
                "time": self.cadence.at.strftime("%H:%M"),
            },
            "no_repeat_days": self.no_repeat_days,
        }


def _parse_months(
    value: object, months: list[str | None], *, complete: bool, source: str
) -> list[str | None]:
    if not isinstance(value, Mapping):
        raise TipCalendarError(f"{source}: months must map month numbers 1-12 to themes")
    months = list(months)
    seen: set[int] = set()
    for key, theme in value.items():
        month = _month_number(key)
        if month is None:
            raise TipCalendarError(f"{source}: months.{key}: unknown month (expected 1-12)")
        if month in seen:
            raise TipCalendarError(f"{source}: months.{key}: month {month} is listed twice")
        seen.add(month)
        if theme is None:
            months[month - 1] = None
            continue
        if theme not in THEMES:
            raise TipCalendarError(f"{source}: months.{key}: unknown theme {theme!r}")
        months[month - 1] = str(theme)
    if complete:
        missing = [month for month in range(1, 13) if month not in seen]
        if missing:
            raise TipCalendarError(f"{source}: months.{missing[0]} is missing")
    return months


def _month_number(key: object) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        number = key
    elif isinstance(key, str) and key.strip().isdigit():
        number = int(key.strip())
    else:
        return None
    return number if 1 <= number <= 12 else None


def _parse_season_themes(
    value: object, seasons: list[tuple[str, ...]], *, complete: bool, source: str
) -> list[tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise TipCalendarError(f"{source}: seasons must map spring/summer/autumn/winter to lists of themes")
    seasons = list(seasons)
    for season, themes in value.items():
        if season not in SEASONS:
            raise TipCalendarError(f"{source}: seasons.{season}: unknown season")
        if themes is None:
            themes = []
        if not isinstance(themes, list):
            raise TipCalendarError(f"{source}: seasons.{season}: expected a list of themes")
        parsed: list[str] = []
        for index, theme in enumerate(themes):
            if theme not in THEMES:
                raise TipCalendarError(f"{source}: seasons.{season}[{index}]: unknown theme {theme!r}")
            if theme in parsed:
                raise TipCalendarError(
                    f"{source}: seasons.{season}[{index}]: theme {theme!r} is listed twice"
                )
            parsed.append(str(theme))
        seasons[SEASONS.index(str(season))] = tuple(parsed)
    if complete:
        for season in SEASONS:
            if season not in value:
                raise TipCalendarError(f"{source}: seasons.{season} is missing")
    return seasons


def _parse_cadence(value: object, base: Cadence | None, source: str) -> Cadence:
    where = f"{source}: cadence"
    if not isinstance(value, Mapping):
        raise TipCalendarError(f"{where}: expected a mapping with every_weeks, weekday and time")
    unknown = sorted(str(key) for key in value if key not in _CADENCE_KEYS)
    if unknown:
        raise TipCalendarError(f"{where}: unknown key {unknown[0]!r}")
    if base is None:
        for key in ("every_weeks", "weekday", "time"):
            if key not in value:
                raise TipCalendarError(f"{where}.{key} is missing")

    every_weeks = base.every_weeks if base is not None else 1
    if "every_weeks" in value:
        raw = value["every_weeks"]
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise TipCalendarError(f"{where}.every_weeks must be a whole number >= 1")
        every_weeks = raw

    weekday = base.weekday if base is not None else 0
    if "weekday" in value:
        raw = value["weekday"]
        name = raw.strip().lower() if isinstance(raw, str) else None
        if name not in WEEKDAYS:
            raise TipCalendarError(f"{where}.weekday: unknown weekday {raw!r} (expected monday ... sunday)")
        weekday = WEEKDAYS.index(name)

    at = base.at if base is not None else time(10, 0)
    if "time" in value:
        raw = value["time"]
        match = _TIME_RE.match(raw.strip()) if isinstance(raw, str) else None
        if match is None:
            hint = " (quote it: YAML reads an unquoted 10:00 as a number)" if isinstance(raw, int) else ""
            raise TipCalendarError(f"{where}.time: expected a quoted 'HH:MM' time, got {raw!r}{hint}")
        at = time(int(match.group(1)), int(match.group(2)))

    return Cadence(every_weeks=every_weeks, weekday=weekday, at=at)
