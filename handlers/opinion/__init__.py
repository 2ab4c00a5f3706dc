"""Public opinion (舆情): risk and anger in owner groups, alerts to supervisors, digests.

Other features use the service (intake hands it each owner message: `OpinionService.observe`);
the command line uses `report_text` and `export_feedback`.
"""

from __future__ import annotations

from bot.core.feature import Feature
from handlers.opinion.chat import OpinionChat
from handlers.opinion.digest import report_text
from handlers.opinion.feedback import export_feedback
from handlers.opinion.jobs import installer
from handlers.opinion.policy import OpinionPolicy
from handlers.opinion.service import OpinionService
from handlers.opinion.texts import TEXTS_HANS, TEXTS_HANT

__all__ = ["OpinionPolicy", "OpinionService", "export_feedback", "feature", "report_text"]


def feature(service: OpinionService) -> Feature:
    return Feature("opinion", OpinionChat(service).router(), TEXTS_HANS, TEXTS_HANT, installer(service))
