"""A community's knowledge base: answers to common inquiries, cited by entry.

Entries are data (TOML, one file per community, named in the community file). An inquiry
matches an entry when its category agrees and one of its keywords appears, or when two
keywords appear; Traditional input is matched after conversion to Simplified.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import opencc

MIN_SCORE = 2


class KnowledgeError(Exception):
    pass


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    category: str | None
    keywords: tuple[str, ...]
    answer: str  # Simplified
    answer_hant: str | None = None  # hand-written Traditional, else converted

    def score(self, simplified_text: str, category: str | None) -> int:
        hits = sum(1 for k in self.keywords if k in simplified_text)
        if hits == 0:
            return 0
        return hits + (1 if category is not None and category == self.category else 0)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


class KnowledgeBase:
    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries

    @classmethod
    def empty(cls) -> KnowledgeBase:
        return cls([])

    @classmethod
    def load(cls, path: Path) -> KnowledgeBase:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise KnowledgeError(f"{path}: {exc}") from exc
        entries = []
        seen: set[str] = set()
        for index, raw in enumerate(data.get("entry", [])):
            where = f"{path.name}: entry[{index}]"
            try:
                entry = Entry(
                    id=str(raw["id"]),
                    title=str(raw["title"]),
                    category=raw.get("category"),
                    keywords=tuple(_t2s().convert(str(k)) for k in raw["keywords"]),
                    answer=str(raw["answer"]),
                    answer_hant=raw.get("answer_hant"),
                )
            except (KeyError, TypeError) as exc:
                raise KnowledgeError(f"{where}: missing or bad field {exc}") from exc
            if not entry.keywords or not entry.answer.strip():
                raise KnowledgeError(f"{where} ({entry.id}): needs keywords and an answer")
            if entry.id in seen:
                raise KnowledgeError(f"{where}: duplicate id {entry.id!r}")
            seen.add(entry.id)
            entries.append(entry)
        return cls(entries)

    def match(self, text: str, category: str | None) -> Entry | None:
        simplified = _t2s().convert(text)
        best, best_score = None, 0
        for entry in self.entries:
            score = entry.score(simplified, category)
            if score > best_score:
                best, best_score = entry, score
        return best if best_score >= MIN_SCORE else None
