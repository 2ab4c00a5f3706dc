"""Broadcasts: notices, outage announcements and safety tips to owner groups, now or on a
schedule, previewed and confirmed by staff.

The face: `feature` wires the chat entry points and the jobs to one `BroadcastService`, which
the composition root builds (intake asks the same service about owners' outage questions)."""

from __future__ import annotations

from bot.core.feature import Feature, Scheduler
from bot.core.runtime import Runtime
from handlers.broadcasts.chat import BroadcastChat
from handlers.broadcasts.jobs import BroadcastJobs
from handlers.broadcasts.policy import BroadcastPolicy
from handlers.broadcasts.questions import OutageAnswer
from handlers.broadcasts.service import BroadcastService
from handlers.broadcasts.texts import TEXTS_HANS, TEXTS_HANT

__all__ = ["BroadcastPolicy", "BroadcastService", "OutageAnswer", "feature"]


def feature(service: BroadcastService, *, tick_seconds: float) -> Feature:
    def jobs(scheduler: Scheduler, runtime: Runtime) -> None:
        BroadcastJobs(runtime, scheduler, service, tick_seconds).install()

    return Feature("broadcasts", BroadcastChat(service).router(), TEXTS_HANS, TEXTS_HANT, jobs)
