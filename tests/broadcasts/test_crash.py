"""A 1,000-group broadcast survives a crash in the middle of its fan-out and a sender killed in
the middle of delivering it: after a restart every group has the notice exactly once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.local.channel import LocalChannel
from bot.core.clock import FrozenClock
from bot.core.events import Outgoing, SendResult
from nlp.classifier import Classifier
from storage.outbox.models import OutboxMessage
from tests.broadcasts.conftest import SHANGHAI, Rig, community_block

GROUPS = 1000
START = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def thousand(tmp_path: Path) -> Path:
    path = tmp_path / "thousand.toml"
    path.write_text(
        community_block("big", "万家城", "Asia/Shanghai", "zh-Hans", groups=GROUPS, buildings=50),
        encoding="utf-8",
    )
    return path


class DyingChannel(LocalChannel):
    """The platform side is `world` (a transcript shared with the next process); this
    process's adapter hangs forever after `budget` sends, like a process about to be killed."""

    def __init__(self, clock: FrozenClock, world: LocalChannel, budget: int) -> None:
        super().__init__(clock)
        self.world = world
        self.budget = budget
        self.hung = asyncio.Event()

    async def send(self, chat_id: str, message: Outgoing) -> SendResult:
        if self.budget <= 0:
            self.hung.set()
            await asyncio.Event().wait()  # never returns; the process is killed here
        self.budget -= 1
        return await self.world.send(chat_id, message)


async def outbox_counts(rig: Rig) -> dict[str, int]:
    async with rig.app.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.ref_type == "broadcast")
            .group_by(OutboxMessage.status)
        )
        return {str(status): int(n) for status, n in rows.all()}


def deliveries(platform: LocalChannel) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in platform.transcript:
        if message.from_bot and message.chat_id.startswith("big-owners-"):
            counts[message.chat_id] = counts.get(message.chat_id, 0) + 1
    return counts


@pytest.mark.slow
async def test_a_crash_mid_fan_out_and_a_sender_killed_mid_delivery_lose_nothing_and_send_nothing_twice(
    engine: AsyncEngine, db_url: str, classifier: Classifier, thousand: Path
) -> None:
    rig = Rig(engine, db_url, classifier, community_file=thousand, start=START)
    await rig.start()
    await rig.say("big-supervisors", "big-boss", "/notice 全体 10:30 今晚20:00消防演习，请勿惊慌。")
    assert "全体业主群（1000个群）" in rig.last("big-supervisors")
    await rig.press("big-supervisors", "bc:ok:", "big-boss")
    [broadcast] = await rig.broadcasts()
    assert broadcast.status == "scheduled"

    # 10:30: the job starts fanning out (200 rows per transaction) and the process dies
    # part-way, in the middle of a transaction.
    rig.at(START + timedelta(minutes=30))
    job = asyncio.create_task(rig.jobs.run_broadcast(broadcast.id))
    while sum((await outbox_counts(rig)).values()) < 400:
        await asyncio.sleep(0.005)
        assert not job.done()
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    queued = sum((await outbox_counts(rig)).values())
    assert 400 <= queued < GROUPS
    assert queued % 200 == 0  # whole transactions only: the interrupted one left nothing

    # A new process: its tick resumes the fan-out where it stopped.
    rig.advance(minutes=1)
    second = await rig.restart()
    await second.jobs.tick()
    assert await outbox_counts(second) == {"pending": GROUPS}
    rows = await second.outbox()
    assert len({r.chat_id for r in rows}) == GROUPS
    assert {r.dedupe_key for r in rows} == {f"bc:{broadcast.id}:{r.chat_id}" for r in rows}

    # Its sender delivers 437 and hangs with 50 more in flight; the process is killed.
    platform = rig.channel
    dying = DyingChannel(rig.clock, platform, budget=437)
    doomed = second.build({"local": dying})
    await doomed.sender.start()
    await asyncio.wait_for(dying.hung.wait(), timeout=60)
    while (await outbox_counts(second)).get("sent", 0) < 437:  # noqa: ASYNC110 (polling the database)
        await asyncio.sleep(0.005)
    # stop() waits for the sends in flight, which never finish: the process is killed instead
    # (its loop and every send in flight are cancelled; nothing more is written).
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(doomed.sender.stop(), timeout=0.5)
    counts = await outbox_counts(second)
    assert counts["sent"] == 437
    assert counts["sending"] > 0  # taken, never answered: the sender died holding them
    assert len(deliveries(platform)) == 437

    # A fresh sender, once the dead one's lease has expired, delivers the rest.
    rig.advance(minutes=6)
    third = await rig.restart()
    await third.app.sender.start()
    await third.app.sender.stop()  # start() has recovered the expired rows; drain by hand
    await third.app.sender.drain()
    assert await outbox_counts(third) == {"sent": GROUPS}
    per_group = deliveries(platform)
    assert len(per_group) == GROUPS  # no loss
    assert set(per_group.values()) == {1}  # no duplicate
    await third.say("big-supervisors", "big-boss", f"/notice status N{broadcast.id}")
    assert "目标群：1000 · 已送达：1000 · 失败：0 · 待发送：0" in third.last("big-supervisors")


async def test_runners_racing_on_one_fan_out_queue_each_group_once(
    engine: AsyncEngine, db_url: str, classifier: Classifier, tmp_path: Path
) -> None:
    path = tmp_path / "450.toml"
    path.write_text(
        community_block("big", "万家城", "Asia/Shanghai", "zh-Hans", groups=450), encoding="utf-8"
    )
    rig = Rig(engine, db_url, classifier, community_file=path, start=START)
    await rig.start()
    await rig.say("big-supervisors", "big-boss", "/notice 全体 10:30 三个进程同时发")
    await rig.press("big-supervisors", "bc:ok:", "big-boss")
    rig.at(START + timedelta(minutes=30))
    other = await rig.restart()  # a second process on the same database
    await asyncio.gather(
        rig.jobs.run_broadcast(1),  # its date job
        rig.jobs.tick(),  # its tick, at the same moment
        other.jobs.run_broadcast(1),  # and the other process's job
    )
    rows = await rig.outbox()
    assert len(rows) == 450
    assert len({r.chat_id for r in rows}) == 450
    [broadcast] = await rig.broadcasts()
    assert (broadcast.status, broadcast.target_count) == ("queued", 450)
