"""The buttons of tickets: on a card (claim, accept, resolve) and under a resolution (回访)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.callbacks import CallbackData


@dataclass(frozen=True)
class CardAction(CallbackData, prefix="t"):
    """「接单」 / 「已解决」 on a ticket card in the stewards' group: `t:accept:42`."""

    action: Literal["claim", "accept", "resolve"]
    ticket_id: int


@dataclass(frozen=True)
class RatingPress(CallbackData, prefix="rate"):
    """A rating button under a resolved ticket: `rate:42:1` (the index into the ratings)."""

    ticket_id: int
    choice: int
