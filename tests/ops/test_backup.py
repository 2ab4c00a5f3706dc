"""A backup is only as good as its restore (docs/OPERATIONS.md, "Backups"): a PostgreSQL
database with tickets, inbox and outbox rows is dumped with `pg_dump -Fc`, restored with
`pg_restore` into a fresh database, and the restore is what the operator's steps say it is:
`steward db current` names the latest migration, `steward db upgrade` changes nothing, every
table holds the same rows, and the restored database takes new work (its sequences came
along) and sends what was waiting in the outbox."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from nlp.classifier import Classifier
from storage.base import Base
from storage.db import create_engine, head_revision, upgrade
from storage.inbox.models import InboxUpdate
from storage.outbox.models import OutboxMessage
from storage.tickets.models import Ticket
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, drop_postgres_database, fresh_postgres_database
from tests.harness import Harness

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
BACKUP_SCRIPT = ROOT / "deploy" / "steward-backup.sh"
OWNERS = "lxy-owners-1"
OWNERS_2 = "lxy-owners-2"


def need(condition: bool, why: str) -> None:
    if not condition:
        if REQUIRE_POSTGRES:
            pytest.fail(f"STEWARD_REQUIRE_POSTGRES=1 but {why}")
        pytest.skip(why)


def libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def run(*command: str, env: dict[str, str] | None = None) -> str:
    """A command as an operator runs it (in a thread: the event loop goes on); its stdout."""
    result = await asyncio.to_thread(
        subprocess.run, list(command), env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"{command[:3]}: {result.stderr}"
    return result.stdout.strip()


async def backup(url: str, directory: Path, keep: int) -> str:
    """deploy/steward-backup.sh, as the timer runs it; the dump's path."""
    env = {
        **os.environ,
        "STEWARD_DATABASE_URL": url,
        "STEWARD_BACKUP_DIR": str(directory),
        "STEWARD_BACKUP_KEEP": str(keep),
    }
    return await run("sh", str(BACKUP_SCRIPT), env=env)


async def steward(url: str, *args: str) -> str:
    """`steward ARGS` against the database at `url`; its stdout."""
    env = {**os.environ, "STEWARD_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return await run(sys.executable, "-m", "bot.cli", *args, env=env)


async def snapshot(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows (Steward's tables and Alembic's), in primary-key order."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            order = [column for column in table.primary_key.columns] or list(table.columns)
            result = await conn.execute(select(table).order_by(*order))
            rows[table.name] = [tuple(row) for row in result]
        rows["alembic_version"] = [
            tuple(r) for r in await conn.execute(text("SELECT * FROM alembic_version"))
        ]
    return rows


@pytest.fixture
async def databases() -> AsyncIterator[tuple[str, str]]:
    """Two fresh databases on the test server: the one backed up, and the one restored into."""
    need(POSTGRES_URL is not None, "PostgreSQL not configured (set STEWARD_TEST_POSTGRES_URL)")
    assert POSTGRES_URL is not None
    need(bool(shutil.which("pg_dump") and shutil.which("pg_restore")), "pg_dump / pg_restore not installed")
    source = await fresh_postgres_database(POSTGRES_URL)
    target = await fresh_postgres_database(POSTGRES_URL)
    yield source, target
    await drop_postgres_database(POSTGRES_URL, source)
    await drop_postgres_database(POSTGRES_URL, target)


async def test_a_pg_dump_restored_into_a_fresh_database_is_the_same_and_goes_on(
    databases: tuple[str, str], tmp_path: Path, classifier: Classifier
) -> None:
    source_url, target_url = databases
    source = create_engine(source_url)
    await upgrade(source)
    harness = Harness(source, source_url, classifier)
    await harness.start()
    try:
        await harness.say(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
        await harness.say(OWNERS_2, "u-li", "5栋电梯困人了，快来人")
        # Handled and answered, but not sent yet: the backup holds replies still to be sent.
        await harness.channel.post(OWNERS, "u-wang", "1栋楼道灯坏了好几天了")
    finally:
        await harness.stop()
    before = await snapshot(source)
    await source.dispose()

    tickets = {t.number for t in before_models(before, Ticket)}
    assert len(tickets) == 3
    assert len(before[InboxUpdate.__tablename__]) == 3
    outbox = before[OutboxMessage.__tablename__]
    status = OutboxMessage.__table__.columns.keys().index("status")
    assert {row[status] for row in outbox} >= {"sent", "pending"}, "sent and waiting rows in the backup"

    # The operator's steps (docs/OPERATIONS.md): the shipped backup script (pg_dump -Fc),
    # restore into a fresh database, then `steward db upgrade`.
    dump = Path(await backup(source_url, tmp_path / "backups", keep=3))
    assert dump.parent == tmp_path / "backups"
    assert "TABLE DATA public tickets" in await run("pg_restore", "--list", str(dump))
    await run("pg_restore", "--no-owner", "--exit-on-error", "-d", libpq(target_url), str(dump))

    head = head_revision()
    assert await steward(target_url, "db", "current") == f"{head} (latest {head})"
    assert await steward(target_url, "db", "upgrade") == f"database at revision {head} (latest {head})"
    target = create_engine(target_url)
    try:
        assert await snapshot(target) == before

        # The restored database goes on: a new report gets a ticket of its own (the sequences
        # were restored too), and what was waiting in the outbox is sent.
        restored = Harness(target, target_url, classifier)
        await restored.start()
        try:
            waiting = [m.text for m in restored.sent(OWNERS)]
            assert waiting == []
            await restored.say(OWNERS_2, "u-zhao", "6栋地下车库漏水很严重")
            after = await restored.tickets()
            assert len(after) == 4
            assert len({t.number for t in after}) == 4
            assert max(t.id for t in after) > max(t.id for t in before_models(before, Ticket))
            assert await restored.count(OutboxMessage) > len(outbox)
            async with restored.app.sessions() as session:
                pending = await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.status == "pending")
                )
                assert list(pending) == []
            assert restored.sent(OWNERS), "the reply that waited in the backup was sent after the restore"
        finally:
            await restored.stop()
    finally:
        await target.dispose()


def before_models(rows: dict[str, list[tuple[Any, ...]]], model: type[Ticket]) -> list[Ticket]:
    """The snapshot's rows of a model's table as (detached) instances, for reading columns."""
    names = model.__table__.columns.keys()
    return [model(**dict(zip(names, row, strict=True))) for row in rows[model.__tablename__]]


async def test_the_backup_script_keeps_the_newest_dumps(databases: tuple[str, str], tmp_path: Path) -> None:
    source_url, _ = databases
    engine = create_engine(source_url)
    await upgrade(engine)
    await engine.dispose()
    directory = tmp_path / "backups"
    directory.mkdir()
    older = [
        "steward-20260101T031500Z.dump",
        "steward-20260102T031500Z.dump",
        "steward-20260103T031500Z.dump",
    ]
    for name in [*older, "notes.txt"]:
        (directory / name).write_text("x", encoding="utf-8")
    newest = Path(await backup(source_url, directory, keep=2))
    # The new dump and the newest older one stay; what is not a dump of the script's is not touched.
    assert sorted(p.name for p in directory.iterdir()) == sorted([newest.name, older[-1], "notes.txt"])
    assert "alembic_version" in await run("pg_restore", "--list", str(newest))
    assert oct(os.stat(newest).st_mode & 0o777) == "0o600"  # umask 077: the dump holds personal data
