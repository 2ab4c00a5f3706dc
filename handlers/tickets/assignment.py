"""Who gets a ticket: the roster's grid (buildings) and skills (categories), on duty now,
fewest open tickets first; nobody fits → nobody (the card
offers 「接单」 and the supervisors are asked to dispatch).

Pure functions over roster rows; the caller supplies the open-ticket counts and the time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from handlers.shared.hours import parse_hours
from storage.directory.models import Steward


def covers(values: Sequence[str], wanted: str | None) -> bool:
    if "*" in values:
        return True
    return wanted is not None and wanted in values


def on_duty(steward: Steward, local: datetime) -> bool:
    start, end = parse_hours(steward.hours)
    days = steward.days or [1, 2, 3, 4, 5, 6, 7]
    return local.isoweekday() in days and start <= local.time() <= end


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
