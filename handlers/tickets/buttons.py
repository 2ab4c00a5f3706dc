"""The buttons of tickets: on a card (claim, accept, resolve; the stewards' corrections of the
classifier) and under a resolution (回访)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.callbacks import CallbackData


@dataclass(frozen=True)
class CardAction(CallbackData, prefix="t"):
    """「接单」 / 「已解决」 / 「已到场」 on a ticket card in the stewards' group: `t:accept:42`."""

    action: Literal["claim", "accept", "resolve", "arrive"]
    ticket_id: int


@dataclass(frozen=True)
class RatingPress(CallbackData, prefix="rate"):
    """A rating button under a resolved ticket: `rate:42:1` (the index into the ratings)."""

    ticket_id: int
    choice: int


CorrectedKind = Literal["repair", "complaint", "inquiry", "none"]


@dataclass(frozen=True)
class Correction(CallbackData, prefix="tk"):
    """「改为报修 / 改为投诉 / 改为咨询 / 不是工单」 on a ticket card: `tk:complaint:42` (the kind
    the ticket should have been), `tk:none:42` (not a ticket at all)."""

    kind: CorrectedKind
    ticket_id: int


@dataclass(frozen=True)
class CallPress(CallbackData, prefix="cb"):
    """A 回访 call recorded from the /callbacks list: `cb:reached:7:1` (reached, rated
    「满意」 by phone), `cb:not_reached:7:0`, `cb:refused:7:0`."""

    outcome: Literal["reached", "not_reached", "refused"]
    callback_id: int
    choice: int  # the rating's index when reached
