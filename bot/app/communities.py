"""The community file (TOML): communities, their buildings, chats, steward roster and
supervisors. A bad file stops the program with one line naming the file, the line and the
field, e.g. ``bot/app/examples/community.toml:31: community[0].steward[1].hours: ...``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.app.settings import ConfigError
from handlers.broadcasts.tips import TipCalendar
from handlers.reports.targets import Targets
from handlers.shared.hours import parse_hours
from storage.directory.repository import ChatBinding, CommunitySpec, RosterPerson

ChatRole = Literal["owners", "stewards", "supervisors", "management"]
Language = Literal["zh-Hans", "zh-Hant", "zh-Hant-TW"]


class StewardEntry(BaseModel):
    """One person on the roster: a steward, a supervisor or a manager."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    buildings: list[str] = Field(default_factory=lambda: ["*"])
    categories: list[str] = Field(default_factory=lambda: ["*"])
    hours: str = "00:00-24:00"
    days: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7])
    accounts: dict[Literal["local", "telegram", "wecom"], str] = Field(default_factory=dict)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if not value or any(d < 1 or d > 7 for d in value):
            raise ValueError("days are ISO weekdays 1 (Monday) to 7 (Sunday)")
        return value

    @property
    def working_hours(self) -> tuple[time, time]:
        return parse_hours(self.hours)


class ChatEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform: Literal["local", "telegram", "wecom"]
    id: str = Field(min_length=1)
    role: ChatRole
    title: str = ""
    buildings: list[str] = Field(default_factory=lambda: ["*"])
    webhook_key: str | None = None  # WeCom group robot key for pushes to this chat


class CommunityEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]
    name: str = Field(min_length=1)
    timezone: str = "Asia/Shanghai"
    language: Language = "zh-Hans"
    buildings: list[str] = Field(min_length=1)
    chat: list[ChatEntry] = Field(default_factory=list)
    steward: list[StewardEntry] = Field(default_factory=list)
    supervisor: list[StewardEntry] = Field(min_length=1)
    manager: list[StewardEntry] = Field(default_factory=list)
    knowledge: Path | None = None  # relative to the community file
    tips: dict[str, object] | None = None  # safety-tip calendar override, shaped like calendar.yaml
    targets: dict[str, object] | None = None  # report targets over sla.toml's [targets]

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: dict[str, object] | None) -> dict[str, object] | None:
        if value is not None:
            Targets.from_mapping(value, "targets")  # TargetError is a ValueError: the line named
        return value

    @field_validator("tips")
    @classmethod
    def _tips(cls, value: dict[str, object] | None) -> dict[str, object] | None:
        if value is not None:
            data = {k: v for k, v in value.items() if k != "enabled"}
            TipCalendar.from_mapping(data, base=TipCalendar.load(), source="tips")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    def reference_errors(self) -> list[tuple[tuple[int | str, ...], str]]:
        """Cross-field checks (a roster or chat naming a building the community lacks),
        returned with the exact location so the error names the offending line."""
        known = set(self.buildings)
        errors: list[tuple[tuple[int | str, ...], str]] = []
        groups: list[tuple[str, Sequence[StewardEntry | ChatEntry]]] = [
            ("steward", self.steward),
            ("supervisor", self.supervisor),
            ("manager", self.manager),
            ("chat", self.chat),
        ]
        names: dict[str, str] = {}
        for kind, entries in groups:
            for index, entry in enumerate(entries):
                unknown = [b for b in entry.buildings if b != "*" and b not in known]
                if unknown:
                    errors.append(((kind, index, "buildings"), f"unknown buildings {unknown}"))
                # One roster of a community, one person per name (the database holds to it).
                if isinstance(entry, StewardEntry):
                    if entry.name in names:
                        errors.append(
                            (
                                (kind, index, "name"),
                                f"{entry.name!r} is on the roster twice (also a {names[entry.name]}): "
                                "names must differ within a community",
                            )
                        )
                    names.setdefault(entry.name, kind)
        return errors


class CommunityFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    community: list[CommunityEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> CommunityFile:
        codes = [c.code for c in self.community]
        dup = {c for c in codes if codes.count(c) > 1}
        if dup:
            raise ValueError(f"duplicate community codes {sorted(dup)}")
        seen: set[tuple[str, str]] = set()
        for community in self.community:
            for chat in community.chat:
                key = (chat.platform, chat.id)
                if key in seen:
                    raise ValueError(f"chat {chat.platform}:{chat.id} is bound twice")
                seen.add(key)
        return self


def load_community_file(path: Path) -> CommunityFile:
    """Read and validate the community file, or raise `ConfigError` naming line and field."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: community file not found (set STEWARD_COMMUNITY_FILE)") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read community file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: community file is not UTF-8") from exc
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    try:
        parsed = CommunityFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = locate_line(raw, loc)
        where = f"{path}:{line}" if line else str(path)
        field = format_loc(loc)
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        message = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{where}: {field}: {message}{more}") from exc
    for index, community in enumerate(parsed.community):
        for sub_loc, message in community.reference_errors():
            loc = ("community", index, *sub_loc)
            line = locate_line(raw, loc)
            where = f"{path}:{line}" if line else str(path)
            raise ConfigError(f"{where}: {format_loc(loc)}: {message}")
    return parsed


def format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


def locate_line(raw: str, loc: tuple[int | str, ...]) -> int | None:
    """Best-effort line number in the TOML text for a validation error location.

    Walks the table headers (`[[community]]`, `[[community.steward]]`, `[community.x]`),
    numbering array-of-tables entries, and returns the line of the deepest key or header
    that matches `loc`. Good enough for the files people write by hand.
    """
    counters: dict[tuple[str, ...], int] = {}
    current: tuple[int | str, ...] = ()
    best: int | None = None
    best_depth = -1
    target = tuple(loc)
    for number, line in enumerate(raw.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            names = header.group(2).split(".")
            is_array = header.group(1) == "[["
            path: list[int | str] = []
            for depth, name in enumerate(names):
                path.append(name)
                prefix = tuple(str(p) for p in path)
                is_last = depth == len(names) - 1
                if is_last and is_array:
                    counters[prefix] = counters.get(prefix, -1) + 1
                    path.append(counters[prefix])
                elif not is_last and prefix in counters:
                    path.append(counters[prefix])
            if is_array:
                # A new entry of an array of tables restarts the numbering of its sub-arrays.
                own = tuple(names)
                for key in list(counters):
                    if len(key) > len(own) and key[: len(own)] == own:
                        del counters[key]
            current = tuple(path)
            depth_match = _common_prefix(current, target)
            if depth_match == len(current) and depth_match > best_depth:
                best, best_depth = number, depth_match
            continue
        key_match = _KEY.match(line)
        if key_match:
            full = (*current, key_match.group(1))
            depth_match = _common_prefix(full, target)
            if depth_match == len(full) and depth_match > best_depth:
                best, best_depth = number, depth_match
    return best


def _common_prefix(a: tuple[int | str, ...], b: tuple[int | str, ...]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def community_spec(entry: CommunityEntry) -> CommunitySpec:
    people = [
        RosterPerson(
            name=p.name,
            role=role,
            buildings=list(p.buildings),
            categories=list(p.categories),
            hours=p.hours,
            days=list(p.days),
            accounts={str(k): v for k, v in p.accounts.items()},
        )
        for role, group in (
            ("steward", entry.steward),
            ("supervisor", entry.supervisor),
            ("manager", entry.manager),
        )
        for p in group
    ]
    chats = [
        ChatBinding(
            platform=c.platform,
            platform_chat_id=c.id,
            role=c.role,
            title=c.title,
            buildings=list(c.buildings),
            webhook_key=c.webhook_key,
        )
        for c in entry.chat
    ]
    return CommunitySpec(
        code=entry.code,
        name=entry.name,
        timezone=entry.timezone,
        language=entry.language,
        buildings=list(entry.buildings),
        chats=chats,
        people=people,
    )
