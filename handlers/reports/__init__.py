"""Service reports: monthly figures and charts for staff, a summary for owners.

The command line uses `export`; the monthly job and the chat use `ReportService`.
"""

from __future__ import annotations

from bot.core.feature import Feature
from handlers.reports.chat import ReportsChat
from handlers.reports.gather import gather_report
from handlers.reports.jobs import installer
from handlers.reports.policy import ReportPolicy
from handlers.reports.service import ReportService, export
from handlers.reports.targets import TargetError, Targets, load_targets
from handlers.reports.texts import TEXTS_HANS, TEXTS_HANT

__all__ = [
    "ReportPolicy",
    "ReportService",
    "TargetError",
    "Targets",
    "export",
    "feature",
    "gather_report",
    "load_targets",
]


def feature(service: ReportService) -> Feature:
    return Feature("reports", ReportsChat(service).router(), TEXTS_HANS, TEXTS_HANT, installer(service))
