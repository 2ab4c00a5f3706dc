"""Intake: every message is logged; owners' reports become tickets, questions are answered."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.feature import Feature
from bot.core.services import Services
from handlers.intake import chat
from handlers.knowledge.base import KnowledgeBase
from handlers.opinion import OpinionService


def feature(services: Services, knowledge: Mapping[str, KnowledgeBase], opinion: OpinionService) -> Feature:
    services.extras["knowledge"] = dict(knowledge)
    return Feature("intake", chat.router(opinion), chat.TEXTS_HANS)
