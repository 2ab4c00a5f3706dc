"""Offices elected with PostgreSQL advisory locks (`bot.core.election`), the roles of
`steward run` (`bot.app.offices`), and SQLite's one process (`storage.locks`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app.offices import ROLES, check_roles, parse_roles, secret_key
from bot.app.settings import ConfigError, Settings
from bot.core.election import Election
from storage.db import create_engine
from storage.locks import AdvisoryLocks, SingleProcessError, claim_sqlite_file, lock_key
from tests.conftest import POSTGRES_URL, drop_postgres_database, fresh_postgres_database


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured (set STEWARD_TEST_POSTGRES_URL)")
    url = await fresh_postgres_database(POSTGRES_URL)
    yield url
    await drop_postgres_database(POSTGRES_URL, url)


class Log:
    """What each process's office hooks did, in order."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def hooks(self, who: str, office: str) -> tuple[object, object]:
        async def gain() -> None:
            self.events.append(f"{who} gains {office}")

        async def lose() -> None:
            self.events.append(f"{who} loses {office}")

        return gain, lose


def stand(election: Election, log: Log, who: str, *offices: str) -> None:
    for office in offices:
        gain, lose = log.hooks(who, office)
        election.stand(office, f"test:{office}", gain, lose)  # type: ignore[arg-type]


async def until(predicate: object, within: float) -> float:
    began = time.monotonic()
    while not predicate():  # type: ignore[operator]
        if time.monotonic() - began > within:
            raise AssertionError(f"not within {within} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - began


async def test_one_holder_per_office_and_a_dead_holders_office_is_taken_within_seconds(pg_url: str) -> None:
    log = Log()
    first = Election(AdvisoryLocks(pg_url), interval=0.1)
    second = Election(AdvisoryLocks(pg_url), interval=0.1)
    stand(first, log, "first", "scheduler", "sender:telegram")
    stand(second, log, "second", "scheduler", "sender:telegram")
    engine = create_engine(pg_url)
    try:
        await first.start()
        await second.start()
        await asyncio.sleep(0.5)  # several rounds: the standby never gets in
        assert first.held == {"scheduler", "sender:telegram"}
        assert second.held == set()
        assert log.events == ["first gains scheduler", "first gains sender:telegram"]

        # The holder's session ends as a killed process's does (the server drops it): its
        # locks go with it, the standby takes both, and the old holder gives them up.
        async with engine.connect() as conn:
            pids = (
                (
                    await conn.execute(
                        text(
                            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
                            "(SELECT oid FROM pg_database WHERE datname = current_database())"
                        )
                    )
                )
                .scalars()
                .all()
            )
            assert pids
            for pid in set(pids):
                await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        took = await until(lambda: second.held == {"scheduler", "sender:telegram"}, within=5)
        assert took < 2
        await until(lambda: first.held == set(), within=5)
        assert "first loses scheduler" in log.events
        assert "first loses sender:telegram" in log.events
        # Never both at once: the old holder could not ping its session before the new one won.
        assert log.events.index("second gains scheduler") > 1

        # The old holder keeps standing: it takes the offices back once they are free.
        await second.stop()
        await until(lambda: first.held == {"scheduler", "sender:telegram"}, within=5)
        assert log.events[-2:] == ["first gains scheduler", "first gains sender:telegram"]
    finally:
        await first.stop()
        await second.stop()
        await engine.dispose()


async def test_a_clean_stop_frees_the_offices_at_once(pg_url: str) -> None:
    log = Log()
    first = Election(AdvisoryLocks(pg_url), interval=0.1)
    second = Election(AdvisoryLocks(pg_url), interval=0.1)
    stand(first, log, "first", "scheduler")
    stand(second, log, "second", "scheduler")
    try:
        await first.start()
        await second.start()
        await first.stop()
        assert log.events[-1] == "first loses scheduler"
        await until(lambda: second.held == {"scheduler"}, within=1)
    finally:
        await first.stop()
        await second.stop()


async def test_a_failing_gain_gives_the_office_up_for_another_process(pg_url: str) -> None:
    first = Election(AdvisoryLocks(pg_url), interval=0.1)
    second = Election(AdvisoryLocks(pg_url), interval=0.1)
    taken: list[str] = []

    async def broken() -> None:
        raise RuntimeError("the adapter would not start")

    async def nothing() -> None:
        pass

    async def works() -> None:
        taken.append("second")

    first.stand("poller:telegram", "test:poller", broken, nothing)
    second.stand("poller:telegram", "test:poller", works, nothing)
    try:
        await first.start()
        assert first.held == set()
        await second.start()
        assert taken == ["second"]
        assert second.held == {"poller:telegram"}
    finally:
        await first.stop()
        await second.stop()


async def test_embedded_holds_every_office_from_the_start() -> None:
    log = Log()
    election = Election(None)
    stand(election, log, "only", "scheduler", "sender:telegram", "poller:telegram")
    await election.start()
    assert election.held == {"scheduler", "sender:telegram", "poller:telegram"}
    await election.stop()
    assert election.held == set()
    assert log.events[-3:] == [
        "only loses poller:telegram",
        "only loses sender:telegram",
        "only loses scheduler",
    ]


def test_a_second_claim_on_a_sqlite_file_is_refused_with_one_line(tmp_path: Path) -> None:
    database = tmp_path / "steward.db"
    held = claim_sqlite_file(database)
    try:
        with pytest.raises(SingleProcessError) as refused:
            claim_sqlite_file(database)
        message = str(refused.value)
        assert "\n" not in message
        assert "another steward process" in message
        assert str(database) in message
    finally:
        held.close()
    claim_sqlite_file(database).close()  # free again once the holder let go


def test_roles() -> None:
    assert parse_roles(None) == frozenset(ROLES) == parse_roles("")
    assert parse_roles("poller, worker") == {"poller", "worker"}
    with pytest.raises(ConfigError, match="unknown role cook"):
        parse_roles("worker,cook")
    sqlite = Settings(database_url="sqlite+aiosqlite:///x.db")
    check_roles(sqlite, ROLES)
    with pytest.raises(ConfigError, match="SQLite serves one process"):
        check_roles(sqlite, {"worker"})
    check_roles(Settings(database_url="postgresql+asyncpg://u:p@h/db"), {"worker"})


def test_lock_names_keep_secrets_out_and_keys_are_stable() -> None:
    name = secret_key("sender:telegram", "123456:SECRET")
    assert "SECRET" not in name
    assert name.startswith("sender:telegram:")
    assert lock_key(name) == lock_key(name) != lock_key("scheduler")
    assert -(2**63) <= lock_key(name) < 2**63
