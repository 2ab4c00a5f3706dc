"""The intake flow on the local channel, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event

from bot.core.events import MessageKind
from storage.messages.models import MessageLog, ProcessedDelivery
from storage.tickets.models import Ticket
from tests.harness import Harness, text_message

OWNERS = "lxy-owners-1"  # buildings 1-3, 王管家's grid
STEWARDS = "lxy-stewards"
SUPERVISORS = "lxy-supervisors"
HK_OWNERS = "hbhy-owners"


async def test_a_repair_opens_an_acknowledged_assigned_ticket_with_a_card(harness: Harness) -> None:
    msg = await harness.say(
        OWNERS, "u-zhang", "3栋2单元1302厨房水管漏水了，麻烦派人来修一下", sender_name="张先生"
    )
    [ticket] = await harness.tickets()
    assert re.fullmatch(r"BX-20261123-0001", ticket.number)
    assert ticket.kind == "repair"
    assert ticket.status == "assigned"
    assert ticket.building == "3"
    assert ticket.unit is not None
    assert "1302" in ticket.unit

    [ack] = harness.sent(OWNERS)
    assert ack.outgoing is not None
    assert ack.out.reply_to == msg.message_id
    assert ticket.number in ack.text
    assert "30分钟" in ack.text
    assert "1302" not in ack.text
    assert "3栋****" in ack.text
    assert "\n" not in ack.text  # one short line

    [card] = harness.sent(STEWARDS)
    assert card.outgoing is not None
    assert ticket.number in card.text
    assert "1302" not in card.text
    assert [m.name for m in card.out.mentions] == ["王管家"]
    assert [m.user_id for m in card.out.mentions] == ["wang"]
    assert {b.data for row in card.out.buttons for b in row} >= {f"t:accept:{ticket.id}"}
    actions = [e.action for e in await harness.events(ticket.id)]
    assert actions == ["opened", "assigned"]


async def test_complaint_and_numbering_per_kind(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "楼上天天半夜装修敲墙，吵得根本睡不着，太过分了")
    await harness.say(OWNERS, "u-b", "2栋厕所下水道堵了，麻烦来疏通")
    await harness.say(OWNERS, "u-c", "1栋门禁刷不开了，麻烦来修")
    numbers = [t.number for t in await harness.tickets()]
    assert numbers == ["TS-20261123-0001", "BX-20261123-0001", "BX-20261123-0002"]


async def test_urgent_ticket_goes_to_supervisors_too(harness: Harness) -> None:
    await harness.say("lxy-owners-2", "u-li", "救命！5号楼电梯困人了，有老人被关在里面出不来")
    [ticket] = await harness.tickets()
    assert ticket.priority == "urgent"
    assert ticket.category == "elevator"
    assert ticket.building == "5"
    assert "紧急" in harness.sent("lxy-owners-2")[0].text
    [copy] = harness.sent(SUPERVISORS)
    assert ticket.number in copy.text
    assert [m.name for m in copy.out.mentions] == ["李主管"]
    assert ticket.resolve_due_at is not None
    assert ticket.respond_due_at is not None
    assert (ticket.respond_due_at - ticket.created_at).total_seconds() == 15 * 60


async def test_inquiry_is_answered_and_chatter_is_not(harness: Harness) -> None:
    await harness.say(OWNERS, "u-c", "请问物业费可以用微信交吗？")
    await harness.say(OWNERS, "u-d", "电梯修好了，谢谢管家")
    await harness.say(OWNERS, "u-e", "今天天气真好啊")
    replies = harness.sent(OWNERS)
    assert len(replies) == 1
    assert "微信" in replies[0].text
    assert "来源：物业费缴纳" in replies[0].text
    assert await harness.tickets() == []
    assert await harness.count(MessageLog) == 3


async def test_traditional_community_is_answered_in_traditional(harness: Harness) -> None:
    await harness.say(HK_OWNERS, "u-wong", "A座16樓B室廁所漏水，滴到落樓下，唔該盡快派師傅嚟睇下")
    [ticket] = await harness.tickets()
    assert ticket.building == "A"
    assert ticket.kind == "repair"
    [ack] = harness.sent(HK_OWNERS)
    assert "工單" in ack.text
    assert "报" not in ack.text
    assert "16樓" not in ack.text
    [card] = harness.sent("hbhy-stewards")
    assert [m.name for m in card.out.mentions] == ["何姑娘"]


async def test_duplicate_delivery_is_dropped(harness: Harness) -> None:
    message = text_message(OWNERS, "u-zhang", "3栋厨房水管爆了在漏水", "m-42")
    await harness.deliver(message)
    await harness.deliver(message)
    await harness.deliver(message)
    assert len(await harness.tickets()) == 1
    assert len(harness.sent(OWNERS)) == 1
    assert await harness.count(ProcessedDelivery) == 1


async def test_staff_writing_in_an_owner_group_opens_no_ticket(harness: Harness) -> None:
    await harness.say(OWNERS, "wang", "3栋水管漏水的问题师傅已经在修了")
    assert await harness.tickets() == []


async def test_messages_outside_owner_groups_are_logged_only(harness: Harness) -> None:
    await harness.say("some-unknown-group", "u-x", "电梯坏了")
    assert await harness.tickets() == []
    assert harness.sent("some-unknown-group") == []
    assert await harness.count(MessageLog) == 1


async def test_sticker_and_photo_are_logged_not_classified(harness: Harness) -> None:
    await harness.say(OWNERS, "u-x", "", kind=MessageKind.STICKER)
    await harness.say(OWNERS, "u-x", "", kind=MessageKind.PHOTO)
    assert harness.sent(OWNERS) == []
    async with harness.app.sessions() as session:
        from sqlalchemy import select

        rows = (await session.scalars(select(MessageLog))).all()
    assert [r.kind for r in rows] == ["sticker", "photo"]
    assert all(r.intent is None for r in rows)


async def test_ticket_rows_match_acks(harness: Harness) -> None:
    for i in range(5):
        await harness.say(OWNERS, f"u-{i}", f"{i + 1}栋楼道灯坏了，晚上很黑，麻烦修一下")
    tickets = await harness.tickets()
    assert len(tickets) == 5
    assert all(isinstance(t, Ticket) for t in tickets)
    assert len(harness.sent(OWNERS)) == 5
    assert len({t.number for t in tickets}) == 5


async def test_chatter_and_quiet_messages_read_no_ticket_and_no_outbox(harness: Harness) -> None:
    """The owner-message hot path stays cheap: the conversation's lookups (the owner's open
    tickets, the bot's message a reply answers) happen only for a message that looks like a
    follow-up; chatter and acknowledgements cost what they cost before."""
    await harness.say(OWNERS, "u-a", "3栋2单元1302厨房水管漏水了，麻烦派人来修")  # an open ticket
    [ticket] = await harness.tickets()
    ack = next(m for m in harness.sent(OWNERS) if ticket.number in m.text)
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    def reads(table: str) -> int:
        return sum(
            1 for s in seen if s.lstrip().upper().startswith("SELECT") and re.search(rf"\bFROM {table}\b", s)
        )

    event.listen(harness.app.engine.sync_engine, "before_cursor_execute", record)
    try:
        for text in ("今天天气真好啊", "大家晚上好", "收到，谢谢", "👍", "😡"):
            await harness.channel.post(OWNERS, "u-a", text)
        await harness.channel.post(OWNERS, "u-a", "谢谢", reply_to=ack.message_id)  # quiet: no lookup
        assert (reads("tickets"), reads("ticket_events"), reads("outbox")) == (0, 0, 0)
        # a neighbour's chatter under the bot's line: which ticket it answers, and whose it is
        await harness.channel.post(OWNERS, "u-z", "哈哈是啊", reply_to=ack.message_id)
        assert (reads("tickets"), reads("outbox")) == (1, 1)
    finally:
        event.remove(harness.app.engine.sync_engine, "before_cursor_execute", record)
    assert len(await harness.tickets()) == 1
