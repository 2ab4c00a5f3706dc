"""Leases that heal (issue 18): a sender's leases are held by its instance; a running sender
takes over the rows of one that died (its heartbeat went stale) or stopped, within seconds
and before their lease ends; a live holder that keeps beating is never robbed; a clean stop
hands its rows back at once; an outcome arriving after a takeover cannot undo the new
holder's work; a sender claims only what its adapters can send."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.adapters.local.channel import LocalChannel
from bot.core.events import Outgoing, SendResult
from bot.core.sender import OutboxSender
from storage.instances.models import Instance
from storage.uow import UnitOfWork
from tests.e2e.world import eventually
from tests.harness import Harness

OWNERS = "lxy-owners-1"


class HangingChannel(LocalChannel):
    """Sends that never return (the process is about to be killed)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.started = asyncio.Event()

    async def send(self, chat_id: str, message: Outgoing) -> SendResult:
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def sender(harness: Harness, channel: LocalChannel) -> OutboxSender:
    """A sender whose loop only runs when woken and whose heartbeat the test drives."""
    return OutboxSender(
        harness.app.sessions,
        {"local": channel},
        harness.clock,
        poll_interval=3600,
        heartbeat_interval=3600,
    )


async def kill(doomed: OutboxSender) -> None:
    """What `kill -9` leaves behind: no more beats, nothing recorded, nothing handed back."""
    await doomed.heartbeat.halt()
    assert doomed._task is not None
    doomed._task.cancel()
    tasks = [doomed._task, *doomed._in_flight]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def statuses(harness: Harness) -> list[tuple[str, str | None]]:
    return [(row.status, row.claimed_by) for row in await harness.outbox()]


async def started_and_hung(harness: Harness) -> tuple[OutboxSender, HangingChannel]:
    hanging = HangingChannel(harness.clock)
    doomed = sender(harness, hanging)
    await doomed.start()
    await asyncio.wait_for(hanging.started.wait(), timeout=5)
    await eventually(lambda: len(doomed._in_flight) == 2, what="both rows in flight")
    return doomed, hanging


async def test_a_running_sender_takes_over_a_dead_senders_rows_once_its_heartbeat_is_stale(
    harness: Harness,
) -> None:
    await harness.channel.post(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")  # ack + card
    doomed, _ = await started_and_hung(harness)
    await kill(doomed)
    survivor = sender(harness, harness.channel)
    await survivor.start()
    try:
        assert await statuses(harness) == [("sending", doomed.instance.id)] * 2  # its heartbeat is fresh
        harness.clock.advance(timedelta(seconds=5))
        assert await survivor.heartbeat.beat() == 0  # silent 5 s: still alive as far as we know
        harness.clock.advance(timedelta(seconds=6))  # silent 11 s > 10 s; the 30 s lease is not over
        assert await survivor.heartbeat.beat() == 2
        # The beat woke the survivor's loop (it polls only hourly): delivered without a restart.
        await eventually(lambda: len(harness.sent(OWNERS)) == 1, within=5, what="the acknowledgement")
        await eventually(lambda: len(harness.sent("lxy-stewards")) == 1, within=5, what="the card")
    finally:
        await survivor.stop()
    rows = await harness.outbox()
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}  # the takeover counts an attempt


