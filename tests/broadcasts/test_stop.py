"""A stop (what SIGTERM runs: `App.stop`) while the scheduler's broadcast job is fanning out:
the job ends with one line in the log, not a `CancelledError` traceback, and the next
start's tick finishes the fan-out."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from nlp.classifier import Classifier
from storage.outbox.models import OutboxMessage
from tests.broadcasts.conftest import SHANGHAI, Rig, community_block

GROUPS = 3000
START = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


async def queued(rig: Rig) -> int:
    async with rig.app.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.ref_type == "broadcast")
        )
        return int(count or 0)


@pytest.mark.slow
async def test_a_stop_during_the_broadcast_job_logs_no_traceback(
    engine: AsyncEngine, db_url: str, classifier: Classifier, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "big.toml"
    path.write_text(
        community_block("big", "万家城", "Asia/Shanghai", "zh-Hans", groups=GROUPS, buildings=50),
        encoding="utf-8",
    )
    rig = Rig(engine, db_url, classifier, community_file=path, start=START)
    await rig.start()
    await rig.say("big-supervisors", "big-boss", "/notice 全体 10:30 今晚20:00消防演习，请勿惊慌。")
    await rig.press("big-supervisors", "bc:ok:", "big-boss")
    [broadcast] = await rig.broadcasts()
    rig.at(START + timedelta(minutes=30))

    caplog.set_level(logging.INFO)
    scheduler = rig.app.scheduler
    scheduler.start()
    # what the scheduler runs for the broadcast's date job, due now
    scheduler.add_job(rig.jobs.scheduled_broadcast, args=(broadcast.id,), id="bc:N-now")
    while await queued(rig) < 400:  # noqa: ASYNC110 (polling the database)
        await asyncio.sleep(0.005)
    await rig.app.stop()  # SIGTERM's path: the scheduler shuts down, cancelling the job
    await asyncio.sleep(0)  # the job's task ends and the scheduler's callback runs

    assert await queued(rig) < GROUPS  # the stop came in the middle of the fan-out
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert errors == [], [r.getMessage() for r in errors]
    assert any(f"broadcast {broadcast.id} stopped mid-run" in r.getMessage() for r in caplog.records), (
        "the stop is said in one line"
    )

    second = await rig.restart()  # the next start's tick finishes it
    await second.jobs.tick()
    assert await queued(second) == GROUPS
    await second.app.stop()
