"""The classifier's output: one immutable value every handler starts from.

This module is the contract between `nlp/` and the rest of Steward. It imports nothing
from `bot/`, `handlers/` or `storage/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final


class Intent(StrEnum):
    REPAIR = "repair"
    COMPLAINT = "complaint"
    INQUIRY = "inquiry"
    OTHER = "other"


class Risk:
    """Public-opinion risk levels (舆情)."""

    NONE: Final = 0
    NEGATIVE: Final = 1
    EXTERNAL: Final = 2  # collective action, or a threat to go outside (12345, media, lawyers, ...)
    CRISIS: Final = 3  # the media or the courts, an outside party and joint action, an ongoing crisis


_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class UnitAddress:
    """A unit address as an owner wrote it: 3栋2单元1302, 12-1-602, 3座12樓B室, A座16樓.

    `building` is what assignment needs (the steward grid is by building); `raw` is the
    text as written. Both `entrance`, `floor` and `room` are personal data: never show
    them unmasked in a group or a log.
    """

    raw: str
    building: str | None = None
    entrance: str | None = None
    floor: str | None = None
    room: str | None = None

    def masked(self) -> str:
        """Building kept, everything more precise hidden: 3栋2单元1302 -> 3栋****."""
        if self.building is None:
            return "****"
        return f"{self.building}栋****"

    def canonical(self) -> str:
        parts = [p for p in (self.building, self.entrance, self.room or self.floor) if p]
        return "-".join(parts) if parts else self.raw


def mask_digits(text: str) -> str:
    """Hide every digit of a free-form unit or phone string (for logs)."""
    return _DIGITS.sub("*", text)


@dataclass(frozen=True)
class Classification:
    """What one owner message means.

    `rules` lists the identifiers of every rule that fired, so that any decision can be
    explained to a supervisor and tuned by a property manager. `evidence` names what the
    message's link to the property rested on (``evidence.facility:电梯``, ``evidence.addressee:物业``,
    ``addressed``, a live danger such as ``urgent:煤气味``); a message with too little of it is
    `other`. `uncertain` says that the decision is not safe enough to act on alone (open a ticket,
    answer, page), and `uncertain_reason` why: the model decided, a close call, little evidence, or
    words of a problem with nothing of the property named.
    """

    intent: Intent
    category: str | None = None
    urgent: bool = False
    unit: UnitAddress | None = None
    sentiment: float = 0.0
    negative: bool = False
    risk: int = Risk.NONE
    rules: tuple[str, ...] = field(default_factory=tuple)
    uncertain: bool = False
    uncertain_reason: str | None = None
    evidence: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, object]:
        return {
            "intent": self.intent.value,
            "category": self.category,
            "urgent": self.urgent,
            "unit": self.unit.raw if self.unit else None,
            "sentiment": round(self.sentiment, 3),
            "negative": self.negative,
            "risk": self.risk,
            "rules": list(self.rules),
            "uncertain": self.uncertain,
            "uncertain_reason": self.uncertain_reason,
            "evidence": list(self.evidence),
        }
