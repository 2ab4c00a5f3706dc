"""Several `steward run` processes on one PostgreSQL database (issue 20, item 2), against the
fake Bot API: one of each singleton at a time, a takeover within seconds when its holder is
killed, the platform's rate limits held across processes, and roles spread over processes.
SQLite serves one process and refuses a second.

Duplicates are counted truthfully as in `test_kill.py`: at the kill the fake holds every send
unanswered and drops the killed process's held sends, so a message that arrives twice was
sent twice by the recovery itself.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, upgrade
from tests.conftest import POSTGRES_URL, drop_postgres_database, fresh_postgres_database
from tests.e2e.test_run import Process, run_cli
from tests.e2e.world import eventually, free_port, until
from tests.fakes.telegram_api import FakeChat, FakeTelegramAPI, FakeUser
from tests.reliability.inbound import report
from tests.reliability.steward import delivered, env, healthz, start, write_community

pytestmark = pytest.mark.slow

OFFICES = {"scheduler", "sender:telegram", "poller:telegram"}


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured (set STEWARD_TEST_POSTGRES_URL)")
    url = await fresh_postgres_database(POSTGRES_URL)
    migrator = create_engine(url)
    try:
        await upgrade(migrator)
    finally:
        await migrator.dispose()
    yield url
    await drop_postgres_database(POSTGRES_URL, url)


class Town:
    """The fake Telegram with `groups` owner groups, the supervisors' and stewards' groups."""

    def __init__(self, fake: FakeTelegramAPI, tmp_path: Path, groups: int) -> None:
        self.fake = fake
        self.boss: FakeUser = fake.add_user("李", last_name="主管")
        self.supervisors = fake.add_group("绿溪园主管群")
        self.stewards = fake.add_group("绿溪园管家群")
        self.owners: list[FakeChat] = [fake.add_group(f"绿溪园业主{n}群") for n in range(groups)]
        self.community = write_community(
            tmp_path / "community.toml",
            owners=self.owners,
            supervisors=self.supervisors,
            stewards=self.stewards,
            boss=self.boss,
        )

    def answers(self, asked: list[tuple[int, int]]) -> Counter[tuple[int, int]]:
        """How often each (chat, message) was answered by the bot."""
        wanted = set(asked)
        found: Counter[tuple[int, int]] = Counter()
        for chat_id in {chat for chat, _ in asked}:
            for message in self.fake.sent(chat_id):
                key = (chat_id, message.reply_to or 0)
                if message.from_bot and key in wanted:
                    found[key] += 1
        return found


async def offices(port: int) -> dict[str, bool]:
    _, body, _ = await healthz(port)
    held: dict[str, bool] = body["offices"]
    return held


async def rows(engine: AsyncEngine, sql: str) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql))).all())


async def kill(process: Process) -> None:
    process.proc.send_signal(signal.SIGKILL)
    await process.proc.wait()
    await asyncio.sleep(0.3)  # the fake sees the held connections close


async def test_the_leader_killed_the_standby_resumes_scheduled_jobs_and_sends_within_10_s_none_twice(
    pg_url: str, tmp_path: Path
) -> None:
    engine = create_engine(pg_url)
    async with FakeTelegramAPI() as fake:
        town = Town(fake, tmp_path, groups=20)
        ports = free_port(), free_port()

        def process_env(port: int) -> dict[str, str]:
            return env(pg_url, town.community, fake, port, broadcast_tick_seconds="1", inbox_lease="5")

        leader = await start(process_env(ports[0]))
        standby: Process | None = None
        try:
            await until(lambda: _all_held(ports[0]), within=15, what="the first process holding every office")
            standby = await start(process_env(ports[1]))
            await asyncio.sleep(2.0)  # a couple of election rounds
            assert await offices(ports[1]) == dict.fromkeys(OFFICES, False)
            assert (await healthz(ports[1]))[1]["roles"] == ["poller", "scheduler", "sender", "worker"]

            # A notice scheduled for a minute the leader will not live to see.
            zone = ZoneInfo("Asia/Shanghai")
            local = datetime.now(zone) + timedelta(seconds=20)
            due = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
            code, out, err = await run_cli(
                "notice",
                "send",
                "--community",
                "lxy",
                "--at",
                due.strftime("%Y-%m-%d %H:%M"),
                "--yes",
                "今晚20:00停水演练，请提前储水。",
                env=process_env(free_port()),
            )
            assert code == 0, out + err

            # Ten owners ask; their answers are queued and held by the platform at the kill.
            fake.hold("sendMessage")
            owner = fake.add_user("趙")
            asked = [
                (group.id, int(fake.user_says(group, owner, "/help")["message_id"]))
                for group in town.owners[:10]
            ]

            async def queued() -> bool:
                found = await rows(engine, "SELECT count(*) FROM outbox WHERE ref_type IS NULL")
                return int(found[0][0]) >= len(asked)

            await until(queued, within=20, what="the answers queued")
            await eventually(lambda: bool(fake.held), within=10, what="sends held in flight")
            # The kill comes 3 s before the notice is due.
            await asyncio.sleep(max(0.0, (due - datetime.now(zone)).total_seconds() - 3))
            await kill(leader)
            killed = time.monotonic()
            fake.release("sendMessage")
            await eventually(lambda: not fake.held, what="the held calls answered or dropped")
            assert fake.dropped  # the leader's sends in flight died with it

            await eventually(
                lambda: len(town.answers(asked)) == len(asked), within=10, what="every owner answered"
            )
            answered_in = time.monotonic() - killed
            await eventually(
                lambda: all(delivered(fake, town.owners, "停水演练").values()),
                within=10,
                what="the scheduled notice in every group",
            )
            noticed_in = time.monotonic() - killed
            await asyncio.sleep(1.5)  # anything sent twice would show by now
            assert set(town.answers(asked).values()) == {1}
            assert set(delivered(fake, town.owners, "停水演练").values()) == {1}
            assert await offices(ports[1]) == dict.fromkeys(OFFICES, True)
            standby.proc.send_signal(signal.SIGTERM)
            assert await standby.finish(45) == 0, standby.log
        finally:
            await leader.kill()
            if standby is not None:
                await standby.kill()
            await engine.dispose()
    assert answered_in < 10
    assert noticed_in < 10
    assert "Traceback" not in standby.log
    print(f"answers resumed {answered_in:.1f} s, the scheduled notice {noticed_in:.1f} s after the kill")


async def _all_held(port: int) -> bool:
    try:
        return await offices(port) == dict.fromkeys(OFFICES, True)
    except OSError:
        return False


async def test_two_processes_never_exceed_the_bot_apis_rate_limits(pg_url: str, tmp_path: Path) -> None:
    async with FakeTelegramAPI() as fake:
        town = Town(fake, tmp_path, groups=40)
        fake.set_rate_limit(4, 2.0)  # strict: a fifth send to one chat within 2 s is a 429
        ports = free_port(), free_port()

        def process_env(port: int) -> dict[str, str]:
            return env(
                pg_url,
                town.community,
                fake,
                port,
                broadcast_tick_seconds="1",
                telegram_overall_rate="10",
                telegram_group_rate="4",
                telegram_group_period="2",
            )

        first = await start(process_env(ports[0]))
        second = await start(process_env(ports[1]))
        try:
            began = time.monotonic()
            code, out, err = await run_cli(
                "notice",
                "send",
                "--community",
                "lxy",
                "--yes",
                "明天上午电梯年检。",
                env=process_env(free_port()),
            )
            assert code == 0, out + err
            owner = fake.add_user("孫")
            asked = [
                (town.owners[0].id, int(fake.user_says(town.owners[0], owner, "/help")["message_id"]))
                for _ in range(12)
            ]
            await eventually(
                lambda: all(delivered(fake, town.owners, "电梯年检").values()),
                within=60,
                what="the notice in every group",
            )
            await eventually(
                lambda: len(town.answers(asked)) == len(asked), within=60, what="every /help answered"
            )
            sends = sorted(c.at for c in fake.calls_of("sendMessage") if c.ok and c.at >= began)
            first.proc.send_signal(signal.SIGTERM)
            second.proc.send_signal(signal.SIGTERM)
            assert await first.finish(45) == 0, first.log
            assert await second.finish(45) == 0, second.log
        finally:
            await first.kill()
            await second.kill()
    assert fake.rate_limit_hits == []
    assert max(fake.max_sends_in_window(chat.id, 2.0) for chat in town.owners) <= 4
    most = max(sum(1 for t in sends[i:] if t < start + 1.0) for i, start in enumerate(sends))
    assert len(sends) >= 52
    assert most <= 10, f"{most} sends in one second across the two processes"


async def test_a_poller_only_and_a_worker_only_process_handle_a_flood_with_nothing_lost(
    pg_url: str, tmp_path: Path
) -> None:
    engine = create_engine(pg_url)
    async with FakeTelegramAPI() as fake:
        town = Town(fake, tmp_path, groups=10)
        ports = free_port(), free_port()

        def process_env(port: int) -> dict[str, str]:
            return env(
                pg_url,
                town.community,
                fake,
                port,
                inbox_poll_interval="0.2",
                telegram_overall_rate="100000",
                telegram_group_rate="100000",
                telegram_group_period="1",
            )

        poller = await Process.start("run", "--roles", "poller,scheduler", env=process_env(ports[0]))
        worker = await Process.start("run", "--roles", "worker,sender", env=process_env(ports[1]))
        try:
            for process in (poller, worker):
                await eventually(
                    lambda p=process: "steward: running" in p.log or p.proc.returncode is not None,  # type: ignore[misc]
                    within=60,
                )
                assert process.proc.returncode is None, process.log
            assert (await healthz(ports[0]))[1]["roles"] == ["poller", "scheduler"]
            assert (await healthz(ports[1]))[1]["roles"] == ["sender", "worker"]
            people = [fake.add_user(f"業主{n}") for n in range(200)]
            asked = []
            for n, person in enumerate(people):
                group = town.owners[n % len(town.owners)]
                asked.append((group.id, int(fake.user_says(group, person, report(n))["message_id"])))
            await eventually(
                lambda: len(town.answers(asked)) == len(asked), within=120, what="every report answered"
            )
            await asyncio.sleep(1.0)
            assert set(town.answers(asked).values()) == {1}
            states = await rows(engine, "SELECT status, count(*) FROM inbox GROUP BY status")
            assert dict(states) == {"done": 200}
            # The poller only stored: it claimed no row, and sent nothing.
            assert "inbox: update" not in poller.log
            poller_id = (await healthz(ports[0]))[1]["instance"]["id"]
            sent_by = await rows(engine, "SELECT DISTINCT claimed_by FROM outbox")
            assert poller_id not in {row[0] for row in sent_by}
            for process in (poller, worker):
                process.proc.send_signal(signal.SIGTERM)
                assert await process.finish(45) == 0, process.log
        finally:
            await poller.kill()
            await worker.kill()
            await engine.dispose()
    assert "Traceback" not in poller.log + worker.log


async def test_sqlite_refuses_a_second_process_with_one_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}"
    migrator = create_engine(url)
    try:
        await upgrade(migrator)
    finally:
        await migrator.dispose()
    async with FakeTelegramAPI() as fake:
        town = Town(fake, tmp_path, groups=1)
        first = await start(env(url, town.community, fake, free_port()))
        try:
            second = await Process.start("run", env=env(url, town.community, fake, free_port()))
            assert await second.finish(30) != 0
            lines = second.log.strip().splitlines()
            assert lines[-1].startswith("steward: another steward process is serving the SQLite database")
            assert "Traceback" not in second.log
            split = await Process.start(
                "run", "--roles", "worker", env=env(url, town.community, fake, free_port())
            )
            assert await split.finish(30) != 0
            assert "SQLite serves one process" in split.log.strip().splitlines()[-1]
            assert first.proc.returncode is None  # the first one runs on
        finally:
            await first.kill()
        again = await start(env(url, town.community, fake, free_port()))  # free once it is gone
        await again.kill()
