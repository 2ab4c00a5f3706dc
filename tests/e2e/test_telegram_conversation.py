"""The conversation end to end on Telegram (the fake Bot API ⇄ TelegramChannel ⇄ the real app,
polling): urgent after normal in the same building, two flats with the same category, 補充 (a
reply to the acknowledgement) and 催 from the same owner, 😡 and reactions, the stewards' card
rewritten in place with the merged reporters, a correction pressed on the card, and a
50-message owner-group evening that opens exactly its five tickets.

Each owner message is waited for (logged) before the next is sent, as people write one after
another; assertions are on what reached the fake server and what the database holds.
"""

from __future__ import annotations

from typing import Any

from storage.messages.models import MessageLog
from storage.tickets.models import Ticket
from tests.e2e.conftest import TelegramWorld
from tests.e2e.world import World, eventually, until
from tests.fakes.telegram_api import FakeChat, FakeTelegramAPI, FakeUser, StoredMessage
from tests.tickets.evening import ANSWERED, EVENING, REPORTS


async def settled(world: World) -> None:
    """Every queued message has been sent."""

    async def done() -> bool:
        rows = await world.outbox()
        return all(r.status == "sent" for r in rows)

    await until(done, what="the outbox sent")


async def say(tg: TelegramWorld, user: FakeUser, text: str, *, reply_to: int | None = None) -> dict[str, Any]:
    """`user` writes in the owners' group; returns once it is handled and answered."""
    world = tg.world
    before = await world.count(MessageLog)
    message = tg.fake.user_says(tg.party.owners, user, text, reply_to=reply_to)

    async def logged() -> bool:
        return await world.count(MessageLog) > before

    await until(logged, what=f"{text!r} logged")
    await settled(world)
    return message


def bot_messages(fake: FakeTelegramAPI, chat: FakeChat) -> list[StoredMessage]:
    return [m for m in fake.sent(chat.id) if m.from_bot]


def under(messages: list[StoredMessage], message: dict[str, Any]) -> list[StoredMessage]:
    return [m for m in messages if m.reply_to == message["message_id"]]


