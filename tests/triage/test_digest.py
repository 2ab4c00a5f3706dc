"""Uncertain owner messages become the stewards' digest (issue 17): such a message opens nothing
and says nothing; the digest lists the messages kept since the last one, a line each with
开单 / 忽略; 开单 opens the ticket as if the classifier had been sure, 忽略 records `other`; each
line is decided once; nothing is posted when there is nothing (SQLite and PostgreSQL).

The test messages are ones the classifier now marks actionable but uncertain (`unsure` checks
it first); what the digest says of them is computed from the classifier, not written down."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import event, select

from bot.adapters.wecom.buttons import button_command, command_callback_data
from bot.app.policies import triage_policy
from bot.app.settings import Settings
from bot.core.events import Button
from handlers.shared.privacy import mask_name
from handlers.tickets import SlaBook
from handlers.triage.policy import DEFAULT_TIMES
from handlers.triage.service import keeps
from nlp.classifier import Classifier
from storage.messages.models import MessageLog
from storage.outbox.models import OutboxMessage
from storage.tickets.models import Ticket
from tests.harness import MONDAY_MORNING
from tests.triage.conftest import (
    HK_OWNERS,
    HK_STEWARDS,
    KINDS,
    OWNERS,
    OWNERS_2,
    STEWARDS,
    TG_STEWARDS,
    TriageHarness,
    unsure,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DRAIN = "wy你好 3栋1单元602 门口那边的灯好像不太对"  # the model decided repair
BINS = "负二楼电梯口那滩东西从周一放到现在了，是打算养着吗"  # little evidence of the property
NET = "花园里的喷头一直在喷"  # little evidence of the property
LIFT = "3栋东梯今天有点怪怪的"  # the model decided
LEAK = "3栋2单元1302厨房水管漏水了，麻烦派人来修"  # sure: a ticket at once
HURT = "有人由高層掟咗個玻璃樽落嚟，碎片濺到一個細路條腿度，流緊血！報咗警，快啲封鎖下面"


def guess(classifier: Classifier, text: str) -> str:
    """The digest's guess line for `text`: the kind and the category, as the classifier says."""
    c = classifier.classify(text)
    label = classifier.category_label(c.category) if c.category else None
    return f"　　〔{KINDS[c.intent.value]}·{label}〕" if label else f"　　〔{KINDS[c.intent.value]}〕"


async def entry_of(th: TriageHarness, log_id: int) -> MessageLog:
    async with th.app.sessions() as session:
        entry = await session.get(MessageLog, log_id)
        assert entry is not None
        return entry


async def test_an_uncertain_message_opens_nothing_and_says_nothing(
    th: TriageHarness, classifier: Classifier
) -> None:
    c = unsure(classifier, DRAIN)
    await th.say(OWNERS, "u-a", DRAIN, sender_name="张小明")
    assert await th.tickets() == []
    assert th.sent(OWNERS) == []
    assert th.sent(STEWARDS) == []
    assert await th.count(OutboxMessage) == 0
    [item] = await th.items()
    assert (item.state, item.digest_id, item.building, item.sent_at) == ("pending", None, "3", MONDAY_MORNING)
    entry = await entry_of(th, item.message_id)
    assert (entry.text, entry.intent, entry.category, entry.ticket_id) == (
        DRAIN,
        c.intent.value,
        c.category,
        None,
    )


async def test_keeping_costs_one_insert_and_chatter_nothing(
    th: TriageHarness, classifier: Classifier
) -> None:
    unsure(classifier, BINS)
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    def touching(table: str) -> list[str]:
        return [s.split()[0].upper() for s in seen if re.search(rf"\b{table}\b", s)]

    event.listen(th.app.engine.sync_engine, "before_cursor_execute", record)
    try:
        for text in ("今天天气真好啊", "大家晚上好", "收到，谢谢", "👍"):
            await th.channel.post(OWNERS, "u-a", text)
        assert touching("triage_items") == []
        await th.channel.post(OWNERS, "u-b", BINS)
        assert touching("triage_items") == ["INSERT"]
        assert touching("triage_digests") == []
    finally:
        event.remove(th.app.engine.sync_engine, "before_cursor_execute", record)


