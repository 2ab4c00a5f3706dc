"""A stop is bounded step by step: one stuck adapter neither holds the process nor keeps the
outbox sender and the engine running."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.local.channel import LocalChannel
from bot.app.root import build_app
from bot.app.settings import Settings
from bot.core.clock import FrozenClock
from bot.core.shutdown import bounded
from nlp.classifier import Classifier
from tests.harness import EXAMPLE, MONDAY_MORNING


class StuckOnStop(LocalChannel):
    """An adapter whose stop never returns (a poll or an update that hangs)."""

    async def stop(self) -> None:
        await asyncio.Event().wait()


async def test_a_stuck_step_is_cancelled_and_reported_with_the_tasks_stacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def waiting_forever() -> None:
        await asyncio.Event().wait()

    other = asyncio.create_task(waiting_forever(), name="the-stuck-helper")
    try:
        with caplog.at_level(logging.ERROR, logger="bot.core.shutdown"):
            assert not await bounded("stopping the widget", waiting_forever(), 0.05)
        [record] = caplog.records
        assert "stopping the widget did not finish within 0.05 s" in record.getMessage()
        assert "--- task the-stuck-helper" in record.getMessage()
        assert "waiting_forever" in record.getMessage()  # where it is suspended
    finally:
        other.cancel()


async def test_a_step_that_raises_is_reported_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> None:
        raise OSError("socket gone")

    with caplog.at_level(logging.ERROR, logger="bot.core.shutdown"):
        assert not await bounded("closing the socket", broken(), 1.0)
        assert await bounded("the next step", asyncio.sleep(0), 1.0)
    [record] = caplog.records
    assert record.getMessage() == "shutdown: closing the socket failed"
    assert record.exc_info is not None


async def test_a_stuck_adapter_does_not_keep_the_sender_running(
    engine: AsyncEngine, db_url: str, classifier: Classifier, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FrozenClock(MONDAY_MORNING)
    app = build_app(
        Settings(database_url=db_url, community_file=EXAMPLE, stop_step_timeout=0.2),
        channels={"local": StuckOnStop(clock)},
        clock=clock,
        classifier=classifier,
        engine=engine,
    )
    await app.start()
    sender_task = app.sender._task
    assert sender_task is not None
    assert not sender_task.done()
    with caplog.at_level(logging.ERROR, logger="bot.core.shutdown"):
        await asyncio.wait_for(app.stop(), timeout=5)
    assert sender_task.done()
    assert not app.scheduler.running
    assert any("stopping the local adapter did not finish" in r.getMessage() for r in caplog.records)
