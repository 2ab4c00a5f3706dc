"""Reading the billing system's export for `steward fees import`: a CSV with a header row,
one unit per line: unit, owner account ("platform:user id", may be empty), amount due (yuan,
up to 2 decimals), months overdue (a whole number), and optionally the period's due date.
Each bad line is one error naming its line number; the good lines are kept."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

# The header names accepted for each column (English, or the billing system's Chinese).
COLUMNS = {
    "unit": ("unit", "房号", "房號"),
    "account": ("account", "owner_account", "业主账号", "業主賬號"),
    "amount_due": ("amount_due", "amount", "应缴金额", "應繳金額", "欠费金额"),
    "months_overdue": ("months_overdue", "months", "欠费月数", "欠費月數"),
    "due_date": ("due_date", "缴费截止日", "繳費截止日"),
}
REQUIRED = ("unit", "account", "amount_due", "months_overdue")
PLATFORMS = ("telegram", "wecom", "local")
MAX_AMOUNT = Decimal("10000000")  # ten million yuan: beyond, a typo
MAX_MONTHS = 240
_ACCOUNT = re.compile(r"^(?P<platform>[a-z]+):(?P<user>[^\s:]{1,128})$")


@dataclass(frozen=True)
class FeeRow:
    line: int
    unit: str  # as written; the service reads it against the community
    account: str | None
    amount_due: int  # cents
    months_overdue: int
    due_date: date | None


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def read_fee_file(text: str) -> tuple[list[FeeRow], list[BadRow]]:
    """The rows and the errors of an export (a missing column is one error on line 1)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        return [], [
            BadRow(1, "the file is empty (expected a header: unit,account,amount_due,months_overdue)")
        ]
    names = [h.strip().lower() for h in header]
    where: dict[str, int] = {}
    for column, aliases in COLUMNS.items():
        for i, name in enumerate(names):
            if name in aliases:
                where[column] = i
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        return [], [BadRow(1, f"the header has no {', '.join(missing)} column (found: {', '.join(names)})")]
    rows: list[FeeRow] = []
    bad: list[BadRow] = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        try:
            rows.append(_row(line, values, where))
        except ValueError as exc:
            bad.append(BadRow(line, str(exc)))
    return rows, bad


def _cell(values: list[str], where: dict[str, int], column: str) -> str:
    i = where.get(column)
    return values[i].strip() if i is not None and i < len(values) else ""


def _row(line: int, values: list[str], where: dict[str, int]) -> FeeRow:
    unit = _cell(values, where, "unit")
    if not unit:
        raise ValueError("the unit is empty")
    account = _cell(values, where, "account") or None
    if account is not None:
        found = _ACCOUNT.match(account)
        if found is None or found.group("platform") not in PLATFORMS:
            raise ValueError(f"account {account[:40]!r} is not platform:user_id ({', '.join(PLATFORMS)})")
    written = _cell(values, where, "amount_due").replace(",", "").lstrip("¥￥")
    try:
        amount = Decimal(written)
    except InvalidOperation:
        raise ValueError(f"amount_due {written[:20]!r} is not an amount") from None
    if (
        not amount.is_finite()
        or amount < 0
        or amount >= MAX_AMOUNT
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise ValueError(f"amount_due {written[:20]!r} must be 0 or more, in yuan with at most 2 decimals")
    months_text = _cell(values, where, "months_overdue")
    if not months_text.isdigit() or int(months_text) > MAX_MONTHS:
        raise ValueError(
            f"months_overdue {months_text[:20]!r} is not a whole number of months (0-{MAX_MONTHS})"
        )
    due_text = _cell(values, where, "due_date")
    due = None
    if due_text:
        try:
            due = date.fromisoformat(due_text)
        except ValueError:
            raise ValueError(f"due_date {due_text[:20]!r} is not a date like 2026-12-01") from None
    return FeeRow(line, unit, account, int(amount * 100), int(months_text), due)


def yuan(cents: int) -> str:
    return f"¥{cents // 100:,}.{cents % 100:02d}"
