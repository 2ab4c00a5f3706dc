"""The buttons of owners' voice: a poll's options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.core.callbacks import CallbackData


@dataclass(frozen=True)
class PollPress(CallbackData, prefix="pv"):
    """`pv:3:1`: a vote for option 1 (counted from 0) of poll 3."""

    invalid_key: ClassVar[str] = "eg.poll.err.stale"

    poll_id: int
    option: int
