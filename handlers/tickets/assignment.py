"""Who gets a ticket: the building a report is about, then the roster's grid (buildings) and
skills (categories), on duty now, fewest open tickets first; nobody fits → nobody (the card
offers 「接单」 and the supervisors are asked to dispatch).

Pure functions over roster rows; the caller supplies the open-ticket counts and the time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from handlers.shared.hours import parse_hours
from storage.directory.models import Steward

# A building named without a unit: 「C座大堂」, 「5号楼门口」, 「3棟電梯」.
BUILDING_MENTION = re.compile(r"(?<![A-Z0-9])([A-Z]|\d{1,2})\s*(?:座|栋|棟|幢|号楼|號樓|號|号)")


def report_building(
    text: str,
    written: str | None,
    member_unit: str | None,
    chat_buildings: Sequence[str],
    community_buildings: Sequence[str],
) -> str | None:
    """The building a report is about: as written in a unit (`written`) or named in the
    text, else the owner's registered unit, else the group's only building. A building the
    community does not have is ignored: a typo'd or foreign building must not steer
    assignment."""
    building = written
    if building is None:
        named = BUILDING_MENTION.search(text.upper())
        building = named.group(1) if named else None
    if building is None and member_unit:
        building = member_unit.split("-", 1)[0]
    if building is None and len(chat_buildings) == 1 and chat_buildings[0] != "*":
        building = chat_buildings[0]
    if building is not None and building not in community_buildings:
        return None
    return building


def covers(values: Sequence[str], wanted: str | None) -> bool:
    if "*" in values:
        return True
    return wanted is not None and wanted in values


def on_duty(steward: Steward, local: datetime) -> bool:
    start, end = parse_hours(steward.hours)
    days = steward.days or [1, 2, 3, 4, 5, 6, 7]
    return local.isoweekday() in days and start <= local.time() <= end


def next_shift(steward: Steward, local: datetime) -> datetime | None:
    """When `steward` is next on duty after `local` (its zone): the start of their hours on
    the next working day of theirs, today's if still to come; None if they never work."""
    start, _ = parse_hours(steward.hours)
    days = steward.days or [1, 2, 3, 4, 5, 6, 7]
    for ahead in range(8):
        day = (local + timedelta(days=ahead)).date()
        begin = datetime.combine(day, start, local.tzinfo)
        if begin.isoweekday() in days and begin > local:
            return begin
    return None


def back_on_duty(
    roster: Sequence[Steward], building: str | None, category: str | None, local: datetime
) -> datetime | None:
    """When a steward who covers the building and the category next comes on duty (nobody
    who does is on duty now: `candidates` is empty); None if no such steward works at all."""
    shifts = [
        when
        for s in roster
        if s.role == "steward"
        and s.active
        and (building is None or covers(s.buildings, building))
        and covers(s.categories, category)
        and (when := next_shift(s, local)) is not None
    ]
    return min(shifts, default=None)


def candidates(
    roster: Sequence[Steward], building: str | None, category: str | None, local: datetime
) -> list[Steward]:
    """Stewards who cover the building and the category and are working now."""
    return [
        s
        for s in roster
        if s.role == "steward"
        and s.active
        and (building is None or covers(s.buildings, building))
        and covers(s.categories, category)
        and on_duty(s, local)
    ]


def choose_assignee(
    roster: Sequence[Steward],
    building: str | None,
    category: str | None,
    local: datetime,
    open_counts: Mapping[int, int],
) -> Steward | None:
    """Fewest open tickets first; on a tie, the steward whose grid names the building
    (a specialist covering "*" comes after), then the roster order."""
    pool = candidates(roster, building, category, local)
    if not pool:
        return None
    return min(
        pool,
        key=lambda s: (open_counts.get(s.id, 0), 0 if building in s.buildings else 1, s.id),
    )
