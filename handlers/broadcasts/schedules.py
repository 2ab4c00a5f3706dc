"""Schedules and their jobs: recurring notices, each community's weekly safety tip, and the
APScheduler jobs that run them.

Our tables are the truth; the scheduler only says when to look. `BroadcastJobs.rebuild` makes
its jobs match the tables (one date job per scheduled broadcast, one per active schedule at
its next fire time) and runs at every `tick`, so jobs are rebuilt at start and pick up what
another process (the CLI) wrote. Every job function reads the clock and the tables and does
only what is due, so running one early, late or twice is harmless: a run is claimed by a
conditional UPDATE of the schedule's `last_run_at`, a broadcast by its status, a target by
its outbox `dedupe_key`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.runtime import Runtime
from handlers.broadcasts.fanout import run_broadcast
from handlers.broadcasts.policy import BroadcastPolicy, policy_of
from handlers.broadcasts.timing import Cron, CronError, due_runs
from handlers.broadcasts.tips import TipCalendar
from storage.broadcasts.models import Broadcast, BroadcastSchedule
from storage.broadcasts.repository import BroadcastRepository

log = logging.getLogger(__name__)

TIP_EPOCH = date(2024, 1, 1)  # a Monday: week 0 of `every_weeks`
JOB_PREFIX = "bc:"


def tips_cron(calendar: TipCalendar) -> str:
    cadence = calendar.cadence
    return f"{cadence.at.minute} {cadence.at.hour} * * {(cadence.weekday + 1) % 7}"


def tip_week(calendar: TipCalendar, day: date) -> bool:
    """Whether the week of `day` is a tip week (every `every_weeks` weeks)."""
    return ((day - TIP_EPOCH).days // 7) % calendar.cadence.every_weeks == 0


async def sync_tip_schedules(runtime: Runtime) -> None:
    """One `tips` schedule per community whose calendar is on, following the community file.
    A new one starts now: a first start never sends the tip of a slot it did not know it owed."""
    policy = policy_of(runtime.services)
    if policy.tips is None:
        return
    async with runtime.transaction() as store:
        now = runtime.now
        repo = store.broadcasts
        for community in await store.directory.communities():
            calendar = policy.calendar_for(community.code)
            row = await repo.tips_schedule(community.id)
            if calendar is None:
                continue
            cron = tips_cron(calendar)
            if row is None:
                await repo.add(
                    BroadcastSchedule(
                        community_id=community.id,
                        kind="tips",
                        status="active",
                        cron=cron,
                        timezone=community.timezone,
                        buildings=[],
                        body="",
                        text="",
                        urgent=False,
                        created_at=now,
                        created_by="calendar",
                        last_run_at=now,
                    )
                )
            elif (row.cron, row.timezone) != (cron, community.timezone):
                row.cron, row.timezone = cron, community.timezone


async def run_schedule(runtime: Runtime, schedule_id: int) -> int | None:
    """The job of one schedule: if a run is due (within the grace period) make its broadcast
    and send it; runs missed by more than the grace period are skipped and logged. Returns the
    new broadcast's id."""
    policy = policy_of(runtime.services)
    async with runtime.transaction() as store:
        now = runtime.now
        repo = store.broadcasts
        schedule = await repo.schedule(schedule_id)
        if schedule is None or schedule.status != "active":
            return None
        tz = ZoneInfo(schedule.timezone)
        try:
            cron = Cron.parse(schedule.cron)
        except CronError:
            log.error("schedule S%d has a bad cron %r; not run", schedule.id, schedule.cron)
            return None
        due = due_runs(cron, tz, schedule.last_run_at, now, policy.grace)
        if due.last is None:
            return None
        # Claim the runs up to `due.last`: of two runners only one moves the mark.
        if not await repo.claim_runs(schedule.id, schedule.last_run_at, due.last):
            return None
        for missed in due.skipped:
            log.warning(
                "schedule S%d: the run due at %s was missed by more than %s; skipped",
                schedule.id,
                missed.isoformat(),
                policy.grace,
            )
        if due.run_at is None:
            return None
        community = await store.directory.community(schedule.community_id)
        if community is None:
            return None
        if schedule.kind == "tips":
            calendar = policy.calendar_for(community.code)
            if (
                calendar is None
                or policy.tips is None
                or not tip_week(calendar, due.run_at.astimezone(tz).date())
            ):
                return None
        broadcast = await repo.add(
            Broadcast(
                community_id=community.id,
                kind="tip" if schedule.kind == "tips" else "notice",
                status="scheduled",
                buildings=list(schedule.buildings),
                body=schedule.body,
                template=schedule.template,
                text=schedule.text,
                values={},
                urgent=schedule.urgent,
                requested_at=due.run_at,
                send_at=policy.due_time(due.run_at, schedule.urgent, tz),
                created_at=now,
                created_by=f"schedule:S{schedule.id}",
                decided_at=now,
                schedule_id=schedule.id,
                run_key=f"S{schedule.id}@{due.run_at.astimezone(UTC):%Y%m%dT%H%M}",
            )
        )
        broadcast_id = broadcast.id
    await run_broadcast(runtime, broadcast_id)
    return broadcast_id


