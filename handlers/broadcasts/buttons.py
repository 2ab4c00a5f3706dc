"""The buttons under a broadcast's preview: 「确认发送」 and 「取消」."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.core.callbacks import CallbackData


@dataclass(frozen=True)
class PreviewPress(CallbackData, prefix="bc"):
    """`bc:ok:N12` confirms the preview of notice N12 (or schedule S3, outage T4); `bc:no:…`
    discards it."""

    invalid_key: ClassVar[str] = "bc.err.ref"

    decision: Literal["ok", "no"]
    ref: str
