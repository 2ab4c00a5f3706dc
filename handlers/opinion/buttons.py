"""The buttons on an opinion alert card: 「已跟进」 and 「误报」."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.core.callbacks import CallbackData


@dataclass(frozen=True)
class AlertPress(CallbackData, prefix="op"):
    """`op:done:7` marks alert 7 followed up; `op:false:7` a false alarm."""

    invalid_key: ClassVar[str] = "op.err.unknown"

    verdict: Literal["done", "false"]
    alert_id: int
