"""The outbox: a crash between commit and send loses nothing and sends once; retries,
back-off, per-chat order, gone chats and idempotent enqueues."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.adapters.local.channel import LocalChannel
from bot.app.root import build_app
from bot.app.settings import Settings
from bot.core.clock import FrozenClock
from bot.core.events import Outgoing, SendError, SendResult
from bot.core.sender import OutboxSender, Outcome
from storage.directory.models import Chat
from storage.uow import UnitOfWork
from tests.harness import EXAMPLE, MONDAY_MORNING, Harness

OWNERS = "lxy-owners-1"


class ScriptedChannel(LocalChannel):
    """A local adapter whose sends fail as scripted: a list of errors, consumed in order."""

    def __init__(self, clock: FrozenClock, failures: list[SendError]) -> None:
        super().__init__(clock)
        self.failures = failures
        self.attempts: list[tuple[str, str]] = []

    async def send(self, chat_id: str, message: Outgoing) -> SendResult:
        self.attempts.append((chat_id, message.text))
        if self.failures:
            raise self.failures.pop(0)
        return await super().send(chat_id, message)


async def test_crash_between_commit_and_send_loses_nothing_and_sends_once(harness: Harness) -> None:
    # The update commits (ticket + outbox rows) but the process "dies" before delivering.
    await harness.channel.post(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    assert harness.sent(OWNERS) == []
    pending = [row for row in await harness.outbox() if row.status == "pending"]
    assert len(pending) == 2  # the owner's ack and the stewards' card

    # A new process on the same database delivers them, exactly once.
    channel = LocalChannel(harness.clock)
    app = build_app(
        Settings(database_url=harness.app.settings.database_url, community_file=EXAMPLE),
        channels={"local": channel},
        clock=harness.clock,
        classifier=harness.app.services.classifier,
        engine=harness.app.engine,
    )
    await app.start(sender=False)
    await app.sender.drain()
    await app.sender.drain()
    assert len(channel.sent_to(OWNERS)) == 1
    assert len(channel.sent_to("lxy-stewards")) == 1
    assert {row.status for row in await harness.outbox()} == {"sent"}
    # and the first process, coming back, finds nothing left to send
    await harness.app.sender.drain()
    assert harness.sent(OWNERS) == []


async def test_rows_left_mid_send_are_retried_after_their_lease(harness: Harness) -> None:
    await harness.channel.post(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    async with harness.app.sessions() as session:
        store = UnitOfWork(session)
        claimed = await store.outbox.claim(harness.clock.now(), 10, timedelta(minutes=5))
        await store.commit()
    assert len(claimed) == 2  # "sending", then the process dies
    await harness.app.sender.drain()
    assert harness.sent(OWNERS) == []  # a live lease is not stolen by another sender
    harness.clock.advance(timedelta(minutes=6))
    await harness.app.sender.start()  # restart: expired leases go back to pending
    await harness.app.sender.stop()
    await harness.app.sender.drain()
    assert len(harness.sent(OWNERS)) == 1


async def test_retry_after_and_backoff_then_success(harness: Harness) -> None:
    channel = ScriptedChannel(harness.clock, [SendError("429", retry_after=30), SendError("502 bad gateway")])
    sender = OutboxSender(harness.app.sessions, {"local": channel}, harness.clock)
    await harness.channel.post(OWNERS, "u-x", "请问物业费怎么交？")
    await sender.drain()
    [row] = await harness.outbox()
    assert row.status == "pending"
    assert row.attempts == 1
    assert row.error == "429"
    assert row.next_attempt_at == harness.clock.now() + timedelta(seconds=30)
    harness.clock.advance(timedelta(seconds=29))
    await sender.drain()
    assert len(channel.attempts) == 1  # not before retry_after
    harness.clock.advance(timedelta(seconds=1))
    await sender.drain()
    assert len(channel.attempts) == 2  # the 502, backed off by 2 s
    harness.clock.advance(timedelta(seconds=2))
    await sender.drain()
    assert len(channel.sent_to(OWNERS)) == 1
    assert [r.status for r in await harness.outbox()] == ["sent"]


async def test_per_chat_order_holds_while_the_head_is_retried(harness: Harness) -> None:
    channel = ScriptedChannel(harness.clock, [SendError("timeout")])
    sender = OutboxSender(harness.app.sessions, {"local": channel}, harness.clock)
    for text in ("请问物业费怎么交？", "请问停车月卡多少钱？", "请问快递柜在哪里？"):
        await harness.channel.post(OWNERS, "u-x", text)
    await sender.drain()
    assert channel.sent_to(OWNERS) == []  # the head failed; nothing behind it may overtake
    harness.clock.advance(timedelta(seconds=1))
    await sender.drain()
    sent = channel.sent_to(OWNERS)
    assert len(sent) == 3
    originals = [m.text for m in harness.channel.transcript if not m.from_bot]
    assert [m.out.reply_to for m in sent] == [
        m.message_id for m in harness.channel.transcript if not m.from_bot and m.text in originals
    ]


async def test_a_gone_chat_is_marked_inactive_and_not_retried(harness: Harness) -> None:
    harness.channel.gone.add(OWNERS)
    await harness.say(OWNERS, "u-x", "请问物业费怎么交？")
    await harness.say(OWNERS, "u-y", "请问停车月卡多少钱？")
    rows = await harness.outbox()
    assert [r.status for r in rows] == ["failed", "failed"]
    async with harness.app.sessions() as session:
        chat = await session.scalar(select(Chat).where(Chat.platform_chat_id == OWNERS))
    assert chat is not None
    assert chat.active is False


async def test_permanent_failures_stop_after_max_attempts(harness: Harness) -> None:
    channel = ScriptedChannel(harness.clock, [SendError("flaky")] * 10)
    sender = OutboxSender(harness.app.sessions, {"local": channel}, harness.clock, max_attempts=3)
    await harness.channel.post(OWNERS, "u-x", "请问物业费怎么交？")
    for _ in range(5):
        await sender.drain()
        harness.clock.advance(timedelta(minutes=10))
    [row] = await harness.outbox()
    assert row.status == "failed"
    assert row.attempts == 3
    assert len(channel.attempts) == 3


async def test_dedupe_key_makes_enqueue_idempotent(harness: Harness) -> None:
    async with harness.app.sessions() as session:
        store = UnitOfWork(session)
        first = await store.outbox.enqueue(
            platform="local",
            platform_chat_id="x",
            chat_id=None,
            payload=Outgoing("a").to_json(),
            now=MONDAY_MORNING,
            dedupe_key="sla:1:breach",
        )
        second = await store.outbox.enqueue(
            platform="local",
            platform_chat_id="x",
            chat_id=None,
            payload=Outgoing("a").to_json(),
            now=MONDAY_MORNING,
            dedupe_key="sla:1:breach",
        )
        await store.commit()
    assert first is not None
    assert second is None
    assert len(await harness.outbox()) == 1


async def test_two_senders_at_once_never_send_a_row_twice(harness: Harness) -> None:
    for i in range(12):
        await harness.channel.post(
            f"lxy-owners-{1 + i % 2}", f"u-{i}", f"物业你好，请问第{i}期的维修基金什么时候公示？"
        )
    a = LocalChannel(harness.clock)
    b = LocalChannel(harness.clock)
    sender_a = OutboxSender(harness.app.sessions, {"local": a}, harness.clock)
    sender_b = OutboxSender(harness.app.sessions, {"local": b}, harness.clock)
    await asyncio.gather(sender_a.drain(), sender_b.drain(), sender_a.drain(), sender_b.drain())
    rows = await harness.outbox()
    sent = [(m.chat_id, m.text) for m in a.transcript + b.transcript if m.outgoing]
    assert len(rows) >= 12
    assert len(sent) == len(rows)  # every row once, none twice
    assert len(set(sent)) == len(rows)
    assert {r.status for r in rows} == {"sent"}


class HangingChannel(LocalChannel):
    """An adapter whose sends never return (a platform that stopped answering)."""

    async def send(self, chat_id: str, message: Outgoing) -> SendResult:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_stop_does_not_wait_forever_for_a_hanging_send(harness: Harness) -> None:
    sender = OutboxSender(harness.app.sessions, {"local": HangingChannel(harness.clock)}, harness.clock)
    await harness.channel.post(OWNERS, "u-x", "请问物业费怎么交？")
    await sender.start()
    for _ in range(100):
        if sender._in_flight:
            break
        await asyncio.sleep(0.01)
    assert sender._in_flight
    await asyncio.wait_for(sender.stop(grace=0.2), timeout=5)
    [row] = await harness.outbox()
    # A clean stop hands the unfinished send back at once (issue 18: a stopped process must
    # not mute the chat until a lease expires): the next sender delivers it, no clock moved.
    assert (row.status, row.claimed_by, row.next_attempt_at) == ("pending", None, harness.clock.now())
    await harness.app.sender.drain()
    assert len(harness.sent(OWNERS)) == 1


class HeldSender(OutboxSender):
    """A sender whose own loop stops, when told, in the middle of recording finished sends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def _write_outcomes(self, store: UnitOfWork, outcomes: list[Outcome]) -> None:
        if outcomes and asyncio.current_task() is self._task and not self.release.is_set():
            self.holding.set()
            await self.release.wait()
        await super()._write_outcomes(store, outcomes)


