"""Answering an owner's inquiry from their community's knowledge base, in their language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.texts import Texts
from handlers.knowledge.base import KnowledgeBase


@dataclass(frozen=True)
class Answer:
    text: str  # the entry's answer
    source: str  # the entry's title, which the reply cites


class KnowledgeService:
    def __init__(self, bases: Mapping[str, KnowledgeBase], texts: Texts) -> None:
        self.bases = dict(bases)
        self.texts = texts

    def answer(self, community_code: str, text: str, category: str | None, lang: str) -> Answer | None:
        """The best entry of the community's base for `text`, in `lang` (the entry's
        hand-written Traditional for Hong Kong if it has one, else converted); None if no
        entry matches well enough."""
        base = self.bases.get(community_code)
        found = base.match(text, category) if base else None
        if found is None:
            return None
        if found.answer_hant and lang == "zh-Hant":
            answer = found.answer_hant
        else:
            answer = self.texts.convert(found.answer, lang)
        return Answer(answer, self.texts.convert(found.title, lang))
