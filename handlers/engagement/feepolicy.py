"""The fee reminders' numbers, from the property documents (`data/fees.toml`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

DATA = Path(__file__).parent / "data" / "fees.toml"


@dataclass(frozen=True)
class FeePolicy:
    target: float = 0.98
    due_day: int = 1
    friendly_days: int = 7
    formal_from: int = 1
    formal_to: int = 3
    remind_at: time = time(10, 0)
    answer_days: int = 30

    @classmethod
    def load(cls, path: Path = DATA) -> FeePolicy:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        hour, _, minute = str(raw.get("remind_at", "10:00")).partition(":")
        policy = cls(
            target=float(raw.get("target", 0.98)),
            due_day=int(raw.get("due_day", 1)),
            friendly_days=int(raw.get("friendly_days", 7)),
            formal_from=int(raw.get("formal_from", 1)),
            formal_to=int(raw.get("formal_to", 3)),
            remind_at=time(int(hour), int(minute or 0)),
            answer_days=int(raw.get("answer_days", 30)),
        )
        if not (
            0 < policy.target <= 1
            and 1 <= policy.due_day <= 28
            and 1 <= policy.formal_from <= policy.formal_to
        ):
            raise ValueError(f"{path}: target in (0, 1], due_day 1-28, formal_from <= formal_to")
        return policy

    def next_due(self, today: date) -> date:
        """The next period's due date on or after `today`."""
        if today.day <= self.due_day:
            return today.replace(day=self.due_day)
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return date(year, month, self.due_day)
