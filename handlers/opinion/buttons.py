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


@dataclass(frozen=True)
class CrisisPress(CallbackData, prefix="cr"):
    """On a tier-3 card: `cr:speak:7` (the presser speaks for the company on alert 7, 统一口径);
    under a drafted public reply: `cr:send:7` (a manager confirms it is sent)."""

    invalid_key: ClassVar[str] = "op.err.unknown"

    action: Literal["speak", "send"]
    alert_id: int
