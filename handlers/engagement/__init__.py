"""Owners' voice and community life: polls and activities (and, as they come, fee reminders,
the care list and the satisfaction survey)."""

from __future__ import annotations

from bot.core.feature import Feature
from handlers.engagement.activities import ActivityService
from handlers.engagement.chat import EngagementChat
from handlers.engagement.jobs import installer
from handlers.engagement.service import EngagementService
from handlers.engagement.texts import TEXTS_HANS, TEXTS_HANT

__all__ = ["ActivityService", "EngagementService", "feature"]


def feature(service: EngagementService, activities: ActivityService) -> Feature:
    router = EngagementChat(service, activities).router()
    return Feature("engagement", router, TEXTS_HANS, TEXTS_HANT, installer(service, activities))
