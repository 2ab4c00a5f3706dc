"""Tickets: opened from owners' reports, worked by stewards from chat under SLA timers, closed
after the owner's rating (回访)."""

from __future__ import annotations

from bot.core.feature import Feature, Scheduler
from bot.core.runtime import Runtime
from bot.core.services import Services
from handlers.tickets import chat, sla_watch
from handlers.tickets.sla import SlaBook


def feature(services: Services, sla: SlaBook, *, check_interval: float) -> Feature:
    services.extras["sla"] = sla

    def jobs(scheduler: Scheduler, runtime: Runtime) -> None:
        """The SLA watch runs every `check_interval` seconds (one instance at a time)."""
        scheduler.add_job(
            sla_watch.check_sla,
            "interval",
            seconds=check_interval,
            args=[runtime],
            id="sla-watch",
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    return Feature(
        "tickets",
        chat.router,
        {**chat.TEXTS_HANS, **sla_watch.TEXTS_HANS},
        chat.TEXTS_HANT,
        jobs,
    )
