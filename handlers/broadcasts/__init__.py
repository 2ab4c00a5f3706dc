"""Broadcasts: notices, outage announcements and safety tips, now or on a schedule."""

from __future__ import annotations

from bot.core.feature import Feature, Scheduler
from bot.core.runtime import Runtime
from bot.core.services import Services
from handlers.broadcasts import chat
from handlers.broadcasts.policy import BroadcastPolicy
from handlers.broadcasts.schedules import BroadcastJobs
from handlers.broadcasts.texts import TEXTS_HANS, TEXTS_HANT


def feature(services: Services, policy: BroadcastPolicy, *, tick_seconds: float) -> Feature:
    services.extras["broadcasts"] = policy

    def jobs(scheduler: Scheduler, runtime: Runtime) -> None:
        broadcast_jobs = BroadcastJobs(runtime, scheduler, tick_seconds)
        services.extras["broadcast_jobs"] = broadcast_jobs
        broadcast_jobs.install()

    return Feature("broadcasts", chat.router, TEXTS_HANS, TEXTS_HANT, jobs)
