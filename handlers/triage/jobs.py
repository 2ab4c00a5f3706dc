"""The digest tick: every minute, each community whose digest is due gets it (the service
decides what is due and claims each slot once, so a run early, late or twice is harmless)."""

from __future__ import annotations

import logging

from bot.core.feature import Install, Scheduler, every
from bot.core.runtime import Runtime
from handlers.triage.service import TriageService

log = logging.getLogger(__name__)

JOB_ID = "triage:digest"
TICK_SECONDS = 60.0


def installer(service: TriageService) -> Install:
    def install(scheduler: Scheduler, runtime: Runtime) -> None:
        every(scheduler, JOB_ID, TICK_SECONDS, digest_tick, runtime, service)

    return install


async def digest_tick(runtime: Runtime, service: TriageService) -> int:
    """The due digests, one transaction per community (one failing holds back no other);
    how many were posted. After downtime, the latest slot missed is made once."""
    now = runtime.now
    async with runtime.reading() as uow:
        due = await service.due(uow, now)
    posted = 0
    for community_id, slot in due:
        try:
            async with runtime.transaction() as uow:
                posted += int(await service.send_digest(uow, community_id, slot, now))
        except Exception:
            log.exception("triage: digest for community %d failed", community_id)
    return posted
