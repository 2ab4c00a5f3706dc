"""Owners' voice and community life: polls (and, as they come, activities, fee reminders,
the care list and the satisfaction survey)."""

from __future__ import annotations

from bot.core.feature import Feature
from handlers.engagement.chat import EngagementChat
from handlers.engagement.jobs import installer
from handlers.engagement.service import EngagementService
from handlers.engagement.texts import TEXTS_HANS, TEXTS_HANT

__all__ = ["EngagementService", "feature"]


def feature(service: EngagementService) -> Feature:
    return Feature("engagement", EngagementChat(service).router(), TEXTS_HANS, TEXTS_HANT, installer(service))
