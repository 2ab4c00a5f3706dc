"""How the stewards' digest reads: a title, one line per uncertain message (the owner's name and
building masked, the time, a short masked excerpt, the classifier's guess or what the stewards
decided) and a row of 开单 / 忽略 buttons per line still pending. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.events import Button
from bot.core.texts import Texts
from handlers.shared.privacy import mask_unit, owner_name, owner_text
from handlers.triage.buttons import DigestPress
from nlp.classifier import Classifier
from storage.directory.models import Community
from storage.triage.repository import TriageLine

Rows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Wording:
    """The digest's texts in one community's language, with the classifier's category labels."""

    texts: Texts
    classifier: Classifier
    community: Community

    def t(self, key: str, **values: Any) -> str:
        return self.texts.render(key, self.community.language, **values)

    def local(self, when: datetime, fmt: str = "%m-%d %H:%M") -> str:
        return when.astimezone(ZoneInfo(self.community.timezone)).strftime(fmt)

    def guess(self, intent: str | None, category: str | None) -> str:
        """The classifier's guess: 投诉·噪音 (the kind alone when it named no category)."""
        kind = self.t(f"tr.kind.{intent}") if intent in ("repair", "complaint", "inquiry") else "-"
        if category is None or category not in self.classifier.categories():
            return kind
        label = self.classifier.category_label(category, self.community.language.startswith("zh-Hant"))
        return f"{kind}·{label}"

    def place(self, building: str | None) -> str:
        return mask_unit(building, self.community.language) if building else self.t("tr.place.unknown")


def excerpt(text: str, limit: int) -> str:
    """The message on one line, phones and units masked, cut to `limit` characters."""
    return owner_text(text, limit)


def outcome(w: Wording, line: TriageLine, by: str, key: str = "tr.digest") -> str:
    """What became of a decided line (opened, joined or ignored; `key`: the digest's wording, or
    `tr.told` for a line of its own in the group)."""
    return w.t(f"{key}.{line.item.state}", number=line.number or "-", by=by, i=line.item.line)


def render(
    w: Wording, lines: Sequence[TriageLine], more: int, excerpt_chars: int, deciders: dict[str, str]
) -> tuple[str, Rows]:
    """The digest's text and buttons; `deciders`: who decided, by actor label (their names)."""
    first = min(line.item.sent_at for line in lines)
    last = max(line.item.sent_at for line in lines)
    same_day = w.local(first, "%m-%d") == w.local(last, "%m-%d")
    until = w.local(last, "%H:%M" if same_day else "%m-%d %H:%M")
    out = [w.t("tr.digest.title", n=len(lines), since=w.local(first), until=until)]
    buttons: list[tuple[Button, ...]] = []
    for line in lines:
        item = line.item
        out.append(
            w.t(
                "tr.digest.line",
                i=item.line,
                name=owner_name(line.name),
                place=w.place(item.building),
                at=w.local(item.sent_at, "%H:%M"),
                text=excerpt(line.text, excerpt_chars),
            )
        )
        if item.state == "pending":
            out.append(w.t("tr.digest.guess", guess=w.guess(line.intent, line.category)))
            buttons.append(
                (
                    Button(w.t("tr.btn.open", i=item.line), DigestPress("open", item.id).pack()),
                    Button(w.t("tr.btn.ignore", i=item.line), DigestPress("ignore", item.id).pack()),
                )
            )
        else:
            out.append(outcome(w, line, deciders.get(item.decided_by or "", "-")))
    if more > 0:
        out.append(w.t("tr.digest.more", n=more))
    return "\n".join(out), tuple(buttons)
