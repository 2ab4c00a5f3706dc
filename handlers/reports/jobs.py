"""Reports' scheduled work: the monthly tick, calling the same service as `/report`."""

from __future__ import annotations

import logging

from bot.core.feature import Install, Scheduler, every
from bot.core.runtime import Runtime
from handlers.reports.service import ReportService

log = logging.getLogger(__name__)


def installer(service: ReportService) -> Install:
    """The monthly report tick and the stewards' own figures (every 10 minutes; each sends
    once a month)."""

    def install(scheduler: Scheduler, runtime: Runtime) -> None:
        every(scheduler, "reports:monthly", 600, monthly_tick, runtime, service)
        every(scheduler, "reports:kpi", 600, kpi_tick, runtime, service)

    return install


async def monthly_tick(runtime: Runtime, service: ReportService) -> int:
    """On the report day (or any later day of the month, catching up), last month's report to
    the supervisors of every community, once; one transaction per community."""
    now = runtime.now
    async with runtime.reading() as uow:
        due = await service.due_monthly(uow, now)
    sent = 0
    for community_id, period in due:
        try:
            async with runtime.transaction() as uow:
                community = await uow.directory.community(community_id)
                if community is not None:
                    sent += await service.send_staff_report(uow, community, period, now, scheduled=True)
        except Exception:
            log.exception("reports: monthly report for community %d failed", community_id)
    return sent


async def kpi_tick(runtime: Runtime, service: ReportService) -> int:
    """From the report day, by the 5th: each steward's own last month to their private chat,
    once; one transaction per community."""
    now = runtime.now
    async with runtime.reading() as uow:
        due = await service.due_kpis(uow, now)
    sent = 0
    for community_id, period in due:
        try:
            async with runtime.transaction() as uow:
                community = await uow.directory.community(community_id)
                if community is not None:
                    sent += await service.send_own_kpis(uow, community, period, now)
        except Exception:
            log.exception("reports: stewards' figures for community %d failed", community_id)
    return sent
