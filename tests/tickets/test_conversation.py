"""The conversation, not single messages, on the local channel (SQLite and PostgreSQL): an urgent
report is never merged silently, merging needs the same problem, follow-ups belong to the
owner's open ticket, and acknowledgements stay quiet."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.adapters.local.channel import LocalMessage
from bot.core.events import MessageKind
from handlers.tickets.jobs import check_sla
from handlers.tickets.sla import SlaBook
from storage.tickets.models import Ticket, TicketFollower
from tests.harness import Harness
from tests.tickets.evening import ANSWERED, EVENING, REPORTS

OWNERS, STEWARDS, SUPERVISORS = "lxy-owners-1", "lxy-stewards", "lxy-supervisors"


def ack_of(harness: Harness, chat: str, ticket: Ticket) -> LocalMessage:
    return next(m for m in harness.sent(chat) if ticket.number in m.text)


async def events(harness: Harness, ticket: Ticket) -> list[tuple[str, str | None]]:
    return [(e.action, e.note) for e in await harness.events(ticket.id)]


# -- an urgent message is never merged silently ---------------------------------------------------
async def test_an_urgent_report_after_a_normal_one_makes_the_incident_urgent(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "2栋电梯坏了")
    [normal] = await harness.tickets()
    assert normal.priority == "normal"
    assert harness.sent(SUPERVISORS) == []  # a normal ticket with an assignee: not the supervisors'
    harness.clock.advance(timedelta(minutes=20))
    escalated_at = harness.clock.now()
    await harness.say(OWNERS, "u-b", "2栋电梯困人了，有小孩在里面！")

    [ticket] = await harness.tickets()  # merged: still one ticket ...
    assert ticket.priority == "urgent"  # ... but urgent now, under the urgent SLA from now on
    assert ticket.respond_due_at is not None
    assert ticket.resolve_due_at is not None
    assert ticket.respond_due_at - escalated_at == timedelta(minutes=15)
    assert ticket.resolve_due_at - escalated_at == timedelta(hours=4)
    assert ticket.sla_started_at == escalated_at
    answer = harness.sent(OWNERS)[-1]
    assert answer.out.reply_to is not None
    assert "紧急" in answer.text
    assert "已有 2 位" not in answer.text
    # the supervisors get the urgent card, with the new text on it, and so do the stewards
    [copy] = harness.sent(SUPERVISORS)
    assert ticket.number in copy.text
    assert "有小孩在里面" in copy.text
    assert copy.out.urgent
    assert [m.name for m in copy.out.mentions] == ["李主管"]
    card = harness.sent(STEWARDS)[-1]
    assert "升级为【紧急】" in card.text
    assert "u**（2栋****）：2栋电梯困人了，有小孩在里面！" in card.text
    assert card.out.urgent
    assert {b.data for row in card.out.buttons for b in row} >= {f"t:accept:{ticket.id}"}
    opened, *rest = await events(harness, ticket)
    assert opened[0] == "opened"
    note = opened[1] or ""
    assert note.startswith("sla=repair rules=")
    assert "cat.elevator:电梯" in note
    assert rest == [
        ("assigned", ticket.assignee_id and f"steward:{ticket.assignee_id}"),
        ("merged", "reporters=2"),
        ("escalated", "sla=urgent"),
    ]


async def test_the_urgent_sla_watches_an_escalated_incident_from_the_escalation(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "2栋电梯坏了")
    harness.clock.advance(timedelta(minutes=20))
    await harness.say(OWNERS, "u-b", "2栋电梯困人了，有小孩在里面！")
    runtime, book = harness.app.runtime, SlaBook.load()
    harness.clock.advance(timedelta(minutes=11))  # 73 % of the urgent 15 minutes (31 of a repair's 30)
    assert await check_sla(runtime, book) == 0
    harness.clock.advance(timedelta(minutes=5))  # 107 %: breached, to the supervisors
    assert await check_sla(runtime, book) == 2  # the 80 % reminder and the breach
    await harness.app.sender.drain()
    breach = harness.sent(SUPERVISORS)[-1]
    assert "已超过响应时限" in breach.text
    [ticket] = await harness.tickets()
    assert [a for a, _ in await events(harness, ticket)][-2:] == ["sla_reminder", "sla_breach"]


async def test_every_reporter_of_an_urgent_incident_reaches_the_stewards(harness: Harness) -> None:
    await harness.say(OWNERS, "u-1", "救命！2栋电梯困人了，有老人被关在里面出不来")
    [ticket] = await harness.tickets()
    assert ticket.priority == "urgent"
    before = len(harness.sent(STEWARDS))
    reports = [
        "2栋电梯又坏了，按了没反应",
        "2栋电梯停在8楼不动了",
        "2栋的电梯一直停着",
        "2栋电梯坏了，走楼梯太累",
        "2栋电梯故障",
        "2栋电梯里有小孩在哭，快点来人",  # the 7th reporter: not a milestone, reaches them anyway
    ]
    for n, text in enumerate(reports, start=2):
        harness.clock.advance(timedelta(minutes=1))
        await harness.say(OWNERS, f"u-{n}", text)
    assert len(await harness.tickets()) == 1
    told = harness.sent(STEWARDS)[before:]
    assert len(told) == len(reports)  # one line per reporter, none held back for a milestone
    assert all(m.out.urgent for m in told)
    assert "共 7 位" in told[-1].text
    assert "u**（2栋****）：2栋电梯里有小孩在哭，快点来人" in told[-1].text
    assert {m.out.reply_to for m in told} == {harness.sent(STEWARDS)[0].message_id}  # under the card
    owners = [m.text for m in harness.sent(OWNERS)[1:]]
    assert all("紧急情况已收到" in text for text in owners)


async def test_an_urgent_follow_up_from_the_owner_makes_their_ticket_urgent(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "3栋2单元1302厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    harness.clock.advance(timedelta(minutes=5))
    await harness.say(OWNERS, "u-a", "补充：水管爆了，水一直往外喷，整个厨房都淹了")
    [ticket] = await harness.tickets()
    assert ticket.priority == "urgent"
    assert "已升级为紧急" in harness.sent(OWNERS)[-1].text
    assert "水一直往外喷" in harness.sent(SUPERVISORS)[-1].text
    assert [a for a, _ in await events(harness, ticket)][-2:] == ["owner_note", "escalated"]


# -- merging needs the same problem -----------------------------------------------------------------
async def test_two_flats_with_the_same_category_are_two_tickets(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "101厨房下水道堵了，麻烦来通一下")
    harness.clock.advance(timedelta(minutes=5))
    await harness.say(OWNERS, "u-b", "1802马桶堵了，冲不下去")
    first, second = await harness.tickets()
    assert (first.category, second.category) == ("plumbing", "plumbing")
    assert (first.shared, second.shared) == (False, False)
    assert await harness.count(TicketFollower) == 0
    assert "已有" not in harness.sent(OWNERS)[-1].text
    assert second.number in harness.sent(OWNERS)[-1].text
    # the first is fixed: its owner hears of it, the second owner is told nothing of it
    await harness.say(STEWARDS, "wang", f"/resolve {first.number} 已疏通")
    fixed = [m for m in harness.sent(OWNERS) if "已处理完毕" in m.text]
    assert len(fixed) == 1
    assert first.number in fixed[0].text
    assert "1802" not in fixed[0].text


async def test_the_same_flat_written_by_two_people_is_one_ticket(harness: Harness) -> None:
    await harness.say(OWNERS, "u-wife", "3栋1单元1802马桶堵了")
    harness.clock.advance(timedelta(minutes=10))
    await harness.say(OWNERS, "u-husband", "3栋1单元1802厕所又堵了")
    [ticket] = await harness.tickets()
    assert ticket.unit == "3-1-1802"
    assert "已有 2 位业主反映" in harness.sent(OWNERS)[-1].text


async def test_a_shared_place_merges_flats_and_the_card_lists_each_reporter(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "3栋地下室水管漏水了")
    harness.clock.advance(timedelta(minutes=3))
    await harness.say(OWNERS, "u-b", "3栋地下室水管在漏水，地上都是水，电话13812345678")
    [ticket] = await harness.tickets()
    assert ticket.shared
    assert "已有 2 位业主反映" in harness.sent(OWNERS)[-1].text
    told = harness.sent(STEWARDS)[-1]
    assert told.text.splitlines() == [
        f"➕ {ticket.number} 又有业主反映（共 2 位）：",
        "· u**（3栋****）：3栋地下室水管在漏水，地上都是水，电话138****5678",
    ]
    # a flat's own problem in the same building is not that incident
    await harness.say(OWNERS, "u-c", "3栋1单元1802马桶堵了")
    assert len(await harness.tickets()) == 2


async def test_a_merged_owner_is_told_what_was_fixed(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "2栋电梯坏了")
    await harness.say(OWNERS, "u-b", "2栋电梯又坏了")
    [ticket] = await harness.tickets()
    await harness.say(STEWARDS, "wang", f"/resolve {ticket.number} 已更换控制板")
    [merged] = [m for m in harness.sent(OWNERS) if m.text.startswith("您反映的问题")]
    assert merged.text == (
        f"您反映的问题（工单 {ticket.number}·电梯·2栋****）已处理完毕：已更换控制板\n请您对本次服务进行评价："
    )


# -- follow-ups belong to the owner's open ticket ---------------------------------------------------
async def test_a_reply_to_the_ack_is_a_note_on_that_ticket(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "3栋2单元1302厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    ack = ack_of(harness, OWNERS, ticket)
    replies_before = len(harness.sent(OWNERS))
    await harness.say(OWNERS, "u-a", "補充：係廚房水槽下面嗰條喉", reply_to=ack.message_id)
    await harness.say(OWNERS, "u-a", "我下午三点后在家", reply_to=ack.message_id)  # whatever its words
    assert len(await harness.tickets()) == 1
    assert len(harness.sent(OWNERS)) == replies_before  # one acknowledgement per owner per problem
    notes = [m for m in harness.sent(STEWARDS) if "业主补充" in m.text]
    assert [m.text for m in notes] == [
        f"💬 {ticket.number} 业主补充（u**）：補充：係廚房水槽下面嗰條喉",
        f"💬 {ticket.number} 业主补充（u**）：我下午三点后在家",
    ]
    card = harness.sent(STEWARDS)[0]
    assert {m.out.reply_to for m in notes} == {card.message_id}
    assert [a for a, _ in await events(harness, ticket)][-2:] == ["owner_note", "owner_note"]
    # another owner's reply to that ack is their own message, not a note on someone else's ticket
    await harness.say(OWNERS, "u-z", "1栋门禁坏了，刷卡没反应", reply_to=ack.message_id)
    assert len(await harness.tickets()) == 2


async def test_supplement_and_chase_from_the_same_owner(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "3栋2单元1302厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    answered = len(harness.sent(OWNERS))
    harness.clock.advance(timedelta(minutes=10))
    await harness.say(OWNERS, "u-a", "还有，阳台地漏也堵了")
    assert len(harness.sent(OWNERS)) == answered  # the 补充 goes to the stewards, not another ack
    harness.clock.advance(timedelta(minutes=10))
    await harness.say(OWNERS, "u-a", "还有人知道几点来水吗")  # a question to the group, not a 还有
    # Whatever the classifier makes of the question (the group's, or one for the property), it is
    # not a note on the leak: the 还有 of 还有人 is not a supplement.
    notes = [n for a, n in await events(harness, ticket) if a == "owner_note"]
    assert notes == ["还有，阳台地漏也堵了"]
    opened = len(await harness.tickets())
    harness.clock.advance(timedelta(minutes=30))
    await harness.say(OWNERS, "u-a", "點解仲未有人嚟？好急呀")
    assert len(await harness.tickets()) == opened  # a chase, not another ticket
    chased = harness.sent(OWNERS)[-1]
    assert "您已反映过" in chased.text
    assert "已为您催办" in chased.text
    staff = harness.sent(STEWARDS)[-1]
    assert staff.text.startswith(f"⏳ 业主催办 {ticket.number}（u**）：點解仲未有人嚟？好急呀")
    # it chases the open ticket it is about: the leak
    assert [a for a, _ in await events(harness, ticket)][-1] == "chased"
    # chasing again at once is recorded, and nobody is told twice
    told = (len(harness.sent(OWNERS)), len(harness.sent(STEWARDS)))
    await harness.say(OWNERS, "u-a", "还没人来？")
    assert (len(harness.sent(OWNERS)), len(harness.sent(STEWARDS))) == told
    assert [a for a, _ in await events(harness, ticket)][-2:] == ["chased", "chased"]
    notes = [n for a, n in await events(harness, ticket) if a == "owner_note"]
    assert notes == ["还有，阳台地漏也堵了"]


async def test_a_supplement_after_the_window_is_a_message_of_its_own(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "3栋2单元1302厨房水管漏水了，麻烦派人来修")
    harness.clock.advance(timedelta(minutes=31))
    await harness.say(OWNERS, "u-a", "另外想问下物业费可以用微信交吗")
    assert "微信" in harness.sent(OWNERS)[-1].text  # answered from the knowledge base
    [ticket] = await harness.tickets()
    assert "owner_note" not in [a for a, _ in await events(harness, ticket)]


async def test_a_chase_naming_another_problem_does_not_chase_the_open_ticket(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "3栋2单元1302厨房水管漏水了，麻烦派人来修")
    harness.clock.advance(timedelta(days=1))
    await harness.say(OWNERS, "u-a", "1栋门禁坏了三天了还没人来修")
    plumbing, access = await harness.tickets()
    assert access.kind == "complaint"
    assert "chased" not in [a for a, _ in await events(harness, plumbing)]


# -- quiet --------------------------------------------------------------------------------------------
async def test_emoji_and_acknowledgements_open_nothing_and_get_no_reply(harness: Harness) -> None:
    for text in (
        "😡",
        "😡😡😡",
        "[发怒]",
        "收到",
        "明白",
        "谢谢",
        "👍",
        "好的",
        "OK",
        "收到，谢谢管家！",
        "@王管家 明白",
    ):
        await harness.say(OWNERS, "u-a", text)
    await harness.say(OWNERS, "u-a", "", kind=MessageKind.STICKER)
    assert await harness.tickets() == []
    assert harness.sent(OWNERS) == []
    # with an open ticket too: not a chase, not a note, not a reply
    await harness.say(OWNERS, "u-a", "3栋2单元1302厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    ack = ack_of(harness, OWNERS, ticket)
    sent = (len(harness.sent(OWNERS)), len(harness.sent(STEWARDS)))
    for text in ("😡", "谢谢", "👍"):
        await harness.say(OWNERS, "u-a", text, reply_to=ack.message_id)
        await harness.say(OWNERS, "u-a", text)
    assert (len(harness.sent(OWNERS)), len(harness.sent(STEWARDS))) == sent
    assert [a for a, _ in await events(harness, ticket)] == ["opened", "assigned"]


async def test_the_same_owner_reporting_again_is_a_note_not_a_second_acknowledgement(
    harness: Harness,
) -> None:
    await harness.say(OWNERS, "u-a", "2栋电梯坏了")
    harness.clock.advance(timedelta(minutes=5))
    await harness.say(OWNERS, "u-a", "2栋电梯门关不上")
    [ticket] = await harness.tickets()
    assert len(harness.sent(OWNERS)) == 1
    assert harness.sent(STEWARDS)[-1].text == f"💬 {ticket.number} 业主补充（u**）：2栋电梯门关不上"
    async with harness.app.sessions() as session:
        followers = (await session.scalars(select(TicketFollower))).all()
    assert followers == []


# -- an evening ---------------------------------------------------------------------------------------
async def test_an_owner_group_evening_opens_exactly_the_five_real_tickets(harness: Harness) -> None:
    harness.clock.advance(timedelta(hours=9))  # Monday 19:00
    acks: dict[str, str] = {}
    answered: list[tuple[str, str]] = []  # (the owner answered, the bot's text)
    said_by: dict[str, str] = {}
    for said in EVENING:
        harness.clock.advance(timedelta(minutes=3))
        before = len(harness.sent(OWNERS))
        reply_to = acks[said.user] if said.replies_to_ack else None
        message = await harness.say(OWNERS, said.user, said.text, reply_to=reply_to)
        said_by[message.message_id] = said.user
        for bot in harness.sent(OWNERS)[before:]:
            assert bot.out.reply_to == message.message_id  # each answer under the message it answers
            answered.append((said.user, bot.text))
            acks.setdefault(said.user, bot.message_id)
    tickets = await harness.tickets()
    assert [(said_by[t.source_message_id or ""], t.kind) for t in tickets] == list(REPORTS)
    assert [t.number[:2] for t in tickets] == ["BX", "BX", "BX", "TS", "BX"]
    assert [user for user, _ in answered] == list(ANSWERED)
    lift = tickets[2]
    assert lift.priority == "urgent"  # the trapped child made the lift urgent ...
    lift_events = [a for a, _ in await events(harness, lift)]
    assert lift_events.count("merged") == 2  # ... u-6 and u-7 joined it
    assert "owner_note" in lift_events
    assert "escalated" in lift_events
    leak_events = [a for a, _ in await events(harness, tickets[0])]
    assert leak_events.count("owner_note") == 1  # 補充, as a reply to the ack
    assert leak_events.count("chased") == 1  # 點解仲未有人嚟
    assert "紧急" in answered[6][1]
