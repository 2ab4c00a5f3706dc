"""Public opinion (舆情): risk and anger in owner groups, alerts to supervisors, digests."""

from __future__ import annotations

from bot.core.feature import Feature
from bot.core.services import Services
from handlers.opinion import chat
from handlers.opinion.chat import OpinionPolicy


def feature(services: Services, policy: OpinionPolicy) -> Feature:
    services.extras["opinion"] = policy
    return Feature("opinion", chat.router, chat.TEXTS_HANS, chat.TEXTS_HANT, chat.jobs)