async def test_the_digest_lists_the_messages_kept_since_the_last_one(
    th: TriageHarness, classifier: Classifier
) -> None:
    unsure(classifier, DRAIN)
    unsure(classifier, BINS)
    unsure(classifier, NET)
    await th.say(OWNERS, "u-a", DRAIN, sender_name="张小明")
    th.clock.advance(timedelta(minutes=5))
    await th.say(OWNERS_2, "u-b", BINS, sender_name="李四")
    await th.say(OWNERS, "u-c", "今天天气真好啊")  # chatter: not kept
    await th.say(OWNERS, "u-d", LEAK)  # sure: a ticket at once, not kept
    assert len(await th.tickets()) == 1

    assert await th.tick() == 1  # 10:05: the 10:00 digest of 绿溪园 (海濱花園 has nothing)
    first, second = await th.items()
    [digest] = th.digests(STEWARDS)
    lines = digest.text.splitlines()
    assert lines[0] == "🗂️ 待确认的业主消息 2 条（11-23 10:00–10:05）"
    assert lines[1] == "分类不确定，未开单、未回复业主。请逐条选择「开单」或「忽略」："
    assert lines[2] == "1. 张**（3栋****）10:00：wy你好 3栋****门口那边的灯好像不太对"
    assert lines[3] == guess(classifier, DRAIN)
    assert lines[4].startswith("2. 李*（")
    assert lines[4].endswith("）10:05：负二楼电梯口那滩东西从周一放到现在了，是打算养着吗")
    assert lines[5] == guess(classifier, BINS)
    assert len(lines) == 6
    for personal in ("张小明", "李四", "602"):
        assert personal not in digest.text
    assert digest.out.buttons == (
        (Button("第1条 开单", f"dg:open:{first.id}"), Button("第1条 忽略", f"dg:ignore:{first.id}")),
        (Button("第2条 开单", f"dg:open:{second.id}"), Button("第2条 忽略", f"dg:ignore:{second.id}")),
    )
    [on_telegram] = th.digests(TG_STEWARDS, th.telegram)  # every stewards' group of the community
    assert on_telegram.text == digest.text
    assert th.digests(HK_STEWARDS) == []
    assert [(i.digest_id is not None, i.line, i.state) for i in await th.items()] == [
        (True, 1, "pending"),
        (True, 2, "pending"),
    ]

    th.clock.advance(timedelta(minutes=1))
    assert await th.tick() == 0  # the 10:00 digest went out: never twice
    th.clock.advance(timedelta(minutes=25))
    await th.say(OWNERS, "u-e", NET, sender_name="王五")
    th.clock.advance(timedelta(minutes=1))
    assert await th.tick() == 0  # 10:31: it waits for the next digest
    th.clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI))
    assert await th.tick() == 1
    later = th.digests(STEWARDS)[-1]
    assert later.text.splitlines()[0] == "🗂️ 待确认的业主消息 1 条（11-23 10:31–10:31）"
    assert later.text.splitlines()[2].startswith("1. 王*（")
    assert "张" not in later.text
    assert len(th.digests(STEWARDS)) == 2


async def test_nothing_is_posted_when_there_is_nothing(th: TriageHarness, classifier: Classifier) -> None:
    unsure(classifier, BINS)
    await th.say(OWNERS, "u-c", "今天天气真好啊")
    await th.say(OWNERS, "u-d", LEAK)
    sent = await th.count(OutboxMessage)
    assert await th.tick() == 0
    assert await th.count(OutboxMessage) == sent
    assert th.digests(STEWARDS) == []
    assert th.digests(TG_STEWARDS, th.telegram) == []
    # The 10:00 digest had nothing: a message kept after it waits for the 12:00 one.
    th.clock.advance(timedelta(minutes=30))
    await th.say(OWNERS, "u-a", BINS)
    assert await th.tick() == 0
    th.clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI))
    assert await th.tick() == 1
    assert len(th.digests(STEWARDS)) == 1


