"""Stewards correct the classifier from a ticket's card (改为报修 / 改为投诉 / 改为咨询 / 不是工单);
each correction is a labelled example, and `steward nlp feedback --export FILE` writes them as
corpus lines (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.app.settings import Settings
from bot.cli.feedback import feedback
from bot.cli.main import build_parser
from handlers import tickets
from storage.feedback.models import LabelledExample
from tests.harness import EXAMPLE, Harness
from tests.nlp.test_corpus import KEYS

OWNERS, STEWARDS, HK_OWNERS, HK_STEWARDS = "lxy-owners-1", "lxy-stewards", "hbhy-owners", "hbhy-stewards"
LEAK = "3栋2单元1302厨房水管漏水了，麻烦派人来修，电话13812345678"


async def examples(harness: Harness) -> list[LabelledExample]:
    async with harness.app.sessions() as session:
        return list((await session.scalars(select(LabelledExample).order_by(LabelledExample.id))).all())


async def press(harness: Harness, chat: str, data: str, user: str) -> str:
    card = next(m for m in reversed(harness.sent(chat)) if m.outgoing and m.out.buttons)
    await harness.press(chat, card, data, user)
    return harness.channel.toasts(chat)[-1].text if harness.channel.toasts(chat) else ""


async def test_another_kind_keeps_the_number_moves_the_sla_and_is_a_labelled_example(
    harness: Harness,
) -> None:
    await harness.say(OWNERS, "u-a", LEAK)
    [ticket] = await harness.tickets()
    card = harness.sent(STEWARDS)[-1]
    labels = [b.label for b in card.out.buttons[1]]
    assert labels == ["改为投诉", "改为咨询", "不是工单"]
    owners_heard = len(harness.sent(OWNERS))
    harness.clock.advance(timedelta(minutes=10))

    toast = await press(harness, STEWARDS, f"tk:complaint:{ticket.id}", "wang")
    assert toast == "（提示）已改为投诉"
    [changed] = await harness.tickets()
    assert changed.number == ticket.number  # BX- stays: the owner was given it
    assert (changed.kind, changed.category) == ("complaint", "other_complaint")
    # the complaint policy, from when the ticket's SLA clock started
    assert changed.respond_due_at is not None
    assert changed.resolve_due_at is not None
    assert changed.respond_due_at - changed.created_at == timedelta(hours=24)
    assert changed.resolve_due_at - changed.created_at == timedelta(hours=48)
    [event] = [e for e in await harness.events(ticket.id) if e.action == "reclassified"]
    assert (event.note, event.actor) == ("repair→complaint sla=complaint", f"steward:{ticket.assignee_id}")
    assert "已由王管家改为投诉" in harness.sent(STEWARDS)[-1].text
    assert len(harness.sent(OWNERS)) == owners_heard  # the owner is not bothered

    [example] = await examples(harness)
    assert example.text == LEAK
    assert example.source == "correction"
    assert example.ticket_id == ticket.id
    assert example.predicted == {
        "intent": "repair",
        "category": "plumbing",
        "urgent": False,
        "negative": False,
        "risk": 0,
    }
    assert example.corrected == {**example.predicted, "intent": "complaint", "category": "other_complaint"}

    # the same kind again changes nothing and records nothing
    assert await press(harness, STEWARDS, f"tk:complaint:{ticket.id}", "wang") == "（提示）已经是投诉了"
    assert len(await examples(harness)) == 1


async def test_not_a_ticket_cancels_quietly(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", LEAK)
    await harness.say(OWNERS, "u-b", "3栋2单元1302厨房水管漏水了")  # the same flat: merged
    [ticket] = await harness.tickets()
    owners_heard = len(harness.sent(OWNERS))
    toast = await press(harness, STEWARDS, f"tk:none:{ticket.id}", "liu")  # any steward of the community
    assert toast == "（提示）已标为不是工单，已取消"
    [cancelled] = await harness.tickets()
    assert cancelled.status == "cancelled"
    [event] = [e for e in await harness.events(ticket.id) if e.action == "cancelled"]
    assert event.note == "not_a_ticket"
    assert len(harness.sent(OWNERS)) == owners_heard  # neither the owner nor the follower is told
    assert "标为「不是工单」" in harness.sent(STEWARDS)[-1].text
    [example] = await examples(harness)
    assert example.corrected == {**example.predicted, "intent": "other", "category": None, "urgent": False}
    # nothing to correct any more
    posted = len(harness.sent(STEWARDS))
    toast = await press(harness, STEWARDS, f"tk:repair:{ticket.id}", "wang")
    assert toast == f"（提示）工单 {ticket.number} 已取消，无需更正。"  # to the presser alone
    assert len(harness.sent(STEWARDS)) == posted
    assert len(await examples(harness)) == 1


async def test_only_staff_correct_and_forged_presses_are_stale(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", LEAK)
    [ticket] = await harness.tickets()
    posted = len(harness.sent(STEWARDS))
    assert (
        await press(harness, STEWARDS, f"tk:none:{ticket.id}", "u-a")
        == "（提示）抱歉，该操作仅限物业工作人员。"
    )
    assert await press(harness, STEWARDS, f"tk:bogus:{ticket.id}", "wang") == "（提示）该操作已失效。"
    assert len(harness.sent(STEWARDS)) == posted  # refusals go to the presser alone
    assert (await harness.tickets())[0].status == "assigned"
    assert await examples(harness) == []


async def test_the_export_is_corpus_lines_with_personal_data_masked(harness: Harness, tmp_path: Path) -> None:
    await harness.say(OWNERS, "u-a", LEAK)
    await harness.say(HK_OWNERS, "u-b", "A座16樓B室廁所漏水，滴到落樓下，唔該盡快派師傅嚟睇下")
    await harness.say(OWNERS, "u-c", "请问小区游泳池什么时候开放？")
    leak, hk, pool = await harness.tickets()
    await press(harness, STEWARDS, f"tk:complaint:{leak.id}", "wang")
    await press(harness, STEWARDS, f"tk:none:{leak.id}", "wang")  # corrected twice: the last counts
    await press(harness, HK_STEWARDS, f"tk:inquiry:{hk.id}", "ho")
    await press(harness, STEWARDS, f"tk:none:{pool.id}", "wang")
    assert len(await examples(harness)) == 4

    out = tmp_path / "feedback.jsonl"
    args = build_parser().parse_args(["nlp", "feedback", "--export", str(out)])
    settings = Settings(database_url=harness.app.settings.database_url, community_file=EXAMPLE)
    assert await feedback(settings, args) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [list(r) for r in records] == [KEYS] * 3  # the corpus's keys, in its order
    assert records == [
        {
            "text": "3栋****厨房水管漏水了，麻烦派人来修，电话138****5678",
            "intent": "other",
            "category": None,
            "urgent": False,
            "negative": False,
            "risk": 0,
            "script": "hans",
        },
        {
            "text": "A座****廁所漏水，滴到落樓下，唔該盡快派師傅嚟睇下",
            "intent": "inquiry",
            "category": "other_inquiry",
            "urgent": False,
            "negative": False,
            "risk": 0,
            "script": "hant",
        },
        {
            "text": "请问小区游泳池什么时候开放？",
            "intent": "other",
            "category": None,
            "urgent": False,
            "negative": False,
            "risk": 0,
            "script": "hans",
        },
    ]
    assert "1302" not in out.read_text(encoding="utf-8")
    # the service the command calls, for a period
    async with harness.app.runtime.reading() as uow:
        assert await tickets.export_labels(uow, harness.clock.now() + timedelta(minutes=1)) == []
