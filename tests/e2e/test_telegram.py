"""Telegram end to end: the fake Bot API ⇄ TelegramChannel ⇄ the real app, polling mode.

Owners and stewards act as Telegram users would (writing, pressing buttons); assertions are
on what reached the fake server and on what the database holds.
"""

from __future__ import annotations

from sqlalchemy import select

from storage.messages.models import MessageLog
from storage.outbox.models import OutboxMessage
from tests.e2e.conftest import TelegramWorld
from tests.e2e.world import eventually, until
from tests.fakes.telegram_api import Fault, StoredMessage

REPORT = "3栋2单元1302厨房水管漏水了，麻烦派人来修"


def with_text(messages: list[StoredMessage], needle: str) -> StoredMessage | None:
    return next((m for m in reversed(messages) if m.text and needle in m.text), None)


def with_button(messages: list[StoredMessage], data: str) -> StoredMessage | None:
    return next((m for m in reversed(messages) if data in m.callback_datas), None)


async def test_the_ticket_loop_from_report_to_rating(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    fake.user_says(party.owners, party.owner, REPORT)

    [ticket] = await world.wait_for_tickets(1)
    ack = await eventually(lambda: with_text(fake.sent(party.owners.id), ticket.number), what="the ack")
    assert ack.reply_to is not None  # under the owner's message
    card = await eventually(
        lambda: with_button(fake.sent(party.stewards.id), f"t:accept:{ticket.id}"), what="the card"
    )
    assert ticket.number in (card.text or "")
    # The steward on duty is mentioned with a tg://user link (Telegram shows a text_mention).
    assert f'<a href="tg://user?id={party.steward.id}">王管家</a>' in (card.html or "")
    mentioned = [e["user"]["id"] for e in card.entities if e["type"] == "text_mention"]
    assert mentioned == [party.steward.id]

    query = fake.user_presses(party.stewards, party.steward, card.message_id, f"t:accept:{ticket.id}")
    await eventually(lambda: fake.callback_answers.get(query), what="the accept answered")
    assert fake.callback_answers[query].text  # a toast, not a silent answer
    await world.wait_for_ticket(lambda t: t.status == "in_progress")
    await eventually(lambda: with_text(fake.sent(party.owners.id), "王管家受理"), what="owners told")

    resolve = await eventually(
        lambda: with_button(fake.sent(party.stewards.id), f"t:resolve:{ticket.id}"), what="resolve button"
    )
    query = fake.user_presses(party.stewards, party.steward, resolve.message_id, f"t:resolve:{ticket.id}")
    await eventually(lambda: fake.callback_answers.get(query), what="the resolve answered")
    await world.wait_for_ticket(lambda t: t.status == "resolved")
    rating = await eventually(
        lambda: with_button(fake.sent(party.owners.id), f"rate:{ticket.id}:0"), what="rating buttons"
    )
    assert "已处理完毕" in (rating.text or "")

    query = fake.user_presses(party.owners, party.owner, rating.message_id, f"rate:{ticket.id}:0")
    await eventually(lambda: fake.callback_answers.get(query), what="the rating answered")
    closed = await world.wait_for_ticket(lambda t: t.status == "closed")
    assert closed.rating == "非常满意"
    # Every button press was answered exactly once, and no send was refused.
    assert len(fake.callback_answers) == 3
    assert all(call.ok for call in fake.calls if call.method != "getUpdates")


async def test_owner_html_is_rendered_harmless(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    hostile = '5栋电梯坏了<b>快</b> <script>alert(1)</script> <a href="https://evil.example">点我</a> &amp;'
    fake.user_says(party.owners, party.owner, hostile)
    [ticket] = await world.wait_for_tickets(1)
    ack = await eventually(lambda: with_text(fake.sent(party.owners.id), ticket.number), what="the ack")
    card = await eventually(lambda: with_text(fake.sent(party.stewards.id), ticket.number), what="the card")
    assert "<script>alert(1)</script>" in (card.text or "")  # shown as typed, not interpreted
    assert '<a href="https://evil.example">' in (card.text or "")
    assert "&amp;" in (card.text or "")
    for message in (ack, card):
        kinds = {e["type"] for e in message.entities}
        assert kinds <= {"text_mention"}, kinds  # no bold, no link from the owner's markup
    assert [e["user"]["id"] for e in card.entities] == [party.steward.id]
    assert all(call.ok for call in fake.calls if call.method != "getUpdates")


async def test_a_kicked_bot_marks_the_chat_inactive(tg: TelegramWorld) -> None:
    """The bot was kicked without Steward hearing of it: the first send gets 403, the chat is
    marked inactive and nothing more is tried there; the stewards still get the card."""
    fake, party, world = tg.fake, tg.party, tg.world
    fake.user_says(party.owners, party.owner, REPORT)
    party.owners.bot_status = "kicked"  # after the owner's message, before the ack
    [ticket] = await world.wait_for_tickets(1)
    await eventually(lambda: with_text(fake.sent(party.stewards.id), ticket.number), what="the card")

    async def inactive() -> bool:
        chat = await world.chat("telegram", str(party.owners.id))
        return chat is not None and not chat.active

    await until(inactive, what="the chat marked inactive")
    refused = [c for c in fake.calls_of("sendMessage", chat_id=party.owners.id) if c.status == 403]
    assert len(refused) == 1  # not retried
    rows = [r for r in await world.outbox() if r.platform_chat_id == str(party.owners.id)]
    assert [r.status for r in rows] == ["failed"]
    assert rows[0].error is not None
    assert "kicked" in rows[0].error


async def test_removing_the_bot_marks_the_chat_inactive(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    fake.bot_removed(party.owners, party.owner)

    async def inactive() -> bool:
        chat = await world.chat("telegram", str(party.owners.id))
        return chat is not None and not chat.active

    await until(inactive, what="the chat marked inactive")


async def test_a_failed_send_of_the_ack_is_retried_after_a_5xx(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    fake.fail_next("sendMessage", Fault.server_error(502), times=2)
    fake.user_says(party.owners, party.owner, REPORT)
    [ticket] = await world.wait_for_tickets(1)
    await eventually(lambda: with_text(fake.sent(party.owners.id), ticket.number), what="the ack")
    await eventually(lambda: with_text(fake.sent(party.stewards.id), ticket.number), what="the card")


async def test_messages_are_logged_without_duplicates_after_redelivery(tg: TelegramWorld) -> None:
    """A webhook-style redelivery of the same update (same message id) is dropped by the router."""
    fake, party, world = tg.fake, tg.party, tg.world
    message = fake.user_says(party.owners, party.owner, REPORT)
    await world.wait_for_tickets(1)
    fake.push_update({"message": message})  # Telegram sends the same update again
    fake.user_says(party.owners, party.owner, "谢谢")
    await eventually(lambda: len(fake.calls_of("getUpdates")) > 3)

    async def logged() -> list[MessageLog]:
        async with world.app.sessions() as session:
            return list((await session.scalars(select(MessageLog))).all())

    async def both_logged() -> list[MessageLog] | None:
        entries = await logged()
        return entries if any(m.text == "谢谢" for m in entries) else None

    await until(both_logged, what="the second message logged")
    texts = [m.text for m in await logged()]
    assert sorted(texts) == sorted([REPORT, "谢谢"])
    assert len(await world.tickets()) == 1
    acks = [r for r in await world.outbox() if r.ref_type == "ticket_ack"]
    assert len(acks) == 1
    assert isinstance(acks[0], OutboxMessage)