async def test_a_live_holder_that_keeps_beating_keeps_its_leases(harness: Harness) -> None:
    await harness.channel.post(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    holder, _ = await started_and_hung(harness)
    other = sender(harness, harness.channel)
    await other.start()
    try:
        for _ in range(6):  # 48 s: well past the 30 s lease, renewed by every beat
            harness.clock.advance(timedelta(seconds=8))
            await holder.heartbeat.beat()
            assert await other.heartbeat.beat() == 0
            await other.drain()
        assert harness.sent(OWNERS) == []
        assert await statuses(harness) == [("sending", holder.instance.id)] * 2
    finally:
        await kill(holder)
        await other.stop()


async def test_rows_of_a_stopped_instance_are_taken_over_at_once_by_a_starting_sender(
    harness: Harness,
) -> None:
    await harness.channel.post(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    async with harness.app.sessions() as session:
        store = UnitOfWork(session)
        await store.instances.register("gone", "elsewhere", 4242, harness.clock.now())
        claimed = await store.outbox.claim(harness.clock.now(), 10, timedelta(seconds=30), holder="gone")
        await store.instances.stop("gone", harness.clock.now())  # its stop never got to hand them back
        await store.commit()
    assert len(claimed) == 2
    fresh = sender(harness, harness.channel)
    await fresh.start()  # no clock moved: a stopped holder's leases count for nothing
    try:
        await eventually(lambda: len(harness.sent(OWNERS)) == 1, within=5, what="the acknowledgement")
    finally:
        await fresh.stop()


async def test_a_clean_stop_hands_back_its_rows_and_marks_the_instance_stopped(harness: Harness) -> None:
    await harness.channel.post(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    stopping, _ = await started_and_hung(harness)
    await asyncio.wait_for(stopping.stop(grace=0.1), timeout=5)
    assert await statuses(harness) == [("pending", None)] * 2
    async with harness.app.sessions() as session:
        instance = await session.scalar(select(Instance).where(Instance.id == stopping.instance.id))
    assert instance is not None
    assert instance.stopped_at == harness.clock.now()
    await harness.app.sender.drain()  # the next sender, at once
    assert len(harness.sent(OWNERS)) == 1


async def test_an_outcome_arriving_after_a_takeover_leaves_the_new_holder_alone(harness: Harness) -> None:
    async with harness.app.sessions() as session:
        store = UnitOfWork(session)
        row_id = await store.outbox.enqueue(
            platform="local",
            platform_chat_id="chat-x",
            chat_id=None,
            payload=Outgoing("hi").to_json(),
            now=harness.clock.now(),
        )
        await store.instances.register("slow", "h", 1, harness.clock.now())
        await store.outbox.claim(harness.clock.now(), 1, timedelta(seconds=30), holder="slow")
        await store.commit()
    harness.clock.advance(timedelta(seconds=11))  # "slow" went silent: taken over and re-claimed
    async with harness.app.sessions() as session:
        store = UnitOfWork(session)
        now = harness.clock.now()
        assert await store.outbox.release_dead(now, now - timedelta(seconds=10), holder="new") == 1
        [again] = await store.outbox.claim(now, 1, timedelta(seconds=30), holder="new")
        assert again.id == row_id
        # "slow" wakes up and reports a failure: it no longer holds the row, so nothing changes.
        await store.outbox.mark_retry(row_id, "timeout", now + timedelta(seconds=2), holder="slow")
        await store.outbox.mark_failed(row_id, "refused", holder="slow")
        await store.commit()
    [row] = await harness.outbox()
    assert (row.status, row.claimed_by, row.error) == (
        "sending",
        "new",
        "taken over from a sender that stopped or died mid-send",
    )


async def test_a_sender_claims_only_rows_its_adapters_can_send(harness: Harness) -> None:
    class WeComStandIn(LocalChannel):
        platform = "wecom"

    async with harness.app.sessions() as session:
        store = UnitOfWork(session)
        for platform in ("wecom", "local"):
            await store.outbox.enqueue(
                platform=platform,
                platform_chat_id="chat-x",
                chat_id=None,
                payload=Outgoing(f"to {platform}").to_json(),
                now=harness.clock.now(),
            )
        await store.commit()
    await harness.app.sender.drain()  # a process with the local adapter only
    assert [m.text for m in harness.sent("chat-x")] == ["to local"]
    rows = {row.platform: row.status for row in await harness.outbox()}
    assert rows == {"local": "sent", "wecom": "pending"}  # left for a process that has WeCom
    wecom = WeComStandIn(harness.clock)
    other = OutboxSender(harness.app.sessions, {"wecom": wecom}, harness.clock)
    await other.drain()
    assert [m.text for m in wecom.sent_to("chat-x")] == ["to wecom"]
