"""Tickets in words: what staff and owners write to Steward instead of pressing a button.

Where Steward hears only what is addressed to it and shows no buttons (WeCom's robots), a card
says what to write: 「@物业管家 接单 BX-20261123-0001」, 「@物业管家 已解决 BX-… 换了阀门」. The
platform's adapter takes its own @mention off and hands over the rest; this module reads it,
whatever the platform: a verb first, a ticket number anywhere after it (or none), and the
words left (a result, a note, a steward's name, a reason). Pure: no I/O.

Verbs are compared as the classifier normalizes text (Simplified, half-width, lower case), so
「接單」 and 「已解決」 read the same; the number is written as on the card, any case, with
full-width hyphens allowed. A verb must stand alone: 「接单了吗」 is no 接单.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from handlers.tickets import lifecycle
from handlers.tickets.conversation import ConversationRules

Act = Literal[
    "accept",
    "resolve",
    "progress",
    "transfer",
    "assign",
    "cancel",
    "repair",
    "complaint",
    "inquiry",
    "none",
    "rate",
    "arrive",
]
CORRECTIONS: tuple[Act, ...] = ("repair", "complaint", "inquiry", "none")
STAFF_ACTS: frozenset[Act] = frozenset(
    {"accept", "resolve", "progress", "transfer", "assign", "cancel", "arrive", *CORRECTIONS}
)
# What a steward may leave the number out of: Steward finds the one ticket it can be (the one
# quoted, or the steward's only one), or asks which.
GUESSED: frozenset[Act] = frozenset({"accept", "resolve", "progress", "arrive"})

# The verbs, Simplified (texts are compared normalized); the card's own words come first.
VERBS: dict[str, Act] = {
    "接单": "accept",
    "认领": "accept",
    "抢单": "accept",
    "已解决": "resolve",
    "解决": "resolve",
    "已处理": "resolve",
    "处理好了": "resolve",
    "已办结": "resolve",
    "办结": "resolve",
    "已完成": "resolve",
    "完成": "resolve",
    "已修好": "resolve",
    "修好了": "resolve",
    "已到场": "arrive",
    "到场": "arrive",
    "已到达": "arrive",
    "已到达现场": "arrive",
    "进度": "progress",
    "备注": "progress",
    "跟进": "progress",
    "转派": "transfer",
    "转给": "transfer",
    "派给": "assign",
    "派单": "assign",
    "指派": "assign",
    "取消工单": "cancel",
    "取消": "cancel",
    "改为报修": "repair",
    "改为投诉": "complaint",
    "改为咨询": "inquiry",
    "不是工单": "none",
    **{rating: "rate" for rating in lifecycle.RATINGS},
}
_BY_LENGTH = sorted(VERBS, key=lambda v: (-len(v), v))
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])(BX|TS|ZX)\s*[-－]?\s*(\d{8})\s*[-－]?\s*(\d{4})(?![0-9])", re.IGNORECASE
)
# What may follow a verb: nothing, a space, punctuation, or the number itself.
_AFTER = re.compile(r"^(?:$|[\s,，.。:：;；!！?？、]|(?:BX|TS|ZX))", re.IGNORECASE)
_LEAD = re.compile(r"^[\s,，.。:：;；!！、]+")


@dataclass(frozen=True)
class Said:
    """What a message asks of a ticket: the act, the ticket's number if written (as on the
    card, BX-20261123-0001), the words left, and for a rating its index in the ratings."""

    act: Act
    number: str | None
    rest: str
    rating: int | None = None


def read(text: str, rules: ConversationRules) -> Said | None:
    """The act `text` asks for, or None if it does not start with one of the verbs."""
    stripped = text.strip()
    plain = rules.plain(stripped).text
    verb = next((v for v in _BY_LENGTH if plain.startswith(v) and _AFTER.match(plain[len(v) :])), None)
    if verb is None:
        return None
    rest = stripped[len(verb) :]  # the verb is as long in the original (NFKC keeps CJK lengths)
    number: str | None = None
    found = _NUMBER.search(rest)
    if found is not None:
        number = f"{found.group(1).upper()}-{found.group(2)}-{found.group(3)}"
        rest = rest[: found.start()] + " " + rest[found.end() :]
    rest = _LEAD.sub("", " ".join(rest.split()))
    act = VERBS[verb]
    rating = lifecycle.RATINGS.index(verb) if act == "rate" else None
    return Said(act, number, rest.strip(), rating)


def spoken(said: Said) -> str:
    """The rating as said (满意), for a rating; "" for anything else."""
    return lifecycle.RATINGS[said.rating] if said.rating is not None else ""


def number_in(text: str) -> str | None:
    """The first ticket number in `text`, written as on the card."""
    found = _NUMBER.search(text)
    return f"{found.group(1).upper()}-{found.group(2)}-{found.group(3)}" if found else None
