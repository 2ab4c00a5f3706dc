"""The conversation's rules, as data (`data/conversation.toml`): which messages are quiet
(收到, 谢谢, 👍: no reply, no ticket), which add to the owner's open ticket (补充, 还有 within a
window; a chase such as 「點解仲未有人嚟」), and which problems other flats share (the lift, a
water main) so that their reports merge, while one flat's drain merges only with that flat.

Pure: text and a `Classification` in, a decision out; no I/O after loading. Words are compared
with the message as the classifier normalizes it (`Plain`: Simplified, half-width, lower case),
computed only for a message that is not quiet.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from nlp.classification import Classification
from nlp.normalize import Normalizer
from storage.directory.models import Member
from storage.tickets.repository import OwnerTicket

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "conversation.toml"
# WeCom writes its emoji as bracketed names in the text: [强], [抱拳], [发怒].
_BRACKETED = re.compile(r"\[[^\[\]\s]{1,8}\]")
# Whom a message is addressed to: 「@王管家 收到」 is as quiet as 「收到」.
_MENTION = re.compile(r"@\S+")
# What may come before a follow-up's marker: @mentions, punctuation, spaces.
_LEAD = re.compile(r"^(?:@\S+\s*)*[^\w]*")
# A message longer than this is never only acknowledgement words.
_QUIET_MAX = 24
# Categories the chase itself is (a chase names no other problem by being one).
_CHASE_CATEGORIES = frozenset({"repair_delay"})
# The classifier's rules that found a delay, whatever category it chose (「电梯坏了还没修吗」).
_CHASE_RULES = tuple(f"cat.{code}:" for code in sorted(_CHASE_CATEGORIES))


class ConversationError(Exception):
    pass


def only_symbols(text: str) -> bool:
    """Nothing but emoji, punctuation, spaces and the invisible joiners between them."""
    for char in text:
        kind = unicodedata.category(char)
        if kind[0] not in "PSZC" and kind not in ("Mn", "Me"):
            return False
    return True


@dataclass(frozen=True)
class Plain:
    """A message as the rules compare it: normalized like the classifier's input."""

    text: str


@dataclass(frozen=True)
class ConversationRules:
    window: timedelta
    markers: tuple[str, ...]
    not_followed_by: tuple[str, ...]
    chase_phrases: tuple[str, ...]
    quiet_words: tuple[str, ...]  # longest first, so 好的 goes before 好
    shared_categories: frozenset[str]
    shared_words: tuple[str, ...]
    normalizer: Normalizer
    photo_window: timedelta = timedelta(minutes=10)

    @classmethod
    def load(cls, path: Path | None = None) -> ConversationRules:
        path = path or DEFAULT_FILE
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConversationError(f"{path}: {exc}") from exc
        return cls.from_mapping(data, str(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "conversation") -> ConversationRules:
        normalizer = Normalizer()

        def words(section: str, key: str) -> tuple[str, ...]:
            raw = data.get(section, {}).get(key)
            if not isinstance(raw, list) or not all(isinstance(w, str) and w.strip() for w in raw):
                raise ConversationError(f"{source}: [{section}] {key}: expected a list of words")
            return tuple(normalizer.normalize_term(w) for w in raw)

        minutes = data.get("followup", {}).get("window_minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
            raise ConversationError(f"{source}: [followup] window_minutes: expected minutes > 0")
        attach = data.get("photos", {}).get("attach_minutes", 10)
        if not isinstance(attach, int) or isinstance(attach, bool) or attach <= 0:
            raise ConversationError(f"{source}: [photos] attach_minutes: expected minutes > 0")
        quiet = words("quiet", "words") + words("quiet", "address")
        return cls(
            window=timedelta(minutes=minutes),
            markers=words("followup", "markers"),
            not_followed_by=words("followup", "not_followed_by"),
            chase_phrases=words("chase", "phrases"),
            quiet_words=tuple(sorted(set(quiet), key=lambda w: (-len(w), w))),
            shared_categories=frozenset(words("problems", "shared_categories")),
            shared_words=words("problems", "shared_words"),
            normalizer=normalizer,
            photo_window=timedelta(minutes=attach),
        )

    def plain(self, text: str) -> Plain:
        return Plain(self.normalizer.normalize_term(text))

    # -- quiet -------------------------------------------------------------------------------------
    def quiet(self, text: str) -> bool:
        """Emoji alone, or acknowledgement words alone (收到, 明白, 谢谢, 👍, 好的, OK): no reply
        and no ticket. Cheap: most messages are too long to be quiet and stop at the length."""
        stripped = text.strip()
        if "@" in stripped:
            stripped = _MENTION.sub(" ", stripped)
        if "[" in stripped:
            stripped = _BRACKETED.sub(" ", stripped)
        if only_symbols(stripped):
            return True
        if len(stripped) > _QUIET_MAX:
            return False
        rest = self.normalizer.normalize_term(stripped)
        for word in self.quiet_words:
            if word in rest:
                rest = rest.replace(word, " ")
        return only_symbols(rest)

    # -- follow-ups --------------------------------------------------------------------------------
    def supplement(self, plain: Plain) -> bool:
        """Starts with 补充 / 还有 / 另外 / 仲有 … (not 「还有人知道…」)."""
        text = _LEAD.sub("", plain.text, count=1)
        for marker in self.markers:
            if text.startswith(marker):
                after = text[len(marker) :]
                return not any(after.startswith(word) for word in self.not_followed_by)
        return False

    def chase(self, classification: Classification, plain: Plain) -> bool:
        """Asks where the work is: 「还没人来」「點解仲未有人嚟」, or the classifier's repair_delay."""
        if classification.category in _CHASE_CATEGORIES:
            return True
        if any(rule.startswith(_CHASE_RULES) for rule in classification.rules):
            return True
        return any(phrase in plain.text for phrase in self.chase_phrases)

    @staticmethod
    def named(classification: Classification) -> frozenset[str]:
        """The problems the message's own words name: the categories its keyword rules found
        (`cat.elevator:电梯`), not the ones the model guessed, and not the chase itself."""
        codes = {rule[4:].split(":", 1)[0] for rule in classification.rules if rule.startswith("cat.")}
        return frozenset(codes - _CHASE_CATEGORIES)

    # -- the same problem ---------------------------------------------------------------------------
    def shared(self, category: str | None, plain: Plain) -> bool:
        """A problem other flats share: by its category (the lift), or because the message names
        a shared place or system (停水, 大堂, 车库)."""
        if category in self.shared_categories:
            return True
        return any(word in plain.text for word in self.shared_words)


def flat_of(classification: Classification, member: Member) -> str | None:
    """The flat a report is about, when known: a unit written to the room or floor (3栋2单元1302
    → 3-2-1302), else the owner's registered unit; a building alone is not a flat."""
    unit = classification.unit
    if unit is not None and (unit.room or unit.floor):
        return unit.canonical()
    return member.unit or None


def newest_about(tickets: Sequence[OwnerTicket], named: frozenset[str]) -> OwnerTicket | None:
    """Of an owner's open tickets (newest first), the one a chase naming `named` problems is
    about: the newest whose category it names; when it names none, the newest repair or
    complaint (someone is to come: 「點解仲未有人嚟」 is not about a question put to the office),
    else the newest; None when it names only other problems."""
    if not tickets:
        return None
    if named:
        return next((t for t in tickets if t.ticket.category in named), None)
    return next((t for t in tickets if t.ticket.kind != "inquiry"), tickets[0])