async def run_due(runtime: Runtime) -> None:
    """Everything due now: tip schedules brought in line with the file, due schedule runs, due
    and interrupted fan-outs (a crash mid-way resumes here), missed ones skipped."""
    await sync_tip_schedules(runtime)
    async with runtime.sessions() as session:
        repo = BroadcastRepository(session)
        now = runtime.now
        schedules = [s.id for s in await repo.schedules("active")]
        broadcasts = [
            b.id
            for b in await repo.with_status("scheduled", "sending")
            if b.status == "sending" or (b.send_at is not None and b.send_at <= now)
        ]
    for schedule_id in schedules:
        try:
            await run_schedule(runtime, schedule_id)
        except Exception:
            log.exception("schedule S%d failed", schedule_id)
    for broadcast_id in broadcasts:
        try:
            await run_broadcast(runtime, broadcast_id)
        except Exception:
            log.exception("broadcast %d failed", broadcast_id)


@dataclass
class BroadcastJobs:
    """The feature's APScheduler jobs, mirrored from the tables."""

    runtime: Runtime
    scheduler: Any  # apscheduler AsyncIOScheduler
    tick_seconds: float = 60.0
    planned: dict[str, datetime] = field(default_factory=dict)

    @property
    def policy(self) -> BroadcastPolicy:
        return policy_of(self.runtime.services)

    def install(self) -> None:
        """The tick, every `tick_seconds` from start: it catches up what was missed and rebuilds
        the jobs from the tables. (Not at once at start: a test or a CLI one-shot that starts
        the scheduler should not find a job of ours running when it stops.)"""
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.tick_seconds,
            id=f"{JOB_PREFIX}tick",
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    async def tick(self) -> None:
        try:
            await run_due(self.runtime)
        finally:
            await self.rebuild()

    async def rebuild(self) -> dict[str, datetime]:
        """Make the scheduler's jobs match the tables; returns job id → when it fires."""
        wanted: dict[str, tuple[Any, tuple[Any, ...], datetime]] = {}
        async with self.runtime.sessions() as session:
            repo = BroadcastRepository(session)
            now = self.runtime.now
            for broadcast in await repo.with_status("scheduled"):
                if broadcast.send_at is not None:
                    wanted[f"{JOB_PREFIX}N{broadcast.id}"] = (
                        run_broadcast,
                        (self.runtime, broadcast.id),
                        broadcast.send_at,
                    )
            for schedule in await repo.schedules("active"):
                try:
                    nxt = Cron.parse(schedule.cron).next_after(
                        schedule.last_run_at, ZoneInfo(schedule.timezone)
                    )
                except CronError:
                    continue
                if nxt is not None:
                    wanted[f"{JOB_PREFIX}S{schedule.id}"] = (run_schedule, (self.runtime, schedule.id), nxt)
        tick_id = f"{JOB_PREFIX}tick"
        for job in list(self.scheduler.get_jobs()):
            if job.id.startswith(JOB_PREFIX) and job.id != tick_id:
                self.scheduler.remove_job(job.id)
        grace = int(self.policy.grace.total_seconds())
        for job_id, (func, args, when) in wanted.items():
            self.scheduler.add_job(
                func,
                "date",
                run_date=max(when, now),  # a missed one runs at once and decides for itself
                args=args,
                id=job_id,
                misfire_grace_time=max(grace, 1),
                coalesce=True,
                replace_existing=True,
            )
        self.planned = {job_id: when for job_id, (_f, _a, when) in wanted.items()}
        return dict(self.planned)
