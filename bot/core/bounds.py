"""The bounds every number and date a person types is held to, in one place.

Whatever a chat command, a button or a CLI option carries is text; once it is a number or a
date it must fit what the database and Python can hold, or an update that should have had a
one-line answer fails deep inside (an `OverflowError` from a date past year 9999, a DataError
from an id past PostgreSQL's BIGINT) and is retried and parked like a bug. The parsers here
refuse such values where they are read:

- **ids**: at most `MAX_ID` (BIGINT, 2⁶³ − 1); `MAX_INT` (INTEGER, 2³¹ − 1) for the ids of
  tables whose keys are INTEGER on PostgreSQL (every table but the inbox and the outbox), so a
  lookup of a larger one is known to find nothing without asking;
- **dates**: between `FIRST_DAY` and `LAST_DAY` (2000–2099): nothing Steward schedules or
  reports lies outside, and arithmetic on a day near year 1 or 9999 overflows.

`parse_id` and `parse_day_range` return None or raise `OutOfRange`; the chat side turns that
into a `DomainError` with a kernel text (`check_day`), the CLI into an argparse error line.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.core.errors import DomainError

MAX_ID = 2**63 - 1  # BIGINT
MAX_INT = 2**31 - 1  # INTEGER (PostgreSQL int4): the primary keys of most tables
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
FIRST_YEAR, LAST_YEAR = FIRST_DAY.year, LAST_DAY.year


class OutOfRange(ValueError):
    """A well-formed number or date beyond what Steward accepts."""


def parse_id(text: str, *, limit: int = MAX_ID) -> int | None:
    """A database id typed or carried as text: ASCII digits, 1 ≤ n ≤ `limit`; None if `text`
    is not a plain number (a sign, a space, full-width digits), `OutOfRange` if it is too big."""
    if not text or not text.isascii() or not text.isdigit():
        return None
    if len(text) > len(str(limit)) or int(text) > limit:
        raise OutOfRange(f"{text[:24]} is too large (at most {limit})")
    value = int(text)
    return value if value >= 1 else None


def typed_id(text: str, *, limit: int = MAX_INT) -> int | None:
    """A row's number as a person typed it in a command (「#12」 or 「12」): None when it is not
    one or is beyond what the column holds, so the caller answers with its usage line."""
    try:
        return parse_id(text.removeprefix("#"), limit=limit)
    except OutOfRange:
        return None


def fits(value: int, *, limit: int = MAX_INT) -> bool:
    """Whether an id can be looked up in a column holding at most `limit`."""
    return 0 <= value <= limit


def in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def check_day(day: date, value: str) -> date:
    """`day` if within the bounds, else a `DomainError` naming them (`err.date_range`)."""
    if not in_range(day):
        raise DomainError("err.date_range", value=value[:24], first=FIRST_YEAR, last=LAST_YEAR)
    return day


def check_instant(when: datetime) -> datetime:
    """A point in time within the bounds, or `OutOfRange` (for the CLI's `--at`)."""
    if not in_range(when.date()):
        raise OutOfRange(f"{when.isoformat()} is out of range ({FIRST_YEAR}–{LAST_YEAR})")
    return when