async def test_an_urgent_report_after_a_normal_one_escalates_the_incident(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    neighbour = fake.add_user("李", last_name="太")
    await say(tg, party.owner, "2栋电梯坏了")
    urgent = await say(tg, neighbour, "2栋电梯困人了，有小孩在里面！")
    [ticket] = await world.tickets()
    assert ticket.priority == "urgent"
    [answer] = under(bot_messages(fake, party.owners), urgent)
    assert "已升级为紧急" in (answer.text or "")
    assert "已有 2 位" not in (answer.text or "")
    escalated = next(m for m in bot_messages(fake, party.stewards) if "升级为【紧急】" in (m.text or ""))
    assert "李**（2栋****）：2栋电梯困人了，有小孩在里面！" in (escalated.text or "")
    assert f"t:accept:{ticket.id}" in escalated.callback_datas
    assert all(call.ok for call in fake.calls if call.method != "getUpdates")


async def test_two_flats_with_the_same_category_are_two_tickets(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    await say(tg, party.owner, "101厨房下水道堵了，麻烦来通一下")
    second = await say(tg, fake.add_user("王", last_name="太"), "1802马桶堵了，冲不下去")
    first_ticket, second_ticket = await world.tickets()
    [answer] = under(bot_messages(fake, party.owners), second)
    assert second_ticket.number in (answer.text or "")
    assert "已有" not in (answer.text or "")
    assert first_ticket.number != second_ticket.number


async def test_a_supplement_under_the_ack_and_a_chase_stay_on_the_owners_ticket(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    report = await say(tg, party.owner, "3栋2单元1302厨房水管漏水了，麻烦派人来修")
    [ticket] = await world.tickets()
    [ack] = under(bot_messages(fake, party.owners), report)
    supplement = await say(tg, party.owner, "補充：係廚房水槽下面嗰條喉", reply_to=ack.message_id)
    chase = await say(tg, party.owner, "點解仲未有人嚟？好急呀")
    assert [t.id for t in await world.tickets()] == [ticket.id]
    owners = bot_messages(fake, party.owners)
    assert under(owners, supplement) == []  # no second acknowledgement
    [chased] = under(owners, chase)
    assert "已为您催办" in (chased.text or "")
    staff = [m.text or "" for m in bot_messages(fake, party.stewards)]
    assert f"💬 {ticket.number} 业主补充（張**）：補充：係廚房水槽下面嗰條喉" in staff
    assert any(t.startswith(f"⏳ 业主催办 {ticket.number}（張**）：點解仲未有人嚟？好急呀") for t in staff)
    card = next(m for m in bot_messages(fake, party.stewards) if f"t:accept:{ticket.id}" in m.callback_datas)
    assert all(m.reply_to == card.message_id for m in bot_messages(fake, party.stewards)[1:])


async def test_an_angry_emoji_a_sticker_or_a_reaction_opens_nothing(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    await say(tg, party.owner, "😡")
    before = await world.count(MessageLog)
    fake.user_sends_media(party.owners, party.owner, "sticker")

    async def logged() -> bool:
        return await world.count(MessageLog) > before

    await until(logged, what="the sticker logged")
    fake.push_update(
        {
            "message_reaction": {
                "chat": party.owners.to_api(),
                "message_id": 1,
                "user": party.owner.to_api(),
                "date": 1_700_000_000,
                "old_reaction": [],
                "new_reaction": [{"type": "emoji", "emoji": "😡"}],
            }
        }
    )
    await say(tg, party.owner, "谢谢")  # handled after the reaction, had it been delivered
    assert await world.tickets() == []
    assert bot_messages(fake, party.owners) == []


async def test_the_card_is_rewritten_in_place_with_each_merged_reporter(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    await say(tg, party.owner, "2栋电梯坏了，按了没反应")
    [ticket] = await world.tickets()
    card = next(m for m in bot_messages(fake, party.stewards) if f"t:accept:{ticket.id}" in m.callback_datas)
    await say(tg, fake.add_user("李", last_name="太"), "2栋电梯又坏了，电话13812345678")
    told = bot_messages(fake, party.stewards)[-1]
    assert told.reply_to == card.message_id
    assert (told.text or "").splitlines() == [
        f"➕ {ticket.number} 又有业主反映（共 2 位）：",
        "· 李**（2栋****）：2栋电梯又坏了，电话138****5678",
    ]
    rewritten = fake.message(party.stewards.id, card.message_id)
    assert rewritten.edits == 1
    assert "业主反映（共 2 位）：\n· 李**（2栋****）：2栋电梯又坏了，电话138****5678" in (
        rewritten.text or ""
    )
    assert f"t:accept:{ticket.id}" in rewritten.callback_datas  # the buttons stay
    # a reply to the rewritten card is still a progress note on the ticket
    fake.user_says(party.stewards, party.steward, "师傅已到现场", reply_to=card.message_id)
    await eventually(
        lambda: any("进度：师傅已到现场" in (m.text or "") for m in bot_messages(fake, party.owners)),
        what="the note told to the owner",
    )
    assert all(call.ok for call in fake.calls if call.method != "getUpdates")


async def test_not_a_ticket_pressed_on_the_card_cancels_quietly(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    await say(tg, party.owner, "3栋2单元1302厨房水管漏水了，麻烦派人来修")
    [ticket] = await world.tickets()
    card = next(m for m in bot_messages(fake, party.stewards) if f"tk:none:{ticket.id}" in m.callback_datas)
    query = fake.user_presses(party.stewards, party.steward, card.message_id, f"tk:none:{ticket.id}")
    await eventually(lambda: fake.callback_answers.get(query), what="the press answered")
    assert fake.callback_answers[query].text == "已标为不是工单，已取消"
    cancelled = await world.wait_for_ticket(lambda t: t.status == "cancelled")
    await settled(world)
    assert len(bot_messages(fake, party.owners)) == 1  # the acknowledgement only
    assert cancelled.number == ticket.number


async def test_an_owner_group_evening_opens_exactly_the_five_real_tickets(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    people = {said.user: fake.add_user(said.user) for said in EVENING}
    writers: dict[int, str] = {}
    acks: dict[str, int] = {}
    for said in EVENING:
        reply_to = acks[said.user] if said.replies_to_ack else None
        message = await say(tg, people[said.user], said.text, reply_to=reply_to)
        writers[message["message_id"]] = said.user
        for answer in under(bot_messages(fake, party.owners), message):
            acks.setdefault(said.user, answer.message_id)
    tickets: list[Ticket] = await world.tickets()
    assert [(writers[int(t.source_message_id or 0)], t.kind) for t in tickets] == list(REPORTS)
    answered = [writers[m.reply_to] for m in bot_messages(fake, party.owners) if m.reply_to in writers]
    assert answered == list(ANSWERED)
    assert len(bot_messages(fake, party.owners)) == len(ANSWERED)  # nothing said to nobody in particular
    assert tickets[2].priority == "urgent"
    assert await world.count(MessageLog) == len(EVENING)
    assert all(call.ok for call in fake.calls if call.method != "getUpdates")
