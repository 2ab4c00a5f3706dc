"""Owners' voice's scheduled work: closing the polls whose time has come, each activity's
due steps (the day-before reminder, the rating after it, summaries that waited for their
throttle or their message) each community's fee reminders, the care check-ins not confirmed in time and the surveys
whose time is up, calling the same services as the chat. The tick runs where the
scheduler's office is held (one process)."""

from __future__ import annotations

import logging

from bot.core.feature import Install, Scheduler, every
from bot.core.runtime import Runtime
from handlers.engagement import attendance
from handlers.engagement.activities import ActivityService
from handlers.engagement.care import CareService
from handlers.engagement.fees import FeeService
from handlers.engagement.service import EngagementService
from handlers.engagement.surveys import SurveyService

log = logging.getLogger(__name__)

TICK_SECONDS = 30  # a poll's result is posted within this of its close
JOB_ID = "engagement:tick"


def installer(
    service: EngagementService,
    activities: ActivityService,
    fees: FeeService,
    care: CareService,
    surveys: SurveyService,
) -> Install:
    def install(scheduler: Scheduler, runtime: Runtime) -> None:
        every(scheduler, JOB_ID, TICK_SECONDS, tick, runtime, service, activities, fees, care, surveys)

    return install


async def tick(
    runtime: Runtime,
    service: EngagementService,
    activities: ActivityService,
    fees: FeeService,
    care: CareService,
    surveys: SurveyService,
) -> int:
    """Close every poll that is due and post its result, then run the activities' due steps;
    one transaction per poll or step, so one failing does not hold back the others (it is
    tried again at the next tick). Returns how many were done."""
    async with runtime.reading() as uow:
        due = await service.due_polls(uow, runtime.now)
        steps = await attendance.due_steps(activities, uow, runtime.now)
        communities = [c for c in await uow.directory.communities()]
        checks = await care.due(uow, runtime.now)
        closing = await surveys.due(uow, runtime.now)
    closed = 0
    for poll_id in due:
        try:
            async with runtime.transaction() as uow:
                closed += int(await service.close_due(uow, poll_id, runtime.now))
        except Exception:
            log.exception("engagement: closing poll %d failed", poll_id)
    for step, activity_id in steps:
        try:
            async with runtime.transaction() as uow:
                closed += int(await attendance.run_step(activities, uow, step, activity_id, runtime.now))
        except Exception:
            log.exception("engagement: %s of activity %d failed", step, activity_id)
    for survey_id in closing:
        try:
            async with runtime.transaction() as uow:
                closed += int(await surveys.close(uow, survey_id, runtime.now))
        except Exception:
            log.exception("engagement: closing survey %d failed", survey_id)
    for check_id in checks:
        try:
            async with runtime.transaction() as uow:
                closed += int(await care.escalate(uow, check_id, runtime.now))
        except Exception:
            log.exception("engagement: escalating care check %d failed", check_id)
    for community in communities:
        try:
            async with runtime.transaction() as uow:
                closed += await fees.remind(uow, community, runtime.now)
        except Exception:
            log.exception("engagement: fee reminders of community %d failed", community.id)
    return closed
