"""The feature's APScheduler jobs, mirrored from the tables.

Our tables are the truth; the scheduler only says when to look. `BroadcastJobs.rebuild` makes
its jobs match the tables (one date job per scheduled broadcast, one per active schedule at
its next fire time) and runs at every `tick`, so jobs are rebuilt at start and pick up what
another process (the CLI) wrote. Every job reads the clock and the tables and does only what
is due, through the service, one transaction at a time: a run is claimed by a conditional
UPDATE of the schedule's `last_run_at`, a broadcast by its status, a target by its outbox
`dedupe_key`.

A stop (SIGTERM) cancels the jobs that are running: the scheduler's entry points (`tick`,
`scheduled_broadcast`, `scheduled_schedule`) take that as the stop it is, log one line and
end, instead of leaving a `CancelledError` traceback in the log. Nothing is lost: each batch
is its own transaction, and the next start's tick resumes the fan-out where it stopped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.core.feature import Scheduler, every
from bot.core.runtime import Runtime
from handlers.broadcasts.service import BroadcastService

log = logging.getLogger(__name__)

JOB_PREFIX = "bc:"
TICK = f"{JOB_PREFIX}tick"


def stopped(what: str) -> None:
    """A job cancelled by the process stopping: one line, no traceback, and the task's
    cancellation acknowledged (it ends here; nothing awaits it but the scheduler)."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()
    log.info("%s stopped mid-run by the process stopping; the next start resumes it", what)


class BroadcastJobs:
    def __init__(
        self, runtime: Runtime, scheduler: Scheduler, service: BroadcastService, tick_seconds: float = 60.0
    ) -> None:
        self.runtime = runtime
        self.scheduler = scheduler
        self.service = service
        self.tick_seconds = tick_seconds
        self.planned: dict[str, datetime] = {}

    def install(self) -> None:
        """The tick, every `tick_seconds` from start: it catches up what was missed and rebuilds
        the jobs from the tables. (Not at once at start: a test or a CLI one-shot that starts
        the scheduler should not find a job of ours running when it stops.)"""
        every(self.scheduler, TICK, self.tick_seconds, self.tick)

    async def tick(self) -> None:
        """The scheduler's tick: what is due, then the jobs rebuilt (also after a failure);
        cut short by a stop, it ends quietly (`stopped`)."""
        try:
            try:
                await self.run_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                await self.rebuild()
                raise
            await self.rebuild()
        except asyncio.CancelledError:
            stopped("the broadcast tick")

    async def scheduled_broadcast(self, broadcast_id: int) -> None:
        """The scheduler's job for one broadcast (`run_broadcast`), ended quietly by a stop."""
        try:
            await self.run_broadcast(broadcast_id)
        except asyncio.CancelledError:
            stopped(f"broadcast {broadcast_id}")

    async def scheduled_schedule(self, schedule_id: int) -> None:
        """The scheduler's job for one schedule (`run_schedule`), ended quietly by a stop."""
        try:
            await self.run_schedule(schedule_id)
        except asyncio.CancelledError:
            stopped(f"schedule S{schedule_id}")

    async def run_due(self) -> None:
        """Everything due now: tip schedules brought in line with the file, due schedule runs,
        due and interrupted fan-outs (a crash mid-way resumes here), missed ones skipped."""
        if self.service.keeps_tips:
            async with self.runtime.transaction() as uow:
                await self.service.sync_tip_schedules(uow, self.runtime.now)
        async with self.runtime.reading() as uow:
            due = await self.service.due(uow, self.runtime.now)
        for schedule_id in due.schedules:
            try:
                await self.run_schedule(schedule_id)
            except Exception:
                log.exception("schedule S%d failed", schedule_id)
        for broadcast_id in due.broadcasts:
            try:
                await self.run_broadcast(broadcast_id)
            except Exception:
                log.exception("broadcast %d failed", broadcast_id)

    async def run_schedule(self, schedule_id: int) -> int | None:
        """The job of one schedule: if a run is due, make its broadcast and send it. Returns the
        new broadcast's id."""
        async with self.runtime.transaction() as uow:
            broadcast_id = await self.service.start_schedule_run(uow, schedule_id, self.runtime.now)
        if broadcast_id is None:
            return None
        await self.run_broadcast(broadcast_id)
        return broadcast_id

    async def run_broadcast(self, broadcast_id: int) -> int:
        """The job of one broadcast: when due, fan it out in batches, each its own transaction.
        Returns the rows queued."""
        queued = 0
        while True:
            async with self.runtime.transaction() as uow:
                batch = await self.service.next_batch(uow, broadcast_id, self.runtime.now)
            queued += batch.queued
            if not batch.more:
                return queued

    async def rebuild(self) -> dict[str, datetime]:
        """Make the scheduler's jobs match the tables; returns job id → when it fires."""
        async with self.runtime.reading() as uow:
            now = self.runtime.now
            planned = await self.service.planned(uow)
        wanted: dict[str, tuple[Callable[[int], Awaitable[object]], int, datetime]] = {}
        for run in planned:
            func: Callable[[int], Awaitable[object]] = (
                self.scheduled_broadcast if run.kind == "N" else self.scheduled_schedule
            )
            wanted[f"{JOB_PREFIX}{run.kind}{run.id}"] = (func, run.id, run.when)
        for job_id in self.planned:  # ours from the last rebuild, unless they have run since
            if self.scheduler.get_job(job_id) is not None:
                self.scheduler.remove_job(job_id)
        grace = int(self.service.policy.grace.total_seconds())
        for job_id, (func, row_id, when) in wanted.items():
            self.scheduler.add_job(
                func,
                "date",
                run_date=max(when, now),  # a missed one runs at once and decides for itself
                args=(row_id,),
                id=job_id,
                misfire_grace_time=max(grace, 1),
                coalesce=True,
                replace_existing=True,
            )
        self.planned = {job_id: when for job_id, (_f, _id, when) in wanted.items()}
        return dict(self.planned)
