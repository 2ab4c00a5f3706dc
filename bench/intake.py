"""Intake under load: owner messages at a fixed offered rate through the real router, ticket
flow, database and outbox sender on the local channel, in one process or several.

    python -m bench.intake [--db URL] [--workers N] [--rate 200] [--seconds 20]
                           [--at 2026-12-07T10:00+08:00] [--json FILE]

    python -m bench.intake                                    # SQLite in a temporary file
    python -m bench.intake --db postgresql+asyncpg://steward:steward@127.0.0.1:5432/steward
    python -m bench.intake --db postgresql+asyncpg://… --workers 2 --seconds 60

`--db`: SQLite (`sqlite+aiosqlite:///path`, default: a fresh file in a temporary directory) or
PostgreSQL. On PostgreSQL the bench creates a fresh database next to the one named in the URL
(`<name>_bench_<pid>`; the user needs CREATEDB), migrates it, and drops it after the run.
`--workers N`: N processes, each a whole app (router, handlers, sender) on the same database,
message i handled by worker i mod N; SQLite is single-process (N must be 1).

Open loop: message i is due at start + i/rate whatever happened to earlier ones, so a slow
pipeline shows up as latency, not as a lower offered rate. Latency is from a message's due
time to its handler's commit; an update the inbox did not handle at once (a retry, or not its
chat's turn) counts until the inbox is drained after the load ("outcomes" counts them). After the run the outbox is drained and the books checked:
every message logged once, every outbox row sent and in a channel's transcript ("no loss").
"kept up" means the messages were handled at 99 % of the offered rate or better.

CPU per message: the workers' own CPU over the load phase and the drain (`process_time`,
sender included), plus, on PostgreSQL, the CPU of the server backends serving the bench's
database (utime + stime from /proc/<pid>/stat, sampled every 50 ms for the pids
`pg_stat_activity` lists for the database; a backend's CPU before its first sample is missed,
which the pools make rare). The baseline, run in the same run on the same database, is the
least durable work a message needs: one INSERT into the message log in its own transaction
over one connection, its CPU counted the same way (client + that connection's backend). It is
measured through the async ORM session as the app uses it ("pipeline_vs_baseline", the
measure of issue 20's figures and its bar of 4) and as a bare Core statement on the
connection ("pipeline_vs_core_insert", the floor).

Also reported: SQL statements and commits per message (counted with SQLAlchemy's
`before_cursor_execute` and `commit` events; on PostgreSQL the sender's, on its own
connections, separately), and on PostgreSQL the top waits of the bench database's active
backends (`pg_stat_activity.wait_event`, sampled every 50 ms) and the lock types of ungranted `pg_locks` rows.

The clock starts at `--at` (default: a Monday 10:00 in the communities' time zone) and runs in
real time from there, so the workload does not depend on the hour the bench is run: by night
most stewards are off duty, tickets stay unassigned and each one also asks the supervisors to
dispatch, which is more work per message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.local.channel import LocalChannel
from bot.app.root import build_app
from bot.app.settings import ROOT, Settings
from bot.cli.command import instant
from bot.core.clock import ShiftedClock
from bot.core.context import Outcome
from bot.core.events import Incoming, utcnow
from storage.db import create_engine, session_factory, upgrade
from storage.directory.models import Chat
from storage.messages.models import MessageLog
from storage.outbox.models import OutboxMessage
from storage.rows import table_of
from storage.tickets.models import Ticket

CORPUS = ROOT / "tests" / "data" / "corpus" / "dev.jsonl"
GROUPS = ["lxy-owners-1", "lxy-owners-2", "hbhy-owners"]
DAYTIME = datetime(2026, 12, 7, 10, 0, tzinfo=timezone(timedelta(hours=8)))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def load_texts() -> list[str]:
    return [
        json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


# -- counting ------------------------------------------------------------------------------


@dataclass
class Statements:
    """SQL statements and commits through an engine (SQLAlchemy events)."""

    statements: int = 0
    commits: int = 0

    def attach(self, engine: AsyncEngine) -> None:
        def count(*_args: Any) -> None:
            self.statements += 1

        def commit(*_args: Any) -> None:
            self.commits += 1

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        event.listen(engine.sync_engine, "commit", commit)


def proc_cpu(pid: int) -> float | None:
    """utime + stime of a process, in seconds (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return float(int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class ServerCpu:
    """The CPU of the PostgreSQL backends serving one database, from /proc."""

    first: dict[int, float] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)

    def sample(self, pids: list[int]) -> None:
        for pid in pids:
            cpu = proc_cpu(pid)
            if cpu is None:
                continue
            self.first.setdefault(pid, cpu)
            self.last[pid] = cpu

    @property
    def seconds(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


async def watch_server(
    url: str, database: str, stop: asyncio.Event, cpu: ServerCpu, waits: Counter[str], locks: Counter[str]
) -> None:
    """Sample the bench database's backends every 50 ms: their CPU and their waits."""
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SET application_name = 'steward-bench-watch'"))
            while not stop.is_set():
                rows = await conn.execute(
                    text(
                        "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity "
                        "WHERE datname = :db AND pid <> pg_backend_pid()"
                    ),
                    {"db": database},
                )
                listed = rows.all()
                for _pid, state, kind, name in listed:
                    if state == "active" and name is not None:
                        waits[f"{kind}:{name}"] += 1
                ungranted = await conn.execute(
                    text(
                        "SELECT l.locktype, l.mode, coalesce(c.relname, '') FROM pg_locks l "
                        "LEFT JOIN pg_class c ON c.oid = l.relation "
                        "WHERE NOT l.granted AND l.database = "
                        "(SELECT oid FROM pg_database WHERE datname = :db) "
                        "OR (NOT l.granted AND l.locktype = 'transactionid')"
                    ),
                    {"db": database},
                )
                for locktype, mode, relation in ungranted.all():
                    locks[f"{locktype}:{mode}:{relation}".rstrip(":")] += 1
                cpu.sample([int(pid) for pid, *_ in listed])
                await conn.commit()  # pg_stat_activity is a snapshot per transaction
                await asyncio.sleep(0.05)
    finally:
        await engine.dispose()


# -- the database --------------------------------------------------------------------------


@contextmanager
def bench_database(url: str | None) -> Iterator[tuple[str, str]]:
    """(url, database name): a fresh SQLite file, or a fresh PostgreSQL database dropped after."""
    if url is None or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="steward-bench-") as tmp:
            yield url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", ""
        return
    base = make_url(url)
    name = f"{base.database}_bench_{os.getpid()}"
    asyncio.run(_admin(url, f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False), name
    finally:
        asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


# -- one worker ----------------------------------------------------------------------------


def worker(
    url: str, index: int, workers: int, total: int, rate: float, start_at: float, at: datetime
) -> dict[str, Any]:
    """Run in its own process (or inline for one worker): handle messages index, index+N, …"""
    return asyncio.run(_worker(url, index, workers, total, rate, start_at, at))


async def _worker(
    url: str, index: int, workers: int, total: int, rate: float, start_at: float, at: datetime
) -> dict[str, Any]:
    texts = load_texts()
    engine = create_engine(url)
    handler_sql = Statements()
    handler_sql.attach(engine)
    clock = ShiftedClock(at)
    channel = LocalChannel(clock)
    app = build_app(Settings(database_url=url), channels={"local": channel}, engine=engine, clock=clock)
    sender_sql = Statements()
    sender_engine = getattr(app, "sender_engine", engine)
    if sender_engine is not engine:
        sender_sql.attach(sender_engine)
    await app.start(scheduler=False)
    latencies: list[float] = []
    later: list[float] = []  # due times of updates left to the inbox's worker (not handled at once)
    failures = 0
    outcomes: Counter[str] = Counter()

    async def one(i: int, due: float) -> None:
        nonlocal failures
        incoming = Incoming(
            platform="local",
            chat_id=GROUPS[i % len(GROUPS)],
            sender_id=f"owner-{i % 997}",
            sender_name=f"业主{i % 997}",
            text=texts[i % len(texts)],
            message_id=f"m{i}",
            sent_at=clock.now(),
        )
        try:
            outcome = await app.inbox.deliver(incoming)
        except Exception:
            failures += 1
            return
        outcomes[outcome.value] += 1
        if outcome is Outcome.HANDLED:
            latencies.append(time.time() - due)
        else:
            later.append(due)

    mine = range(index, total, workers)
    await asyncio.sleep(max(0.0, start_at - time.time()))
    cpu_start = time.process_time()
    counted = (handler_sql.statements, handler_sql.commits, sender_sql.statements, sender_sql.commits)
    tasks = []
    for i in mine:
        due = start_at + i / rate
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    await app.inbox.drain()  # what was not handled at once (retried, or not its chat's turn)
    handled_at = time.time()
    latencies.extend(handled_at - due for due in later)  # pessimistic: until the inbox is drained
    await app.sender.drain()
    drained_at = time.time()
    cpu = time.process_time() - cpu_start
    delivered = sum(1 for message in channel.transcript if message.from_bot)
    await app.stop()
    return {
        "handled": len(mine),
        "latencies": latencies,
        "failures": failures,
        "outcomes": dict(outcomes),
        "cpu": cpu,
        "handled_at": handled_at,
        "drained_at": drained_at,
        "delivered": delivered,
        "statements": handler_sql.statements - counted[0],
        "commits": handler_sql.commits - counted[1],
        "sender_statements": sender_sql.statements - counted[2],
        "sender_commits": sender_sql.commits - counted[3],
    }


# -- the baseline --------------------------------------------------------------------------


async def baseline(url: str, texts: list[str], count: int) -> dict[str, float]:
    """One INSERT + COMMIT into the message log per message, over one connection (a pool of
    one), measured two ways in the same run: through the async ORM session as the app uses
    it (`session`: the baseline of issue 20's figures and bars) and as a bare Core statement
    on the connection (`core`: the floor). CPU is the client's plus, on PostgreSQL, that
    connection's backend's; wall is reported too."""
    engine = create_engine(url, pool_size=1, max_overflow=0)
    sessions = session_factory(engine)
    table = table_of(MessageLog)
    figures: dict[str, float] = {}
    try:
        async with engine.connect() as conn:
            chat_id = (await conn.execute(select(Chat.id).limit(1))).scalar_one()
            backend = 0
            if is_postgres(url):
                backend = int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
            await conn.commit()

        def row(i: int, kind: str) -> dict[str, Any]:
            return {
                "platform": "local",
                "chat_id": chat_id,
                "platform_message_id": f"base-{kind}-{i}",
                "kind": "text",
                "text": texts[i % len(texts)],
                "sent_at": utcnow(),
            }

        for kind in ("session", "core"):
            server_start = proc_cpu(backend) or 0.0 if backend else 0.0
            cpu_start = time.process_time()
            start = time.perf_counter()
            if kind == "session":
                for i in range(count):
                    async with sessions() as session:
                        session.add(MessageLog(**row(i, kind)))
                        await session.commit()
            else:
                async with engine.connect() as conn:
                    for i in range(count):
                        await conn.execute(insert(table), row(i, kind))
                        await conn.commit()
            wall = time.perf_counter() - start
            client = time.process_time() - cpu_start
            server = ((proc_cpu(backend) or 0.0) - server_start) if backend else 0.0
            figures[f"{kind}_cpu"] = (client + server) / count
            figures[f"{kind}_server"] = server / count
            figures[f"{kind}_wall"] = wall / count
    finally:
        await engine.dispose()
    return figures


# -- the run -------------------------------------------------------------------------------


async def prepare(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def books(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:

            async def count(query: Any) -> int:
                return int((await conn.execute(query)).scalar() or 0)

            statuses = await conn.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
            return {
                "outbox_statuses": {str(status): int(n) for status, n in statuses.all()},
                "logged": await count(select(func.count()).select_from(MessageLog)),
                "tickets": await count(select(func.count()).select_from(Ticket)),
                "outbox_rows": await count(select(func.count()).select_from(OutboxMessage)),
                "outbox_unsent": await count(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")
                ),
            }
    finally:
        await engine.dispose()


def run(url: str | None, workers: int, rate: float, seconds: float, at: datetime = DAYTIME) -> dict[str, Any]:
    if workers < 1:
        raise SystemExit("--workers must be at least 1")
    total = int(rate * seconds)
    with bench_database(url) as (db_url, database):
        if workers > 1 and not is_postgres(db_url):
            raise SystemExit("SQLite is single-process: --workers > 1 needs PostgreSQL")
        asyncio.run(prepare(db_url))
        start_at = time.time() + 4.0  # the workers' imports and start
        results, server, waits, locks = asyncio.run(
            _load(db_url, database, workers, total, rate, start_at, at)
        )
        book = asyncio.run(books(db_url))
        base = asyncio.run(baseline(db_url, load_texts(), 2000))

    latencies = [value for result in results for value in result["latencies"]]
    handled_at = max(result["handled_at"] for result in results)
    drained_at = max(result["drained_at"] for result in results)
    client_cpu = sum(result["cpu"] for result in results)
    cpu = client_cpu + server
    wall = handled_at - start_at
    handled_rate = total / wall

    def per_message(key: str) -> float:
        return round(float(sum(result[key] for result in results)) / total, 2)

    report: dict[str, Any] = {
        "database": "postgresql" if is_postgres(db_url) else "sqlite",
        "workers": workers,
        "clock_start": at.isoformat(),
        "offered_rate": rate,
        "seconds": seconds,
        "messages": total,
        "handled_per_second": round(handled_rate, 1),
        "kept_up": handled_rate >= 0.99 * rate,
        "latency_p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "latency_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "latency_mean_ms": round(statistics.fmean(latencies) * 1000, 1),
        "handler_failures": sum(result["failures"] for result in results),
        "outcomes": dict(sum((Counter(result["outcomes"]) for result in results), Counter[str]())),
        **book,
        "lost": total - book["logged"],
        "delivered": sum(result["delivered"] for result in results),
        "drain_seconds": round(drained_at - handled_at, 2),
        "statements_per_message": per_message("statements"),
        "commits_per_message": per_message("commits"),
        "sender_statements_per_message": per_message("sender_statements"),
        "sender_commits_per_message": per_message("sender_commits"),
        "client_cpu_ms_per_message": round(client_cpu / total * 1000, 3),
        "server_cpu_ms_per_message": round(server / total * 1000, 3),
        "cpu_ms_per_message": round(cpu / total * 1000, 3),
        "baseline_insert_cpu_ms": round(base["session_cpu"] * 1000, 3),
        "baseline_insert_server_ms": round(base["session_server"] * 1000, 3),
        "baseline_insert_wall_ms": round(base["session_wall"] * 1000, 3),
        "baseline_core_insert_cpu_ms": round(base["core_cpu"] * 1000, 3),
        "baseline_core_insert_server_ms": round(base["core_server"] * 1000, 3),
        "pipeline_vs_baseline": round(cpu / total / base["session_cpu"], 2),
        "pipeline_vs_core_insert": round(cpu / total / base["core_cpu"], 2),
    }
    if is_postgres(db_url):
        report["top_waits"] = dict(waits.most_common(6))
        report["ungranted_locks"] = dict(locks.most_common(6))
    return report


async def _load(
    url: str, database: str, workers: int, total: int, rate: float, start_at: float, at: datetime
) -> tuple[list[dict[str, Any]], float, Counter[str], Counter[str]]:
    cpu = ServerCpu()
    waits: Counter[str] = Counter()
    locks: Counter[str] = Counter()
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_server(url, database, stop, cpu, waits, locks)) if database else None
    try:
        # Workers are processes of their own, also for one: this one watches the server.
        context = multiprocessing.get_context("spawn")
        loop = asyncio.get_running_loop()
        with context.Pool(workers) as pool:
            pending = [
                pool.apply_async(worker, (url, index, workers, total, rate, start_at, at))
                for index in range(workers)
            ]
            results = [await loop.run_in_executor(None, job.get) for job in pending]
    finally:
        stop.set()
        if watcher is not None:
            await watcher
    return results, cpu.seconds, waits, locks


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary file)")
    parser.add_argument("--workers", type=int, default=1, help="processes (PostgreSQL only for more than 1)")
    parser.add_argument("--rate", type=float, default=200.0, help="offered messages per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the load (issue 20's bar: 60)")
    parser.add_argument(
        "--at", type=instant, default=DAYTIME, help="local start time with its offset (default: Monday 10:00)"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report = run(args.db, args.workers, args.rate, args.seconds, args.at)
    for key, value in report.items():
        print(f"{key:>30}: {value}")
    ok = (
        report["lost"] == 0
        and report["outbox_unsent"] == 0
        and report["handler_failures"] == 0
        and report["delivered"] == report["outbox_rows"]
    )
    print("result:", "no loss" if ok else "LOSS", "/", "kept up" if report["kept_up"] else "fell behind")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
