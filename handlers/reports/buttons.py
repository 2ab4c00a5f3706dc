"""The button under a staff report: 「发布业主版」."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.core.callbacks import CallbackData


@dataclass(frozen=True)
class PublishPress(CallbackData, prefix="rp"):
    """`rp:pub:3:2026-11` posts community 3's owner summary of that period to its groups."""

    invalid_key: ClassVar[str] = "rp.err.period"

    action: Literal["pub"]
    community_id: int
    period: str
