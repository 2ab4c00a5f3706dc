"""Priority and fairness in the outbox (issue 18): urgent acknowledgements and escalations go
ahead of bulk traffic, within a chat and across chats; one owner's flood of commands cannot
delay another owner's reply; equal priority keeps its order."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.local.channel import LocalMessage
from bot.core.events import Outgoing
from bot.core.outbox import MEMBER_SHARE, Priority
from bot.core.sender import OutboxSender
from storage.uow import UnitOfWork
from tests.harness import Harness

OWNERS = "lxy-owners-1"
URGENT_REPORT = "3栋电梯困人了，快来救人！"


async def queue(harness: Harness, chat: str, text: str, priority: Priority = Priority.NORMAL) -> int:
    async with harness.app.sessions() as session:
        store = UnitOfWork(session)
        row = await store.outbox.enqueue(
            platform="local",
            platform_chat_id=chat,
            chat_id=None,
            payload=Outgoing(text).to_json(),
            now=harness.clock.now(),
            priority=priority,
        )
        await store.commit()
    assert row is not None
    return row


def texts(messages: list[LocalMessage]) -> list[str]:
    return [m.text for m in messages]


async def test_within_a_chat_urgent_goes_before_bulk_and_equal_priority_keeps_order(harness: Harness) -> None:
    for n in range(3):
        await queue(harness, "chat-x", f"notice {n}", Priority.BULK)
    await queue(harness, "chat-x", "reply 1")
    await queue(harness, "chat-x", "urgent ack", Priority.URGENT)
    await queue(harness, "chat-x", "reply 2")
    await harness.app.sender.drain()
    assert texts(harness.sent("chat-x")) == [
        "urgent ack",
        "reply 1",
        "reply 2",
        "notice 0",
        "notice 1",
        "notice 2",
    ]


async def test_a_bulk_head_backing_off_does_not_hold_back_an_urgent_row(harness: Harness) -> None:
    notice = await queue(harness, "chat-x", "notice", Priority.BULK)
    async with harness.app.sessions() as session:
        store = UnitOfWork(session)
        await store.outbox.mark_retry(notice, "502", harness.clock.now() + timedelta(minutes=5))
        await store.commit()
    await queue(harness, "chat-x", "reply")  # behind the retried notice in arrival order
    await queue(harness, "chat-x", "urgent ack", Priority.URGENT)
    await harness.app.sender.drain()
    # Before priorities the notice, the chat's oldest row, held both back for five minutes.
    assert texts(harness.sent("chat-x")) == ["urgent ack", "reply"]
    harness.clock.advance(timedelta(minutes=5))
    await harness.app.sender.drain()
    assert texts(harness.sent("chat-x")) == ["urgent ack", "reply", "notice"]


async def test_claims_go_most_urgent_first_across_chats_and_keep_few_bulk_rows_in_flight(
    harness: Harness,
) -> None:
    for n in range(30):
        await queue(harness, f"group-{n}", f"notice {n}", Priority.BULK)
    await queue(harness, "owners", "a reply")
    await queue(harness, "stewards", "urgent card", Priority.URGENT)
    async with harness.app.sessions() as session:
        store = UnitOfWork(session)
        claimed = await store.outbox.claim(
            harness.clock.now(), 5, timedelta(seconds=30), holder="me", bulk_limit=2
        )
        await store.commit()
    payloads = [Outgoing.from_json(row.payload).text for row in claimed]
    assert payloads == ["urgent card", "a reply", "notice 0", "notice 1"]  # 5 asked, 2 bulk at most
    assert {row.claimed_by for row in claimed} == {"me"}


async def test_the_sender_keeps_at_most_bulk_in_flight_bulk_sends(harness: Harness) -> None:
    for n in range(12):
        await queue(harness, f"group-{n}", f"notice {n}", Priority.BULK)
    await queue(harness, "owners", "a reply")
    sender = OutboxSender(harness.app.sessions, {"local": harness.channel}, harness.clock, bulk_in_flight=4)
    started = await sender.step()  # claims; the sends run as tasks
    assert started == 5  # the reply and four notices
    assert sorted(row.priority for row in sender._rows.values()) == [1, 2, 2, 2, 2]
    await sender.drain()
    assert sum(len(harness.sent(f"group-{n}")) for n in range(12)) == 12


async def test_a_noisy_owner_cannot_delay_another_owners_urgent_acknowledgement(harness: Harness) -> None:
    # Sixty commands from one owner, then another owner's urgent report, all before the
    # sender gets a turn (a platform rate limit of 20 a minute in a group would otherwise
    # have put the acknowledgement three minutes behind).
    for _ in range(60):
        await harness.channel.post(OWNERS, "u-noisy", "/help")
    await harness.channel.post(OWNERS, "u-other", URGENT_REPORT)
    await harness.app.sender.drain()
    sent = harness.sent(OWNERS)
    assert len(sent) == 61
    assert "BX-" in sent[0].text  # the urgent acknowledgement went first
    [ticket] = await harness.tickets()
    assert ticket.priority == "urgent"


async def test_replies_to_one_owners_flood_wait_behind_other_owners_replies(harness: Harness) -> None:
    for n in range(20):
        await harness.channel.post(OWNERS, "u-noisy", "/help", message_id=f"noisy-{n}")
    await harness.channel.post(OWNERS, "u-other", "/help", message_id="other-1")
    await harness.app.sender.drain()
    answered = [m.outgoing.reply_to for m in harness.sent(OWNERS) if m.outgoing is not None]
    assert len(answered) == 21
    # The other owner's reply goes after at most the noisy owner's share, not after all 20 ...
    assert answered.index("other-1") == MEMBER_SHARE
    # ... and the noisy owner's own replies keep their order.
    assert [a for a in answered if a != "other-1"] == [f"noisy-{n}" for n in range(20)]


async def test_two_noisy_owners_take_turns(harness: Harness) -> None:
    for n in range(6):
        await harness.channel.post(OWNERS, "u-a", "/help", message_id=f"a-{n}")
    for n in range(6):
        await harness.channel.post(OWNERS, "u-b", "/help", message_id=f"b-{n}")
    await harness.app.sender.drain()
    answered = [m.outgoing.reply_to for m in harness.sent(OWNERS) if m.outgoing is not None]
    # Each gets the share in arrival order, then one each per turn.
    assert answered == ["a-0", "a-1", "a-2", "b-0", "b-1", "b-2", "a-3", "b-3", "a-4", "b-4", "a-5", "b-5"]


async def test_an_urgent_ticket_card_and_acknowledgement_are_queued_urgent(harness: Harness) -> None:
    await harness.channel.post(OWNERS, "u-zhang", URGENT_REPORT)
    await harness.channel.post(OWNERS, "u-li", "3栋厨房水管漏水了，麻烦派人来修")
    rows = await harness.outbox()
    by_ref = {(r.ref_type, r.platform_chat_id, r.ref_id): r.priority for r in rows}
    urgent_id, normal_id = (t.id for t in await harness.tickets())
    assert by_ref[("ticket_ack", OWNERS, urgent_id)] == Priority.URGENT
    assert by_ref[("ticket_card", "lxy-stewards", urgent_id)] == Priority.URGENT
    assert by_ref[("ticket_ack", OWNERS, normal_id)] == Priority.NORMAL
    assert by_ref[("ticket_card", "lxy-stewards", normal_id)] == Priority.NORMAL
    assert {r.lane for r in rows if r.ref_type == "ticket_ack"} == {
        f"member:{t.owner_member_id}" for t in await harness.tickets()
    }
