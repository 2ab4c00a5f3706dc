"""What every `steward` command group shares: how it plugs into the parser, the one-shot
app it runs on, and the argument types with one clear line for a bad value."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.app.root import App, build_app
from bot.app.settings import Settings
from bot.core.bounds import OutOfRange, check_instant, parse_id

Subparsers = Any  # argparse's _SubParsersAction, which typeshed keeps private


@dataclass(frozen=True)
class Command:
    """A command group: the top-level names it answers to, how it adds its parsers, and what
    runs it (synchronous: it opens its own event loop when it needs one)."""

    names: tuple[str, ...]
    register: Callable[[Subparsers], None]
    run: Callable[[Settings, argparse.Namespace], int]


@asynccontextmanager
async def one_shot(settings: Settings, *, read_only: bool = False) -> AsyncIterator[App]:
    """The app without adapters, sender or scheduler: the database checked and the community
    file synced (not for a `read_only` command, which changes nothing). What the command
    writes to the outbox, the running `steward run` sends."""
    app = build_app(settings)
    try:
        await app.start(channels=False, sender=False, scheduler=False, sync=not read_only)
        yield app
    finally:
        await app.stop()


def instant(text: str) -> datetime:
    """'2026-12-07T10:00+08:00' -> an aware datetime (the offset is required: no guessing the zone)."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a time like 2026-12-07T10:00+08:00, got {text!r}"
        ) from None
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give the time's UTC offset, e.g. {text}+08:00")
    try:
        return check_instant(when)
    except OutOfRange as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def row_id(text: str) -> int:
    """A database id (`steward inbox retry 12`): a plain number from 1 to BIGINT's largest."""
    try:
        value = parse_id(text)
    except OutOfRange as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value is None:
        raise argparse.ArgumentTypeError(f"expected an id (a number from 1), got {text[:24]!r}")
    return value


# The longest period or validity a command takes: ten years (beyond, a date overflows).
MAX_DAYS = 3650


def since(text: str) -> timedelta:
    """'7d', '24h', '2w', '90m' -> a timedelta, at most `MAX_DAYS`."""
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit() or int(number) <= 0:
        raise argparse.ArgumentTypeError(f"expected a period like 7d, 24h, 2w or 90m, got {text!r}")
    try:
        period = timedelta(**{units[unit]: int(number)})
    except OverflowError:
        period = timedelta(days=MAX_DAYS + 1)
    if period > timedelta(days=MAX_DAYS):
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is too long: at most {MAX_DAYS}d")
    return period


def hours(text: str) -> float:
    """A number of hours above 0 and at most `MAX_DAYS` days' worth (`--hours 24`)."""
    return _hours(text, zero=False)


def hours_or_zero(text: str) -> float:
    """The same, or 0 (`--max-age 0`: no limit)."""
    return _hours(text, zero=True)


def _hours(text: str, *, zero: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of hours, got {text[:20]!r}") from None
    if not (0 <= value <= MAX_DAYS * 24) or (value == 0 and not zero):  # also NaN and inf
        low = "0" if zero else "more than 0"
        raise argparse.ArgumentTypeError(
            f"hours must be {low} and at most {MAX_DAYS * 24}, got {text[:20]!r}"
        )
    return value
