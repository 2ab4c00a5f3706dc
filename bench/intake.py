"""Intake under load: owner messages at a fixed offered rate through the real router, ticket
flow, SQLite database and outbox sender on the local channel.

    python -m bench.intake [--rate 200] [--seconds 60] [--at 2026-12-07T10:00+08:00] [--json FILE]

Open loop: message i is due at start + i/rate whatever happened to earlier ones, so a slow
pipeline shows up as latency, not as a lower offered rate. Latency is from a message's due
time to its handler's commit. After the run the outbox is drained and the books checked:
every message logged once, every outbox row sent and in the channel's transcript ("no loss").
"kept up" means the messages were handled at 99 % of the offered rate or better. The
baseline, run in the same process on the same machine, is the least durable work a message
needs: one INSERT into the message log in its own transaction; the report gives the
pipeline's CPU time per message (the process's, over the load phase, sender included) as a
ratio to it. Wall time per message is not used for that ratio: below capacity it is the
offered interval, not a cost.

The clock starts at `--at` (default: a Monday 10:00 in the communities' time zone) and runs in
real time from there, so the workload does not depend on the hour the bench is run: by night
most stewards are off duty, tickets stay unassigned and each one also asks the supervisors to
dispatch, which is more work per message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from bot.adapters.local.channel import LocalChannel
from bot.app.root import build_app
from bot.app.settings import ROOT, Settings
from bot.cli.command import instant
from bot.core.clock import ShiftedClock
from bot.core.events import Incoming, utcnow
from storage.db import create_engine, upgrade
from storage.directory.models import Chat
from storage.messages.models import MessageLog
from storage.outbox.models import OutboxMessage
from storage.tickets.models import Ticket

CORPUS = ROOT / "tests" / "data" / "corpus" / "dev.jsonl"
GROUPS = ["lxy-owners-1", "lxy-owners-2", "hbhy-owners"]


def load_texts() -> list[str]:
    return [
        json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def baseline(url: str, texts: list[str], count: int) -> float:
    """Seconds per message for one INSERT + COMMIT into the message log."""
    engine = create_engine(url)
    from storage.db import session_factory

    sessions = session_factory(engine)
    async with sessions() as session:
        chat = await session.scalar(select(Chat).limit(1))
        assert chat is not None
        chat_id = chat.id
    start = time.perf_counter()
    for i in range(count):
        async with sessions() as session:
            session.add(
                MessageLog(
                    platform="local",
                    chat_id=chat_id,
                    platform_message_id=f"base-{i}",
                    kind="text",
                    text=texts[i % len(texts)],
                    sent_at=utcnow(),
                )
            )
            await session.commit()
    elapsed = time.perf_counter() - start
    await engine.dispose()
    return elapsed / count


DAYTIME = datetime(2026, 12, 7, 10, 0, tzinfo=timezone(timedelta(hours=8)))


async def run(rate: float, seconds: float, at: datetime = DAYTIME) -> dict[str, object]:
    texts = load_texts()
    total = int(rate * seconds)
    with tempfile.TemporaryDirectory(prefix="steward-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        engine = create_engine(url)
        await upgrade(engine)
        clock = ShiftedClock(at)
        channel = LocalChannel(clock)
        app = build_app(Settings(database_url=url), channels={"local": channel}, engine=engine, clock=clock)
        await app.start(scheduler=False)
        latencies: list[float] = []
        failures = 0

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
                await app.handle(incoming)
            except Exception:
                failures += 1
            latencies.append(time.perf_counter() - due)

        start = time.perf_counter()
        cpu_start = time.process_time()
        tasks = []
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, due)))
        await asyncio.gather(*tasks)
        handled_at = time.perf_counter()
        await app.sender.drain()
        drained_at = time.perf_counter()
        cpu = time.process_time() - cpu_start
        delivered = sum(1 for message in channel.transcript if message.from_bot)

        async with app.sessions() as session:
            logged = int(await session.scalar(select(func.count()).select_from(MessageLog)) or 0)
            tickets = int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)
            unsent = int(
                await session.scalar(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")
                )
                or 0
            )
            rows = int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
            statuses = dict(
                (
                    await session.execute(
                        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                    )
                ).all()
            )
        await app.stop()
        per_message_base = await baseline(url, texts, 2000)

    wall = handled_at - start
    handled_rate = total / wall
    return {
        "clock_start": at.isoformat(),
        "offered_rate": rate,
        "seconds": seconds,
        "messages": total,
        "handled_per_second": round(handled_rate, 1),
        "kept_up": handled_rate >= 0.99 * rate,
        "latency_p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "latency_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "latency_mean_ms": round(statistics.fmean(latencies) * 1000, 1),
        "handler_failures": failures,
        "logged": logged,
        "lost": total - logged,
        "tickets": tickets,
        "outbox_rows": rows,
        "outbox_unsent": unsent,
        "outbox_statuses": statuses,
        "delivered": delivered,
        "drain_seconds": round(drained_at - handled_at, 2),
        "baseline_insert_ms": round(per_message_base * 1000, 3),
        "cpu_ms_per_message": round(cpu / total * 1000, 3),
        "pipeline_vs_baseline": round(cpu / total / per_message_base, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--at", type=instant, default=DAYTIME, help="local start time with its offset (default: Monday 10:00)"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report = asyncio.run(run(args.rate, args.seconds, args.at))
    for key, value in report.items():
        print(f"{key:>24}: {value}")
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
