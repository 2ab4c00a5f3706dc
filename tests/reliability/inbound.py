"""What the inbound fault tests share: `steward run` as a subprocess against the fake Bot API,
a database to read the books from (SQLite or PostgreSQL), and outages of that database.

An outage is real. SQLite: another process holds the database's write lock (`BEGIN
EXCLUSIVE`). PostgreSQL: a cluster of the test's own (initdb + pg_ctl in a temp dir) is
stopped and started again; where the PostgreSQL tools cannot run, the test database refuses
connections instead (its existing ones terminated, CONNECT revoked), for the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, upgrade
from tests.e2e.test_run import Process, steward_env
from tests.e2e.world import free_port, telegram_party, write_community
from tests.fakes.telegram_api import FakeTelegramAPI, FakeUser, StoredMessage

# Every owner message opens (or follows) a repair ticket: each is answered with exactly one
# reply under it, so "answered once" can be counted per message.
BUILDINGS = 120


def owners(fake: FakeTelegramAPI, total: int) -> list[FakeUser]:
    """One owner per report: an owner's second report of the same kind is a follow-up on their
    open ticket (no second acknowledgement), so a flood of distinct reports has distinct owners."""
    return [fake.add_user(f"業主{n}") for n in range(total)]


def report(n: int) -> str:
    return f"{n % BUILDINGS + 1}栋{n // BUILDINGS + 1}单元厨房水管漏水了，麻烦派人来修 #{n}"


async def until(probe: Callable[[], Awaitable[Any]], *, within: float, what: str, every: float = 0.05) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(every)


@dataclass(frozen=True)
class Answer:
    row: int  # the outbox row
    reply_to: str  # the message it answers
    status: str


class Books:
    """Reads what Steward stored, from the test process (its own engine)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = create_engine(url)

    async def close(self) -> None:
        await self.engine.dispose()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())

    async def inbox(self) -> Counter[str]:
        return Counter({status: n for status, n in await self.rows(
            "SELECT status, count(*) FROM inbox GROUP BY status"
        )})  # fmt: skip

    async def handled(self) -> int:
        return (await self.inbox())["done"]

    async def logged(self, chat_id: int) -> list[str]:
        """The platform message ids logged from a chat (one per message handled)."""
        rows = await self.rows(
            "SELECT m.platform_message_id FROM message_log m JOIN chats c ON c.id = m.chat_id "
            "WHERE c.platform_chat_id = :chat",
            chat=str(chat_id),
        )
        return [row[0] for row in rows]

    async def answers(self, chat_id: int) -> list[Answer]:
        """Every outbox row answering a message in the chat, in queue order."""
        rows = await self.rows(
            "SELECT id, payload, status FROM outbox WHERE platform_chat_id = :chat ORDER BY id",
            chat=str(chat_id),
        )
        found = []
        for row_id, payload, status in rows:
            reply_to = json.loads(payload).get("reply_to")
            if reply_to is not None:
                found.append(Answer(int(row_id), str(reply_to), str(status)))
        return found


def answered(sent: list[StoredMessage]) -> Counter[int]:
    """How often each user message was answered (bot messages replying to it)."""
    return Counter(m.reply_to for m in sent if m.from_bot and m.reply_to is not None)


