"""Intake: every message is logged; owners' reports become tickets, questions are answered."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.feature import Feature
from bot.core.services import Services
from handlers.broadcasts import BroadcastService
from handlers.intake import chat
from handlers.knowledge.base import KnowledgeBase


def feature(
    services: Services, knowledge: Mapping[str, KnowledgeBase], broadcasts: BroadcastService
) -> Feature:
    services.extras["knowledge"] = dict(knowledge)
    services.extras["broadcasts"] = broadcasts  # owners' outage questions; until intake's chat takes it
    return Feature("intake", chat.router, chat.TEXTS_HANS)