async def test_open_takes_the_message_as_a_ticket_with_the_owners_waiting_time(
    th: TriageHarness, classifier: Classifier
) -> None:
    c = unsure(classifier, DRAIN)
    said = await th.say(OWNERS, "u-a", DRAIN, sender_name="张小明")
    th.clock.advance(timedelta(hours=2))
    assert await th.tick() == 1  # 12:00
    [digest] = th.digests(STEWARDS)
    [tg_digest] = th.digests(TG_STEWARDS, th.telegram)
    [item] = await th.items()

    toast = await th.press_on(STEWARDS, digest, f"dg:open:{item.id}", "wang")
    [ticket] = await th.tickets()
    assert toast == f"（提示）已开单 {ticket.number}"
    assert (ticket.kind, ticket.category, ticket.priority) == (c.intent.value, c.category, "normal")
    assert (ticket.source_message_id, ticket.building, ticket.owner_member_id) == (
        said.message_id,
        "3",
        (await entry_of(th, item.message_id)).member_id,
    )
    # The SLA runs from the acknowledgement (the owner was promised nothing before it), not
    # from the message two hours earlier: a digest's repair is not escalated to the manager at once.
    opened_at = MONDAY_MORNING + timedelta(hours=2)
    deadlines = SlaBook.load().deadlines(ticket.kind, ticket.category, "normal", opened_at, SHANGHAI)
    assert (ticket.respond_due_at, ticket.resolve_due_at) == (deadlines.respond_due, deadlines.resolve_due)
    assert ticket.sla_started_at == opened_at
    assert ticket.created_at == opened_at
    assert ticket.assignee_id is not None
    # The owner is acknowledged under their message; the stewards get the card.
    [ack] = th.sent(OWNERS)
    assert ack.out.reply_to == said.message_id
    assert ticket.number in ack.text
    work = (f"t:accept:{ticket.id}", f"t:claim:{ticket.id}")
    cards = [m for m in th.sent(STEWARDS) if any(b.data in work for row in m.out.buttons for b in row)]
    assert len(cards) == 1
    assert ticket.number in cards[0].text
    # The digest's groups see what became of the line: a line under it here, the digest
    # rewritten in place on the platform that edits in place.
    [told] = [m for m in th.sent(STEWARDS) if m.text.startswith("🗂️ 待确认第")]
    assert told.text == f"🗂️ 待确认第 1 条：已开单 {ticket.number}（王管家）"
    assert told.out.reply_to == digest.message_id
    edited = th.telegram.sent_to(TG_STEWARDS)[-1]
    assert edited.out.edit_of == tg_digest.message_id
    assert edited.text.splitlines()[3] == f"　　✅ 已开单 {ticket.number}（王管家）"
    assert edited.out.buttons == ()  # nothing left to decide
    # The message is linked to its ticket and kept as a labelled example of what it was.
    [item] = await th.items()
    assert (item.state, item.ticket_id) == ("opened", ticket.id)
    assert (item.decided_at, item.decided_by) == (th.clock.now(), f"steward:{ticket.assignee_id}")
    assert (await entry_of(th, item.message_id)).ticket_id == ticket.id
    [example] = await th.examples()
    assert (example.source, example.ticket_id, example.text) == ("digest", ticket.id, DRAIN)
    assert example.predicted == {
        "intent": c.intent.value,
        "category": c.category,
        "urgent": False,
        "negative": c.negative,
        "risk": c.risk,
    }
    assert example.corrected == example.predicted

    # Each line is decided once: a second press (another steward, the other button) is told so.
    assert await th.press_on(STEWARDS, digest, f"dg:ignore:{item.id}", "liu") == "（提示）已处理"
    assert await th.press_on(STEWARDS, digest, f"dg:open:{item.id}", "wang") == "（提示）已处理"
    assert len(await th.tickets()) == 1
    assert len(await th.examples()) == 1
    assert len(th.sent(OWNERS)) == 1
    assert (await th.items())[0].state == "opened"


async def test_ignore_records_other_and_tells_nobody_outside(
    th: TriageHarness, classifier: Classifier
) -> None:
    c = unsure(classifier, BINS)
    await th.say(OWNERS, "u-b", BINS)
    await th.tick()
    [digest] = th.digests(STEWARDS)
    [item] = await th.items()
    assert await th.press_on(STEWARDS, digest, f"dg:ignore:{item.id}", "liu") == "（提示）已忽略"
    assert await th.tickets() == []
    assert th.sent(OWNERS) == []
    assert th.sent(STEWARDS)[-1].text == "🗂️ 待确认第 1 条：已忽略（刘管家）"
    [item] = await th.items()
    assert (item.state, item.ticket_id) == ("ignored", None)
    [example] = await th.examples()
    assert (example.source, example.ticket_id, example.text) == ("digest", None, BINS)
    assert example.predicted["intent"] == c.intent.value
    assert example.corrected == {**example.predicted, "intent": "other", "category": None, "urgent": False}
    assert await th.press_on(STEWARDS, digest, f"dg:open:{item.id}", "wang") == "（提示）已处理"
    assert await th.tickets() == []
    assert len(await th.examples()) == 1


