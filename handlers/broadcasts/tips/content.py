"""What the tip library and the tip calendars share: the themes and seasons they speak of,
their errors, and how their YAML files are read.

Error messages name the file and the entry, e.g.
``safety_tips.yaml: tips[12] (fire-003): hant is missing``; list indexes count from 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import yaml

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

DATA: Final = Path(__file__).with_name("data")


class ContentError(ValueError):
    """A problem in the tip library or a calendar, with a message naming the entry."""


class TipLibraryError(ContentError):
    """The tip library is invalid."""


class TipCalendarError(ContentError):
    """A tip calendar (the default one or a community override) is invalid."""


def read_yaml(path: Path, error: type[ContentError]) -> object:
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