@dataclass
class Steward:
    """`steward run` against the fake Bot API, started and stopped as a process is."""

    fake: FakeTelegramAPI
    url: str
    tmp: Path
    settings: dict[str, str] = field(default_factory=dict)
    process: Process | None = None
    logs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.party = telegram_party(self.fake)
        self.community = write_community(
            self.tmp / "community.toml", self.party.chats(), telegram_steward=str(self.party.steward.id)
        )
        self.port = free_port()

    def env(self) -> dict[str, str]:
        values = {
            "database_url": self.url,
            "community_file": str(self.community),
            "telegram_token": self.fake.token,
            "telegram_api_url": self.fake.base_url,
            "telegram_poll_timeout": "1",
            "telegram_request_timeout": "5",
            "telegram_retry_backoff": "0.05",
            "telegram_set_commands": "false",
            "telegram_callback_answer_grace": "0.2",
            # Fast enough that the replies keep up with a flood (the fake checks no rate here).
            "telegram_overall_rate": "100000",
            "telegram_group_rate": "100000",
            "telegram_group_period": "1",
            "http_port": str(self.port),
            "outbox_poll_interval": "0.1",
            "inbox_lease": "3",
            "inbox_poll_interval": "0.2",
            "inbox_retry_base": "0.2",
            "inbox_retry_cap": "2",
            "log_level": "INFO",
        }
        values.update(self.settings)
        return steward_env(**values)

    async def start(self) -> Process:
        process = await Process.start("run", env=self.env())
        self.process = process
        deadline = time.monotonic() + 30
        while "steward: running" not in process.log and process.proc.returncode is None:
            if time.monotonic() > deadline:
                raise AssertionError("steward did not start within 30 s:\n" + process.log)
            await asyncio.sleep(0.05)
        assert process.proc.returncode is None, process.log
        return process

    async def kill(self) -> None:
        """kill -9: no stop, nothing flushed."""
        assert self.process is not None
        self.process.proc.kill()
        await self.process.proc.wait()
        self.logs.append(self.process.log)
        await self.process.kill()

    async def terminate(self, within: float = 60.0) -> int:
        """SIGTERM, as a service manager stops it; its exit status."""
        assert self.process is not None
        self.process.proc.terminate()
        code = await self.process.finish(within)
        self.logs.append(self.process.log)
        return code

    async def cleanup(self) -> None:
        if self.process is not None:
            await self.process.kill()

    @property
    def log(self) -> str:
        return "".join(self.logs) + (self.process.log if self.process is not None else "")


async def migrated(url: str) -> str:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    return url


# -- outages -----------------------------------------------------------------------------------


class Outage:
    """The database unusable between `begin` and `end`."""

    async def begin(self) -> None:
        raise NotImplementedError

    async def end(self) -> None:
        raise NotImplementedError


class SqliteLock(Outage):
    """Another process holds the write lock (BEGIN EXCLUSIVE) until `end`."""

    HOLD = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n"
        "db.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\n"
        "db.execute('ROLLBACK')\n"
    )

    def __init__(self, path: str) -> None:
        self.path = path
        self.proc: asyncio.subprocess.Process | None = None

    async def begin(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            self.HOLD,
            self.path,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 30)
        assert line.strip() == b"locked", line

    async def end(self) -> None:
        assert self.proc is not None
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"\n")
        await self.proc.stdin.drain()
        await asyncio.wait_for(self.proc.wait(), 30)


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class PgCluster(Outage):
    """A PostgreSQL server of the test's own (initdb in a temp dir); the outage stops it."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="steward-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")

    @property
    def available(self) -> bool:
        return self.initdb is not None and self.pg_ctl is not None

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: as its own user then
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def create(self) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        assert self.initdb is not None
        self._run(
            self.initdb, "-D", str(self.data), "-U", "steward", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        self.start()
        return f"postgresql+asyncpg://steward@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        assert self.pg_ctl is not None
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start"
        )

    def stop(self) -> None:
        assert self.pg_ctl is not None
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")

    async def begin(self) -> None:
        await asyncio.to_thread(self.stop)

    async def end(self) -> None:
        await asyncio.to_thread(self.start)

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PgRefusal(Outage):
    """The test database refuses connections: its sessions terminated, CONNECT revoked (the
    fallback where the PostgreSQL tools cannot run a cluster of the test's own)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = make_url(url).database
        self.user = make_url(url).username

    async def _admin(self, *statements: str) -> None:
        engine = create_engine(
            make_url(self.url).set(database="postgres").render_as_string(hide_password=False),
            isolation_level="AUTOCOMMIT",
        )
        try:
            async with engine.connect() as conn:
                for statement in statements:
                    await conn.execute(text(statement))
        finally:
            await engine.dispose()

    async def begin(self) -> None:
        await self._admin(
            f'REVOKE CONNECT ON DATABASE "{self.name}" FROM PUBLIC, "{self.user}"',
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.name}'"
            " AND pid <> pg_backend_pid()",
        )

    async def end(self) -> None:
        await self._admin(f'GRANT CONNECT ON DATABASE "{self.name}" TO PUBLIC, "{self.user}"')
