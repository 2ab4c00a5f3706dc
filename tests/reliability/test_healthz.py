"""A truthful /healthz, with a real process (issue 18): `steward run` against the fake Bot API
reports each injected fault within 10 s and every answer comes within 1 s, whatever the
database or the platform does; each time the fault is removed it is ok again.

Faults: the platform down (the fake answers every sendMessage with a 502), a frozen outbox
(the fake holds every send unanswered), the database refusing writes (SQLite: another
process holds the write lock; PostgreSQL: another session holds a lock on the probe's
table), and a full disk (SQLite on a small tmpfs filled up; needs root to mount).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, upgrade
from tests.e2e.world import free_port, telegram_party, write_community
from tests.fakes.telegram_api import FakeTelegramAPI, Fault
from tests.reliability.steward import env, healthz, start

pytestmark = pytest.mark.slow

REPORT = "3栋厨房水管漏水了，麻烦派人来修"
Predicate = Callable[[int, dict[str, Any]], bool]


class Prober:
    """Asks /healthz every 0.2 s; every answer must come within 1 s."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.slowest = 0.0
        self.answers = 0

    async def until(self, predicate: Predicate, *, within: float, what: str) -> tuple[dict[str, Any], float]:
        began = time.monotonic()
        while True:
            status, document, seconds = await healthz(self.port)
            self.answers += 1
            self.slowest = max(self.slowest, seconds)
            assert seconds < 1.0, f"/healthz took {seconds:.2f} s while waiting for {what}"
            if predicate(status, document):
                return document, time.monotonic() - began
            assert time.monotonic() - began < within, f"no {what} within {within} s: {status} {document}"
            await asyncio.sleep(0.2)

    async def ok(self, *, within: float, what: str) -> None:
        await self.until(
            lambda status, doc: status == 200 and doc["status"] == "ok", within=within, what=what
        )

    async def degraded(self, reason: str, *, within: float = 10.0) -> dict[str, Any]:
        document, took = await self.until(
            lambda status, doc: status == 503 and any(r.startswith(reason) for r in doc["reasons"]),
            within=within,
            what=f"degraded: {reason}",
        )
        assert took < 10.0
        return document


def party_env(fake: FakeTelegramAPI, db_url: str, tmp_path: Path, port: int) -> tuple[Any, dict[str, str]]:
    party = telegram_party(fake)
    community = write_community(
        tmp_path / "community.toml", party.chats(), telegram_steward=str(party.steward.id)
    )
    # A frozen outbox shows after 3 s here (300 s by default: replies wait out rate limits).
    return party, env(db_url, community, fake, port, health_outbox_max_age="3")


async def test_healthz_reports_each_fault_within_10_s_and_answers_within_1_s(
    engine: AsyncEngine, db_url: str, tmp_path: Path
) -> None:
    async with FakeTelegramAPI() as fake:
        port = free_port()
        party, environment = party_env(fake, db_url, tmp_path, port)
        process = await start(environment)
        probe = Prober(port)
        try:
            await probe.ok(within=10, what="ok at start")

            # The platform is down: every sendMessage is a 502.
            fake.fail_next("sendMessage", Fault.server_error(502), times=100_000)
            fake.user_says(party.owners, party.owner, REPORT)
            document = await probe.degraded("telegram: the last")
            assert document["platforms"]["telegram"]["consecutive_failures"] >= 3
            fake.clear_faults("sendMessage")
            await probe.ok(within=45, what="ok once Telegram answers again")  # the retry's back-off

            # The outbox is frozen: sends are taken and never answered.
            fake.hold("sendMessage")
            fake.user_says(party.owners, party.owner, "/help")
            document = await probe.degraded("outbox: the oldest due message has waited")
            assert document["outbox"]["backlog"] >= 1
            fake.release("sendMessage")
            await probe.ok(within=10, what="ok once the sends are answered")

            # The database refuses writes.
            async with database_fault(db_url):
                await probe.degraded("db: the write probe")
            await probe.ok(within=10, what="ok once the database takes writes again")

            process.proc.send_signal(signal.SIGTERM)
            assert await process.finish(45) == 0, process.log
        finally:
            fake.release("sendMessage")
            await process.kill()
    assert probe.slowest < 1.0
    assert "Traceback" not in process.log


class database_fault:
    """Another party holds what the probe must write: SQLite's write lock (as another
    process's open write transaction would), PostgreSQL's lock on the probe's table."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self._sqlite: sqlite3.Connection | None = None
        self._pg: AsyncEngine | None = None
        self._release: Callable[[], Any] | None = None

    async def __aenter__(self) -> None:
        if self.db_url.startswith("sqlite"):
            path = make_url(self.db_url).database or ""
            self._sqlite = sqlite3.connect(path, isolation_level=None, timeout=5)
            self._sqlite.execute("BEGIN IMMEDIATE")
            return
        self._pg = create_engine(self.db_url)
        conn = await self._pg.connect()
        transaction = await conn.begin()
        await conn.execute(text("LOCK TABLE health_probe IN ACCESS EXCLUSIVE MODE"))

        async def release() -> None:
            await transaction.rollback()
            await conn.close()

        self._release = release

    async def __aexit__(self, *exc: object) -> None:
        if self._sqlite is not None:
            self._sqlite.rollback()
            self._sqlite.close()
        if self._release is not None:
            await self._release()
        if self._pg is not None:
            await self._pg.dispose()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs, unmounted after the test (mounting needs root)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


async def test_healthz_reports_a_full_disk_and_recovers_when_space_is_freed(
    small_disk: Path, tmp_path: Path
) -> None:
    db_url = f"sqlite+aiosqlite:///{small_disk / 'steward.db'}"
    migrator = create_engine(db_url)
    try:
        await upgrade(migrator)
    finally:
        await migrator.dispose()
    async with FakeTelegramAPI() as fake:
        port = free_port()
        _, environment = party_env(fake, db_url, tmp_path, port)
        process = await start(environment)
        probe = Prober(port)
        filler = small_disk / "filler"
        try:
            await probe.ok(within=10, what="ok at start")
            with filler.open(
                "wb", buffering=0
            ) as out:  # to the last block; unbuffered: close has nothing to flush
                block = b"\0" * 65536
                try:
                    while True:
                        out.write(block)
                        out.flush()
                except OSError:
                    pass
            await probe.degraded("db: the write probe failed")
            filler.unlink()
            await probe.ok(within=10, what="ok once the disk has room again")
            process.proc.send_signal(signal.SIGTERM)
            assert await process.finish(45) == 0, process.log
        finally:
            filler.unlink(missing_ok=True)
            await process.kill()
    assert probe.slowest < 1.0
