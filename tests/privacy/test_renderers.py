"""Every renderer that quotes an owner in a group or a staff chat, walked with leaky inputs.

The stewards' card (the ticket's summary, the owner's name, merged reporters, an escalation),
the /ticket timeline's notes, the triage digest and the opinion alerts (message card, quotes,
fold notes) each get a message and a display name carrying the issue's leaking formats
(issue 18): none of the hidden digits may come out, and a line break in what an owner wrote
cannot add a line to the card (a forged 「责任管家：」 line).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.texts import Texts
from handlers.opinion import cards as opinion_cards
from handlers.opinion.texts import TEXTS_HANS as OPINION_HANS
from handlers.opinion.texts import TEXTS_HANT as OPINION_HANT
from handlers.opinion.words import Words
from handlers.tickets import cards as ticket_cards
from handlers.tickets.texts import TEXTS_HANS as TICKET_HANS
from handlers.tickets.texts import TEXTS_HANT as TICKET_HANT
from handlers.triage import digest
from handlers.triage.texts import TEXTS_HANS as TRIAGE_HANS
from handlers.triage.texts import TEXTS_HANT as TRIAGE_HANT
from nlp.classifier import Classifier
from storage.directory.models import Community
from storage.messages.models import MessageLog
from storage.opinion.models import OpinionAlert
from storage.opinion.repository import AlertView
from storage.tickets.models import Ticket, TicketEvent
from storage.tickets.repository import Reporter
from storage.triage.models import TriageItem
from storage.triage.repository import TriageLine

NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)

# What an owner wrote, each with the fragments that must not come out of any renderer.
LEAKY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("电话:13812345678 快来", ("1234",)),
    ("tel:１３８１２３４５６７８", ("１２３４", "1234")),
    ("wx: zhang_88 加我", ("zhang_88",)),
    ("打138.1234.5678", ("1234",)),
    ("座机(0755)12345678", ("1234", "5567")),
    ("座机0755 12345678", ("1234",)),
    ("身份证440301199001011234", ("19900101", "0301")),
    ("我住3#2-1302漏水", ("1302", "2-")),
    ("2单元1302厨房", ("1302",)),
    ("三栋二单元1302", ("1302", "二单元")),
    ("3/2/1302水管爆了", ("1302",)),
    ("住1302的", ("1302",)),
    ("A座16樓B室冇熱水", ("16樓", "B室")),
    ("Flat B, 16/F 冷氣滴水", ("16/F", "Flat B")),
    ("打9123 4567搵我", ("9123", "4567")),
    ("HKID A123456(7)", ("123456",)),
    ("一三八一二三四五六七八", ("一二三四",)),
)
NAMES = ("张三13812345678", "13812345678", "住1302陈生", "A123456(7)")
# An owner's message that tries to forge lines of the card.
FORGED = "漏水\n责任管家：张三\n办结时限：已完成"


@pytest.fixture(scope="module")
def texts() -> Texts:
    texts = Texts()
    texts.register(TICKET_HANS, TICKET_HANT)
    texts.register(TRIAGE_HANS, TRIAGE_HANT)
    texts.register(OPINION_HANS, OPINION_HANT)
    return texts


def community(lang: str = "zh-Hans") -> Community:
    return Community(id=1, code="c1", name="海景花园", language=lang, timezone="Asia/Shanghai")


def ticket(summary: str) -> Ticket:
    return Ticket(
        id=7,
        number="BX-20260504-0001",
        community_id=1,
        kind="repair",
        category="plumbing",
        priority="normal",
        status="open",
        building="3",
        summary=summary,
        respond_due_at=NOW + timedelta(hours=1),
        resolve_due_at=NOW + timedelta(days=1),
    )


def renderers(texts: Texts, classifier: Classifier) -> dict[str, Callable[[str, str], str]]:
    """Each renderer as (owner's text, owner's display name) -> what Steward posts."""
    where = community()
    w = ticket_cards.Wording(texts, classifier, "zh-Hans")
    hk = ticket_cards.Wording(texts, classifier, "zh-Hant")
    tw = digest.Wording(texts, classifier, where)
    words = Words(texts, classifier, "zh-Hans")
    alert = OpinionAlert(id=3, community_id=1, kind="message", tier=2, state="open", folded=0)
    view = AlertView(3, "message", 2, "open", None, (), (1,), NOW, 2, None)

    def card(text: str, name: str) -> str:
        reporter = Reporter(name, "3", text)
        return ticket_cards.card_text(
            w, ticket(text), where, None, name, escalated=reporter, reporters=[reporter]
        )

    def card_hk(text: str, name: str) -> str:
        return ticket_cards.card_text(hk, ticket(text), community("zh-Hant"), None, name)

    def timeline(text: str, name: str) -> str:
        events = [
            TicketEvent(at=NOW, action=action, note=text) for action in ("note", "resolved", "cancelled")
        ]
        return ticket_cards.timeline(w, ticket(text), where, None, events, internal=True)

    def triage(text: str, name: str) -> str:
        item = TriageItem(id=1, line=1, state="pending", building="3", sent_at=NOW)
        line = TriageLine(item, text, "repair", None, name, None)
        return digest.render(tw, [line], 0, 120, {})[0]

    def message_card(text: str, name: str) -> str:
        entry = MessageLog(text=text, rules=[], sentiment=-0.8, sent_at=NOW)
        return opinion_cards.message_card(
            words, alert, entry, community=where, chat_title="业主群", owner=name, tickets=[], now=NOW
        )

    def quote(text: str, name: str) -> str:
        return opinion_cards.quote(words, name, text)

    def fold(text: str, name: str) -> str:
        return opinion_cards.fold_note(words, view, name, text)

    return {
        "card": card,
        "card (zh-Hant)": card_hk,
        "timeline": timeline,
        "triage digest": triage,
        "opinion card": message_card,
        "opinion quote": quote,
        "opinion fold": fold,
    }


def test_no_renderer_shows_what_the_masking_hides(texts: Texts, classifier: Classifier) -> None:
    for label, render in renderers(texts, classifier).items():
        for (text, hidden), name in zip(LEAKY, NAMES * len(LEAKY), strict=False):
            shown = render(text, name)
            for fragment in (*hidden, "13812345678", "3812345678"):
                assert fragment not in shown, f"{label}: {text!r} / {name!r} -> {shown!r}"
        for name in NAMES:
            shown = render("漏水", name)
            assert name not in shown, f"{label}: {name!r} -> {shown!r}"
            assert name[1:] not in shown, f"{label}: {name!r} -> {shown!r}"


def test_owner_text_cannot_forge_lines(texts: Texts, classifier: Classifier) -> None:
    for label, render in renderers(texts, classifier).items():
        plain = render("漏水 快来", "张三")
        forged = render(FORGED, "张三\n责任管家：李四")
        assert forged.count("\n") == plain.count("\n"), f"{label}: {forged!r}"
