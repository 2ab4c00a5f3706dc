"""Owners' voice and community life: polls, activities and fee reminders (and, as they come,
the care list and the satisfaction survey). The command line uses `FeeService.import_file`."""

from __future__ import annotations

from bot.core.feature import Feature
from handlers.engagement.activities import ActivityService
from handlers.engagement.chat import EngagementChat
from handlers.engagement.feepolicy import FeePolicy
from handlers.engagement.fees import FeeService, Imported
from handlers.engagement.jobs import installer
from handlers.engagement.service import EngagementService
from handlers.engagement.texts import TEXTS_HANS, TEXTS_HANT

__all__ = ["ActivityService", "EngagementService", "FeePolicy", "FeeService", "Imported", "feature"]


def feature(service: EngagementService, activities: ActivityService, fees: FeeService) -> Feature:
    router = EngagementChat(service, activities, fees).router()
    return Feature("engagement", router, TEXTS_HANS, TEXTS_HANT, installer(service, activities, fees))
