"""Opinion's scheduled work: the digest tick, calling the same service as everything else."""

from __future__ import annotations

import logging

from bot.core.feature import Install, Scheduler, every
from bot.core.runtime import Runtime
from handlers.opinion.service import OpinionService

log = logging.getLogger(__name__)


def installer(service: OpinionService) -> Install:
    """The digest tick (every minute; sends once a day) and the follow-up timer of alerts."""

    def install(scheduler: Scheduler, runtime: Runtime) -> None:
        every(scheduler, "opinion:digest", 60, digest_tick, runtime, service)
        every(scheduler, "opinion:follow-up", 60, follow_up_tick, runtime, service)

    return install


async def digest_tick(runtime: Runtime, service: OpinionService) -> int:
    """Every minute: each community whose local digest time has passed today and whose digest
    has not gone out gets it. Catches up after downtime the same day; never sends twice.
    One transaction per community, so one failing does not hold back the others."""
    async with runtime.reading() as uow:
        due = await service.due_digests(uow, runtime.now)
    sent = 0
    for digest in due:
        try:
            async with runtime.transaction() as uow:
                sent += int(await service.send_digest(uow, digest.community_id, digest.until, runtime.now))
        except Exception:
            log.exception("opinion: digest for community %d failed", digest.community_id)
    return sent


async def follow_up_tick(runtime: Runtime, service: OpinionService) -> int:
    """Every minute: open tier-2/3 alerts nobody answered are reminded, then escalated, once
    each (`crisis.follow_up`)."""
    async with runtime.transaction() as uow:  # wakes the sender at its commit
        return await service.follow_up(uow, runtime.now)
