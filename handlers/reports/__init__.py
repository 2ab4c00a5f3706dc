"""Service reports: monthly figures and charts for staff, a summary for owners."""

from __future__ import annotations

from bot.core.feature import Feature
from bot.core.services import Services
from handlers.reports import chat
from handlers.reports.chat import ReportPolicy


def feature(services: Services, policy: ReportPolicy) -> Feature:
    services.extras["reports"] = policy
    return Feature("reports", chat.router, chat.TEXTS_HANS, chat.TEXTS_HANT, chat.jobs)
