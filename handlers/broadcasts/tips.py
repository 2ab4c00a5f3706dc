"""Safety-tip library, tip calendar and the weekly tip choice.

Pure functions and immutable data: the only I/O is reading the YAML files shipped next to this
module (or a path the caller names). Scheduling, sending and remembering what was sent live
elsewhere; `choose_tip` takes the group's send history as a plain mapping.

Error messages name the file and the entry, e.g.
``safety_tips.yaml: tips[12] (fire-003): hant is missing``; list indexes count from 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Final

import yaml

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

THEMES: Final[tuple[str, ...]] = (
    "fire",
    "electricity",
    "ebike",
    "gas",
    "flood_typhoon",
    "elevator",
    "falling_objects",
    "anti_fraud",
    "child_safety",
    "elderly_safety",
    "winter_freezing",
    "summer_heat",
    "epidemic_hygiene",
    "traffic",
    "home_security",
)
SEASONS: Final[tuple[str, ...]] = ("spring", "summer", "autumn", "winter")
HEMISPHERES: Final[tuple[str, ...]] = ("north", "south")
WEEKDAYS: Final[tuple[str, ...]] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
MAX_TEXT_LENGTH: Final = 120

DEFAULT_TIPS_PATH: Final = Path(__file__).with_name("data") / "safety_tips.yaml"
DEFAULT_CALENDAR_PATH: Final = Path(__file__).with_name("data") / "calendar.yaml"

_ID_RE: Final = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_TIME_RE: Final = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_TIP_KEYS: Final = frozenset({"id", "theme", "seasons", "hans", "hant"})
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


class ContentError(ValueError):
    """A problem in the tip library or a calendar, with a message naming the entry."""


class TipLibraryError(ContentError):
    """The tip library is invalid."""


class TipCalendarError(ContentError):
    """A tip calendar (the default one or a community override) is invalid."""


# --------------------------------------------------------------------------- seasons


def season_of(day: date, hemisphere: str = "north") -> str:
    """The meteorological season of `day`: spring = Mar-May, summer = Jun-Aug, autumn = Sep-Nov,
    winter = Dec-Feb in the north; shifted by six months in the south."""
    if hemisphere not in HEMISPHERES:
        raise ValueError(f"unknown hemisphere {hemisphere!r} (expected north or south)")
    month_index = day.month - 1
    if hemisphere == "south":
        month_index = (month_index + 6) % 12
    return _NORTH_SEASON_BY_MONTH[month_index]


# --------------------------------------------------------------------------- tips


@dataclass(frozen=True)
class SafetyTip:
    """One tip in both scripts. `seasons` is the set of seasons the tip may be sent in."""

    id: str
    theme: str
    seasons: frozenset[str]
    hans: str
    hant: str

    def text(self, traditional: bool) -> str:
        """The tip in Traditional Chinese if `traditional`, else in Simplified Chinese."""
        return self.hant if traditional else self.hans

    def in_season(self, season: str) -> bool:
        return season in self.seasons


class TipLibrary:
    """An immutable, validated collection of tips, in file order, indexed by id."""

    __slots__ = ("_by_id", "_tips")

    def __init__(self, tips: Iterable[SafetyTip]) -> None:
        self._tips: tuple[SafetyTip, ...] = tuple(tips)
        self._by_id: dict[str, SafetyTip] = {}
        for tip in self._tips:
            if tip.id in self._by_id:
                raise TipLibraryError(f"duplicate tip id {tip.id!r}")
            self._by_id[tip.id] = tip

    @classmethod
    def load(cls, path: Path | None = None) -> TipLibrary:
        """Read and validate a library file; the shipped `safety_tips.yaml` by default."""
        path = DEFAULT_TIPS_PATH if path is None else path
        return cls.from_mapping(_read_yaml(path, TipLibraryError), source=path.name)

    @classmethod
    def from_mapping(cls, data: object, source: str = "tips") -> TipLibrary:
        """Validate an already-parsed library (``{"tips": [...]}``); `source` prefixes errors."""
        if not isinstance(data, Mapping):
            raise TipLibraryError(f"{source}: expected a mapping with a 'tips' list")
        unknown = sorted(str(key) for key in data if key != "tips")
        if unknown:
            raise TipLibraryError(f"{source}: unknown key {unknown[0]!r} (expected 'tips')")
        entries = data.get("tips")
        if not isinstance(entries, list) or not entries:
            raise TipLibraryError(f"{source}: 'tips' must be a non-empty list")
        tips: list[SafetyTip] = []
        first_index: dict[str, int] = {}
        for index, entry in enumerate(entries):
            tip = _parse_tip(entry, f"{source}: tips[{index}]")
            if tip.id in first_index:
                raise TipLibraryError(
                    f"{source}: tips[{index}] ({tip.id}): duplicate id, first used by tips[{first_index[tip.id]}]"
                )
            first_index[tip.id] = index
            tips.append(tip)
        return cls(tips)

    @property
    def tips(self) -> tuple[SafetyTip, ...]:
        return self._tips

    def __len__(self) -> int:
        return len(self._tips)

    def __iter__(self) -> Iterator[SafetyTip]:
        return iter(self._tips)

    def __contains__(self, tip_id: object) -> bool:
        return tip_id in self._by_id

    def get(self, tip_id: str) -> SafetyTip | None:
        return self._by_id.get(tip_id)

    def by_theme(self, theme: str) -> tuple[SafetyTip, ...]:
        return tuple(tip for tip in self._tips if tip.theme == theme)

    def count_by_theme(self) -> dict[str, int]:
        """Tips per theme, every known theme included (0 when it has none)."""
        counts = dict.fromkeys(THEMES, 0)
        for tip in self._tips:
            counts[tip.theme] += 1
        return counts


def _parse_tip(entry: object, where: str) -> SafetyTip:
    if not isinstance(entry, Mapping):
        raise TipLibraryError(f"{where}: expected a mapping with id, theme, seasons, hans and hant")
    raw_id = entry.get("id")
    if raw_id is None:
        raise TipLibraryError(f"{where}: id is missing")
    if not isinstance(raw_id, str) or not _ID_RE.match(raw_id):
        raise TipLibraryError(f"{where}: id {raw_id!r} is not a slug like 'fire-001'")
    where = f"{where} ({raw_id})"

    unknown = sorted(str(key) for key in entry if key not in _TIP_KEYS)
    if unknown:
        raise TipLibraryError(f"{where}: unknown key {unknown[0]!r}")

    theme = entry.get("theme")
    if theme is None:
        raise TipLibraryError(f"{where}: theme is missing")
    if theme not in THEMES:
        raise TipLibraryError(f"{where}: unknown theme {theme!r}")

    seasons = _parse_seasons(entry.get("seasons"), where)

    texts: dict[str, str] = {}
    for script in ("hans", "hant"):
        value = entry.get(script)
        if value is None:
            raise TipLibraryError(f"{where}: {script} is missing")
        if not isinstance(value, str):
            raise TipLibraryError(f"{where}: {script} must be text")
        value = value.strip()
        if not value:
            raise TipLibraryError(f"{where}: {script} is empty")
        if len(value) > MAX_TEXT_LENGTH:
            raise TipLibraryError(
                f"{where}: {script} is too long ({len(value)} characters, at most {MAX_TEXT_LENGTH})"
            )
        texts[script] = value
    if texts["hans"] == texts["hant"]:
        raise TipLibraryError(f"{where}: hant is identical to hans (not written in Traditional Chinese)")

    return SafetyTip(id=raw_id, theme=str(theme), seasons=seasons, hans=texts["hans"], hant=texts["hant"])


def _parse_seasons(value: object, where: str) -> frozenset[str]:
    if value is None:
        raise TipLibraryError(f"{where}: seasons is missing")
    if value == "all":
        return frozenset(SEASONS)
    if not isinstance(value, list) or not value:
        raise TipLibraryError(f"{where}: seasons must be 'all' or a non-empty list of seasons")
    seasons: set[str] = set()
    for item in value:
        if item == "all":
            return frozenset(SEASONS)
        if item not in SEASONS:
            raise TipLibraryError(f"{where}: unknown season {item!r}")
        seasons.add(str(item))
    return frozenset(seasons)


# --------------------------------------------------------------------------- calendar


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
        return cls.from_mapping(_read_yaml(path, TipCalendarError), source=path.name)

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


# --------------------------------------------------------------------------- choosing


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


# --------------------------------------------------------------------------- files


def _read_yaml(path: Path, error: type[ContentError]) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path.name}: cannot read: {exc.strerror or exc}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise error(f"{path.name}{line}: invalid YAML: {getattr(exc, 'problem', None) or exc}") from exc