async def test_drain_waits_for_the_running_loop_to_record_its_sends(harness: Harness) -> None:
    # `steward chat` and the benches drain while the sender's own loop runs. If the loop has
    # taken finished sends and not yet recorded them, their rows are still `sending` and the
    # rest of the chat's queue cannot be claimed: drain must wait, not report "all done".
    sender = HeldSender(harness.app.sessions, {"local": harness.channel}, harness.clock, pace=0.0)
    async with harness.app.sessions() as session:
        store = UnitOfWork(session)
        for text in ("first", "second"):
            await store.outbox.enqueue(
                platform="local",
                platform_chat_id="chat-x",
                chat_id=None,
                payload=Outgoing(text).to_json(),
                now=harness.clock.now(),
            )
        await store.commit()
    await sender.start()
    try:
        await asyncio.wait_for(sender.holding.wait(), timeout=5)  # "first" sent, not recorded
        draining = asyncio.create_task(sender.drain())
        await asyncio.sleep(0.05)
        assert not draining.done(), "drain returned while the loop still held a send"
        sender.release.set()
        await asyncio.wait_for(draining, timeout=5)
        assert {row.status for row in await harness.outbox()} == {"sent"}
    finally:
        await sender.stop()
    assert [m.text for m in harness.sent("chat-x")] == ["first", "second"]


async def test_stop_ends_the_loop_while_wake_ups_keep_coming(harness: Harness) -> None:
    # Every finished send and committed update wakes the sender. Python 3.11's wait_for lost a
    # cancellation that arrived as a wake-up did, so the loop went on and a SIGTERM waited out
    # the stop's whole bound (30 s) in the outbox step: the loop must end at every stop.
    for _ in range(50):
        sender = OutboxSender(
            harness.app.sessions, {"local": harness.channel}, harness.clock, poll_interval=60, pace=0
        )
        await sender.start()

        async def wake_up(sender: OutboxSender = sender) -> None:
            while True:
                sender.wake()
                await asyncio.sleep(0)

        waker = asyncio.create_task(wake_up())
        try:
            for _ in range(random.randrange(1, 40)):  # the stop lands anywhere in the loop's round
                await asyncio.sleep(0)
            stopping = asyncio.create_task(sender.stop(grace=0.2))
            done, _ = await asyncio.wait({stopping}, timeout=5)
            assert done, "the sender's loop went on after its stop"
        finally:
            waker.cancel()
            await asyncio.gather(waker, return_exceptions=True)
