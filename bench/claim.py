"""The outbox claim with a backlog: how long one claim of the chats' due heads takes.

    python -m bench.claim [--db URL] [--rows 3000] [--chats 300] [--repeat 20]

A fresh database (SQLite in a temporary file by default; on PostgreSQL a database created next
to the one named and dropped after) gets `--rows` pending outbox rows spread over `--chats`
chats, in one burst as under load (the table's statistics are those of an empty table
until autovacuum analyses it; `--analyze` analyses first); then the sender's claim query (the due head of every chat's queue, `LIMIT 50`,
`FOR UPDATE SKIP LOCKED` on PostgreSQL, rolled back so each round sees the same backlog) runs
`--repeat` times in each of its forms, in the same run: the heads as a plain subquery (what the
claim was) and as a `MATERIALIZED` common table expression (what it is on PostgreSQL).
The report gives the median milliseconds of each and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, insert, text

from bench.intake import bench_database, is_postgres, prepare
from storage.db import create_engine
from storage.outbox.models import OutboxMessage
from storage.outbox.repository import claim_query
from storage.rows import table_of


async def measure(url: str, rows: int, chats: int, repeat: int, analyze: bool = False) -> dict[str, Any]:
    await prepare(url)
    engine = create_engine(url)
    now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    dialect = "postgresql" if is_postgres(url) else "sqlite"
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(table_of(OutboxMessage)),
                [
                    {
                        "platform": "local",
                        "platform_chat_id": f"chat-{i % chats}",
                        "payload": '{"text": "x"}',
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now - timedelta(seconds=1),
                        "due_at": now,
                        "created_at": now,
                        "priority": 1,
                        "turn": 0,
                    }
                    for i in range(rows)
                ],
            )
        if analyze:
            async with engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
        forms: dict[str, Select[Any]] = {
            "subquery": claim_query(dialect, False, materialized=False),
            "materialized": claim_query(dialect, False, materialized=True),
        }
        times: dict[str, list[float]] = {name: [] for name in forms}
        heads: dict[str, int] = {}
        for _ in range(repeat):
            for name, query in forms.items():
                async with engine.connect() as conn:
                    start = time.perf_counter()
                    result = await conn.execute(query, {"now": now, "limit": 50})
                    heads[name] = len(result.all())
                    times[name].append(time.perf_counter() - start)
                    await conn.rollback()
    finally:
        await engine.dispose()
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    return {
        "database": dialect,
        "backlog_rows": rows,
        "analyzed": analyze,
        "chats": chats,
        "heads_claimed": heads,
        "subquery_ms": round(medians["subquery"], 2),
        "materialized_ms": round(medians["materialized"], 2),
        "subquery_vs_materialized": round(medians["subquery"] / medians["materialized"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary file)")
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--analyze", action="store_true", help="ANALYZE after the backlog is written")
    args = parser.parse_args()
    with bench_database(args.db) as (url, _name):
        report = asyncio.run(measure(url, args.rows, args.chats, args.repeat, args.analyze))
    for key, value in report.items():
        print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
