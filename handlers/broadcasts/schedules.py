"""Schedules as use cases: each community's weekly safety-tip schedule kept in line with the
community file, a due run of a schedule turned into its broadcast, and what is due or planned
— what the jobs (`jobs.py`) ask, each in one transaction.

Our tables are the truth. A run is claimed by a conditional UPDATE of the schedule's
`last_run_at`, so running a job early, late or twice is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from handlers.broadcasts.policy import BroadcastPolicy
from handlers.broadcasts.timing import Cron, CronError, due_runs
from handlers.broadcasts.tips import TipCalendar
from storage.broadcasts.models import Broadcast
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

TIP_EPOCH = date(2024, 1, 1)  # a Monday: week 0 of `every_weeks`


def tips_cron(calendar: TipCalendar) -> str:
    cadence = calendar.cadence
    return f"{cadence.at.minute} {cadence.at.hour} * * {(cadence.weekday + 1) % 7}"


def tip_week(calendar: TipCalendar, day: date) -> bool:
    """Whether the week of `day` is a tip week (every `every_weeks` weeks)."""
    return ((day - TIP_EPOCH).days // 7) % calendar.cadence.every_weeks == 0


@dataclass(frozen=True)
class Due:
    """What is due now: schedules to look at and broadcasts to fan out (or resume)."""

    schedules: list[int]
    broadcasts: list[int]


@dataclass(frozen=True)
class Planned:
    """A run the scheduler should wake up for: broadcast N12 or schedule S3, at `when`."""

    kind: Literal["N", "S"]
    id: int
    when: datetime


class Schedules:
    def __init__(self, policy: BroadcastPolicy) -> None:
        self.policy = policy

    @property
    def keeps_tips(self) -> bool:
        """Whether there are tips to schedule at all."""
        return self.policy.tips is not None

    async def sync_tip_schedules(self, uow: UnitOfWork, now: datetime) -> None:
        """One `tips` schedule per community whose calendar is on, following the community
        file. A new one starts now: a first start never sends the tip of a slot it did not know
        it owed."""
        policy = self.policy
        if policy.tips is None:
            return
        repo = uow.broadcasts
        for community in await uow.directory.communities():
            calendar = policy.calendar_for(community.code)
            row = await repo.tips_schedule(community.id)
            if calendar is None:
                continue
            cron = tips_cron(calendar)
            if row is None:
                await repo.add_tips_schedule(
                    {
                        "community_id": community.id,
                        "status": "active",
                        "cron": cron,
                        "timezone": community.timezone,
                        "buildings": [],
                        "body": "",
                        "text": "",
                        "urgent": False,
                        "created_at": now,
                        "created_by": "calendar",
                        "last_run_at": now,
                    }
                )
            elif (row.cron, row.timezone) != (cron, community.timezone):
                row.cron, row.timezone = cron, community.timezone

    async def start_run(self, uow: UnitOfWork, schedule_id: int, now: datetime) -> int | None:
        """If a run of the schedule is due (within the grace period), claim it and write its
        broadcast, `scheduled`; runs missed by more than the grace period are skipped and
        logged. Returns the new broadcast's id, for the caller to fan out."""
        policy = self.policy
        repo = uow.broadcasts
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
        community = await uow.directory.community(schedule.community_id)
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
        return broadcast.id

    async def due(self, uow: UnitOfWork, now: datetime) -> Due:
        """Every active schedule (each decides for itself), the scheduled broadcasts whose time
        has come and those left `sending` (a crash mid-way)."""
        repo = uow.broadcasts
        schedules = [s.id for s in await repo.schedules("active")]
        broadcasts = [
            b.id
            for b in await repo.with_status("scheduled", "sending")
            if b.status == "sending" or (b.send_at is not None and b.send_at <= now)
        ]
        return Due(schedules, broadcasts)

    async def planned(self, uow: UnitOfWork) -> list[Planned]:
        """One run per scheduled broadcast at its send time and per active schedule at its next
        fire time: what the scheduler's jobs mirror."""
        repo = uow.broadcasts
        runs: list[Planned] = []
        for broadcast in await repo.with_status("scheduled"):
            if broadcast.send_at is not None:
                runs.append(Planned("N", broadcast.id, broadcast.send_at))
        for schedule in await repo.schedules("active"):
            try:
                nxt = Cron.parse(schedule.cron).next_after(schedule.last_run_at, ZoneInfo(schedule.timezone))
            except CronError:
                continue
            if nxt is not None:
                runs.append(Planned("S", schedule.id, nxt))
        return runs
