"""Owners' voice and community life: polls, activities, fee reminders, the care list and the
quarterly satisfaction survey. The command line uses `FeeService.import_file`; the composition
root hands `CareService.warned` to the broadcasts feature (a check-in before a warning)."""

from __future__ import annotations

from bot.core.feature import Feature
from handlers.engagement.activities import ActivityService
from handlers.engagement.care import CarePolicy, CareService
from handlers.engagement.chat import EngagementChat
from handlers.engagement.feepolicy import FeePolicy
from handlers.engagement.fees import FeeService, Imported
from handlers.engagement.jobs import installer
from handlers.engagement.service import EngagementService
from handlers.engagement.surveys import SurveyPolicy, SurveyService
from handlers.engagement.texts import TEXTS_HANS, TEXTS_HANT

__all__ = [
    "ActivityService",
    "CarePolicy",
    "CareService",
    "EngagementService",
    "FeePolicy",
    "FeeService",
    "Imported",
    "SurveyPolicy",
    "SurveyService",
    "feature",
]


def feature(
    service: EngagementService,
    activities: ActivityService,
    fees: FeeService,
    care: CareService,
    surveys: SurveyService,
) -> Feature:
    router = EngagementChat(service, activities, fees, care, surveys).router()
    install = installer(service, activities, fees, care, surveys)
    return Feature("engagement", router, TEXTS_HANS, TEXTS_HANT, install)
