"""The safety-tip library: every tip in both scripts, with its theme and the seasons it may be
sent in, read and validated from `data/safety_tips.yaml` (or a file the caller names)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from handlers.broadcasts.tips.content import DATA, SEASONS, THEMES, TipLibraryError, read_yaml

MAX_TEXT_LENGTH: Final = 120
DEFAULT_TIPS_PATH: Final = DATA / "safety_tips.yaml"

_ID_RE: Final = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_TIP_KEYS: Final = frozenset({"id", "theme", "seasons", "hans", "hant"})


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
        return cls.from_mapping(read_yaml(path, TipLibraryError), source=path.name)

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
