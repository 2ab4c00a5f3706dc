"""Sudden contamination (突发污渍): pet waste, vomit, renovation debris or dust, spilled paint or
oil in a common area is its own category, answered within 30 minutes (sla.toml), not the
general complaint's 24 hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.tickets.sla import SlaBook
from nlp import Classifier
from tests.harness import Harness

SH = ZoneInfo("Asia/Shanghai")

CONTAMINATED = [
    "电梯里有狗屎，太恶心了",
    "大堂有人吐了一地，呕吐物没人清理",
    "3栋走廊全是装修垃圾和粉尘",
    "停车场地上洒了一大片油漆",
    "电梯里有一滩呕吐物",
    "樓梯有狗屙，好臭",  # Cantonese, Traditional
    "大堂門口有貓屎",
    "走廊啲裝修垃圾冇人清",
]
# A contaminant with no common area, or a common area with nothing spilled: not this category.
NOT_CONTAMINATED = [
    "我家狗狗拉屎了",
    "今天装修好多粉尘",
    "狗屎运",
    "3栋电梯坏了",
    "买了一桶油漆准备刷墙",
]


@pytest.mark.parametrize("text", CONTAMINATED)
def test_a_contaminant_in_a_common_area_is_contamination(classifier: Classifier, text: str) -> None:
    result = classifier.classify(text)
    assert (result.intent.value, result.category) == ("complaint", "contamination"), result.rules
    assert not result.uncertain
    assert "cat.contamination:in_common_area" in result.rules


@pytest.mark.parametrize("text", NOT_CONTAMINATED)
def test_either_class_alone_is_not_contamination(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text).category != "contamination"


def test_contamination_runs_on_a_30_minute_clock_and_urgent_still_wins() -> None:
    book = SlaBook.load()
    start = datetime(2026, 12, 8, 22, 0, tzinfo=SH)
    deadlines = book.deadlines("complaint", "contamination", "normal", start, SH)
    assert deadlines.policy == "contamination"
    assert deadlines.respond_due - start == timedelta(minutes=30)
    assert deadlines.resolve_due - start == timedelta(hours=2)
    # the general complaint policy is the 24 h it was
    assert book.deadlines("complaint", "sanitation", "normal", start, SH).respond_due - start == timedelta(
        hours=24
    )
    assert book.deadlines("complaint", "contamination", "urgent", start, SH).policy == "urgent"


async def test_an_owner_reporting_dog_mess_in_the_lift_gets_a_30_minute_ticket(harness: Harness) -> None:
    await harness.say("lxy-owners-1", "u-zhang", "2栋电梯里有一坨狗屎，太恶心了", sender_name="张先生")
    [ticket] = await harness.tickets()
    assert (ticket.kind, ticket.category, ticket.priority) == ("complaint", "contamination", "normal")
    assert ticket.respond_due_at is not None
    assert ticket.respond_due_at - ticket.created_at == timedelta(minutes=30)
    assert "sla=contamination" in ((await harness.events(ticket.id))[0].note or "")
    card = harness.sent("lxy-stewards")[-1].text
    assert "突发污渍" in card
    assert ticket.number in harness.sent("lxy-owners-1")[-1].text


async def test_a_traditional_community_hears_the_category_in_its_script(harness: Harness) -> None:
    await harness.say("hbhy-owners", "u-chan", "A座大堂有人嘔吐，成地都係，好臭", sender_name="陳生")
    [ticket] = await harness.tickets()
    assert ticket.category == "contamination"
    assert ticket.respond_due_at is not None
    assert ticket.respond_due_at - ticket.created_at == timedelta(minutes=30)
    assert "突發污漬" in harness.sent("hbhy-stewards")[-1].text
