"""The buttons of the stewards' digest: 开单 / 忽略 on each line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.callbacks import CallbackData

Decision = Literal["open", "ignore"]


@dataclass(frozen=True)
class DigestPress(CallbackData, prefix="dg"):
    """「开单」 / 「忽略」 on a line of the digest: `dg:open:42`, `dg:ignore:42` (the triage
    item's id); on WeCom the rendered commands `/dg open 42`."""

    decision: Decision
    item_id: int