async def test_a_decision_rewrites_the_digest_in_place_where_the_platform_can(
    th: TriageHarness, classifier: Classifier
) -> None:
    unsure(classifier, BINS)
    unsure(classifier, NET)
    await th.say(OWNERS, "u-b", BINS)
    await th.say(OWNERS, "u-c", NET)
    await th.tick()
    [digest] = th.digests(STEWARDS)
    [tg_digest] = th.digests(TG_STEWARDS, th.telegram)
    first, _ = await th.items()
    await th.telegram.press(TG_STEWARDS, tg_digest.message_id, f"dg:ignore:{first.id}", "1001")
    await th.app.sender.drain()
    assert th.telegram.toasts(TG_STEWARDS)[-1].text == "（提示）已忽略"
    edited = th.telegram.sent_to(TG_STEWARDS)[-1]
    assert edited.out.edit_of == tg_digest.message_id
    before, after = tg_digest.text.splitlines(), edited.text.splitlines()
    assert after[:3] == before[:3]
    assert after[3] == "　　🗑️ 已忽略（王管家）"
    assert after[4:] == before[4:]  # the other line keeps its guess ...
    assert edited.out.buttons == tg_digest.out.buttons[1:]  # ... and its buttons
    # the local group cannot edit: a line under its digest, and no edit
    assert th.sent(STEWARDS)[-1].text == "🗂️ 待确认第 1 条：已忽略（王管家）"
    assert th.sent(STEWARDS)[-1].out.reply_to == digest.message_id
    assert all(m.out.edit_of is None for m in th.sent(STEWARDS))
    assert (await th.items())[1].state == "pending"


async def test_only_the_communitys_staff_decide_and_forged_presses_are_stale(
    th: TriageHarness, classifier: Classifier
) -> None:
    unsure(classifier, BINS)
    await th.say(OWNERS, "u-b", BINS)
    await th.tick()
    [digest] = th.digests(STEWARDS)
    [item] = await th.items()
    posted = len(th.sent(STEWARDS)), len(th.sent(HK_STEWARDS))
    assert (
        await th.press_on(STEWARDS, digest, f"dg:open:{item.id}", "u-b")
        == "（提示）抱歉，该操作仅限物业工作人员。"
    )
    await th.channel.press(HK_STEWARDS, "b1", f"dg:open:{item.id}", "ho")  # another community's steward
    await th.app.sender.drain()
    # Issue 18: as a missing item, not a refusal that says the item exists.
    assert th.channel.toasts(HK_STEWARDS)[-1].text == "（提示）該操作已失效。"
    assert await th.press_on(STEWARDS, digest, "dg:open:999999", "wang") == "（提示）该操作已失效。"
    assert await th.press_on(STEWARDS, digest, f"dg:maybe:{item.id}", "wang") == "（提示）该操作已失效。"
    assert (len(th.sent(STEWARDS)), len(th.sent(HK_STEWARDS))) == posted  # to the pressers alone
    assert await th.tickets() == []
    assert await th.examples() == []
    assert (await th.items())[0].state == "pending"


async def test_urgent_is_never_parked_and_an_open_incident_takes_its_reports(
    th: TriageHarness, classifier: Classifier
) -> None:
    # The rule: the doubt is about the kind, never the danger (the classifier's current reading of
    # HURT need not be uncertain, so the rule is checked on its own as well).
    hurt = classifier.classify(HURT)
    assert hurt.urgent
    assert not keeps(dataclasses.replace(hurt, uncertain=True, uncertain_reason="little evidence"))
    assert keeps(dataclasses.replace(hurt, uncertain=True, urgent=False))
    await th.say(HK_OWNERS, "u-h", HURT)
    [urgent] = await th.tickets()
    assert urgent.priority == "urgent"
    assert urgent.number in th.sent(HK_OWNERS)[-1].text
    # A report the classifier is not sure of joins the same problem's open ticket: the
    # incident says what the message is about.
    unsure(classifier, LIFT)
    await th.say(OWNERS, "u-a", "3栋电梯坏了")
    await th.say(OWNERS, "u-b", LIFT)
    tickets = await th.tickets()
    assert len(tickets) == 2
    assert "已有 2 位业主反映" in th.sent(OWNERS)[-1].text
    assert await th.items() == []
    assert await th.tick() == 0


@pytest.mark.parametrize("settings", [{"triage_digest_lines": 2}])
async def test_a_long_digest_leaves_the_rest_for_the_next(th: TriageHarness, classifier: Classifier) -> None:
    for n, text in enumerate((DRAIN, BINS, NET)):
        unsure(classifier, text)
        await th.say(OWNERS, f"u-{n}", text)
    assert await th.tick() == 1
    [digest] = th.digests(STEWARDS)
    lines = digest.text.splitlines()
    assert lines[0].startswith("🗂️ 待确认的业主消息 2 条")
    assert lines[-1] == "…另有 1 条，下次汇总。"
    assert len(digest.out.buttons) == 2
    th.clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI))
    assert await th.tick() == 1
    later = th.digests(STEWARDS)[-1]
    assert "花园里的喷头一直在喷" in later.text
    assert "…另有" not in later.text
    assert [i.line for i in await th.items()] == [1, 2, 1]


