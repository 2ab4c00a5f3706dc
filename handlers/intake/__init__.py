"""Intake: every message is logged; owners' reports become tickets, questions are answered."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.feature import Feature
from bot.core.services import Services
from handlers.broadcasts import BroadcastService
from handlers.intake import chat
from handlers.knowledge.base import KnowledgeBase
from handlers.opinion import OpinionService


def feature(
    services: Services,
    knowledge: Mapping[str, KnowledgeBase],
    opinion: OpinionService,
    broadcasts: BroadcastService,
) -> Feature:
    services.extras["knowledge"] = dict(knowledge)
    return Feature("intake", chat.router(opinion, broadcasts), chat.TEXTS_HANS)
