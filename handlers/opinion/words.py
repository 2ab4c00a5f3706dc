"""How opinion monitoring speaks of things in one community's language: topics, tickets and
their deadlines, the rules that fired, times and spans, and owners (masked: enough for staff
to tell them apart, never enough to identify one outside)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.texts import Texts
from handlers.shared.privacy import owner_name, owner_text
from nlp.classifier import Classifier
from storage.directory.models import Community
from storage.opinion.models import OpinionAlert
from storage.opinion.repository import AlertView
from storage.tickets.models import Ticket
from storage.tickets.status import ACTIVE, TicketStatus

Say = Callable[..., str]  # a text key and its values -> the text (`Words`, or a chat's `ctx.t`)

EXCERPT = 80
RISK_KINDS = ("crisis", "exposure", "external", "collective", "refusal")
PATTERN_LABELS = {"police_threat": "报警", "stop_paying": "不交费"}


def mask_name(name: str) -> str:
    """张先生 -> 张**: enough for staff to tell owners apart, not to identify one outside
    (`handlers.shared.privacy.owner_name`, the one rule)."""
    return owner_name(name)


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The message masked, on one line, cut to `limit` (`handlers.shared.privacy.owner_text`)."""
    return owner_text(text, limit)


def local(community: Community, when: datetime) -> str:
    return when.astimezone(ZoneInfo(community.timezone)).strftime("%m-%d %H:%M")


def sla_breaches(ticket: Ticket, now: datetime) -> list[str]:
    """Which deadlines of an open ticket have passed: respond, resolve."""
    late = []
    if ticket.first_response_at is None and ticket.respond_due_at is not None and ticket.respond_due_at < now:
        late.append("respond")
    if ticket.status in ACTIVE and ticket.resolve_due_at is not None and ticket.resolve_due_at < now:
        late.append("resolve")
    return late


@dataclass(frozen=True)
class Words:
    """The feature's texts in `lang`, with the classifier's names for categories."""

    texts: Texts
    classifier: Classifier
    lang: str

    def __call__(self, key: str, **values: Any) -> str:
        return self.texts.render(key, self.lang, **values)

    def convert(self, text: str) -> str:
        """Free text written in Simplified (a roster name) in this language."""
        return self.texts.convert(text, self.lang)

    def topic(self, code: str | None) -> str:
        if not code:
            return "-"
        try:
            return self.classifier.category_label(code, self.lang.startswith("zh-Hant"))
        except KeyError:
            return code

    def alert_topic(self, alert: OpinionAlert | AlertView) -> str:
        if alert.kind == "spike":
            return self("op.kind.spike")
        return self.topic(alert.topic)

    def topics(self, counts: Counter[str], limit: int = 5) -> str:
        """The most talked-about topics: 电梯 2 · 环境卫生 1."""
        return self("op.sep").join(
            self("op.topic", label=self.topic(code), n=n) for code, n in counts.most_common(limit)
        )

    def ticket(self, ticket: Ticket, now: datetime) -> str:
        breaches = sla_breaches(ticket, now)
        late = (
            self("op.ticket.late", what="、".join(self(f"op.late.{b}") for b in breaches)) if breaches else ""
        )
        category = self.topic(ticket.category) if ticket.category else self(f"op.kind.{ticket.kind}")
        status = self(f"op.status.{ticket.status}") if ticket.status in set(TicketStatus) else ticket.status
        return self("op.ticket", number=ticket.number, category=category, status=status, late=late)

    def open_tickets(self, tickets: Sequence[Ticket], now: datetime) -> str:
        if not tickets:
            return self("op.tickets.none")
        return self("op.tickets", tickets=self("op.sep").join(self.ticket(t, now) for t in tickets))

    def reasons(self, rules: Sequence[str]) -> list[str]:
        """The rules that fired, grouped for a person: 外部渠道：12345、媒体；集体行动：联名.
        The words are the classifier's (normalized to Simplified), shown in the language."""
        words: dict[str, list[str]] = {}
        for rule in rules:
            head, _, word = rule.partition(":")
            if head.startswith("risk."):
                kind = head[5:]
            elif head in ("sent-", "complaint"):
                kind = "negative"
            else:
                continue
            word = self.texts.convert(PATTERN_LABELS.get(word, word), self.lang)
            bucket = words.setdefault(kind, [])
            if word not in bucket:
                bucket.append(word)
        return [
            self(f"op.reason.{kind}", words="、".join(words[kind][:5]))
            for kind in (*RISK_KINDS, "negative")
            if words.get(kind)
        ]

    def duration(self, span: timedelta) -> str:
        minutes = int(span.total_seconds() // 60)
        if minutes % 60:
            return self("op.dur.minutes", n=minutes)
        return self("op.dur.hours", n=minutes // 60)