async def test_a_message_too_old_is_no_longer_listed(th: TriageHarness, classifier: Classifier) -> None:
    unsure(classifier, BINS)
    await th.say(OWNERS, "u-b", BINS)
    th.clock.set(datetime(2026, 11, 25, 12, 30, tzinfo=SHANGHAI))  # 50 hours later (horizon 48)
    assert await th.tick() == 0
    assert th.digests(STEWARDS) == []


async def test_digest_buttons_are_commands_on_wecom(th: TriageHarness) -> None:
    """Without buttons (WeCom) a line's 开单 is the command `/dg open 42`, which comes back as
    the press it stands for."""
    assert "dg:" in th.app.dispatcher.router.callback_prefixes()
    assert button_command(Button("第1条 开单", "dg:open:42")) == "/dg open 42"
    assert command_callback_data("/dg open 42") == "dg:open:42"


async def test_the_ticket_links_are_the_logged_message(th: TriageHarness, classifier: Classifier) -> None:
    """A ticket opened from the digest is the owner's message's ticket: a later correction on its
    card finds the message as logged (the labels the classifier gave it then)."""
    c = unsure(classifier, NET)
    await th.say(OWNERS, "u-c", NET)
    await th.tick()
    [digest] = th.digests(STEWARDS)
    [item] = await th.items()
    await th.press_on(STEWARDS, digest, f"dg:open:{item.id}", "wang")
    [ticket] = await th.tickets()
    other = "complaint" if c.intent.value != "complaint" else "repair"
    card = next(
        m
        for m in th.sent(STEWARDS)
        if any(b.data == f"tk:{other}:{ticket.id}" for r in m.out.buttons for b in r)
    )
    await th.press_on(STEWARDS, card, f"tk:{other}:{ticket.id}", "wang")
    digest_example, correction = await th.examples()
    assert (digest_example.source, correction.source) == ("digest", "correction")
    assert correction.predicted == digest_example.predicted
    assert correction.corrected["intent"] == other
    async with th.app.sessions() as session:
        changed = await session.scalar(select(Ticket).where(Ticket.id == ticket.id))
    assert changed is not None
    assert changed.kind == other


def test_names_are_masked_to_their_first_character() -> None:
    names = ("王小明", "張 先生", "Alice", "  ", "李", "李四")
    assert [mask_name(n) for n in names] == ["王**", "張**", "A**", "**", "李*", "李*"]


async def test_the_morning_digest_catches_up_on_the_night(th: TriageHarness, classifier: Classifier) -> None:
    unsure(classifier, BINS)
    th.clock.set(datetime(2026, 11, 22, 20, 30, tzinfo=SHANGHAI))  # Sunday evening
    assert await th.tick() == 0  # the 20:00 digest: nothing
    th.clock.set(datetime(2026, 11, 22, 23, 10, tzinfo=SHANGHAI))
    await th.say(OWNERS, "u-b", BINS)
    th.clock.set(datetime(2026, 11, 23, 7, 59, tzinfo=SHANGHAI))
    assert await th.tick() == 0  # the night has no digest ...
    th.clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI))
    assert await th.tick() == 1  # ... the first of the morning lists it
    [digest] = th.digests(STEWARDS)
    assert "（11-22 23:10–23:10）" in digest.text.splitlines()[0]


@pytest.mark.parametrize("settings", [{"triage_digest_times": "off"}])
async def test_no_digest_times_no_digest(th: TriageHarness, classifier: Classifier) -> None:
    unsure(classifier, BINS)
    await th.say(OWNERS, "u-b", BINS)
    assert await th.tick() == 0
    assert th.digests(STEWARDS) == []
    assert th.sent(OWNERS) == []  # still kept, not acted on
    assert len(await th.items()) == 1


def test_the_digest_times_come_from_the_settings() -> None:
    assert triage_policy(Settings(triage_digest_times="18:00,08:30,18:00")).times == (time(8, 30), time(18))
    assert triage_policy(Settings(triage_digest_times="off")).times == ()
    policy = triage_policy(Settings(triage_digest_lines=5, triage_horizon_hours=24))
    assert (policy.times, policy.lines, policy.horizon) == (DEFAULT_TIMES, 5, timedelta(hours=24))
    for bad in ("8:00", "08:00,", "24:00", "never"):
        with pytest.raises(ValidationError):
            Settings(triage_digest_times=bad)
