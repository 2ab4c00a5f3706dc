"""Intake: every message is logged; owners' reports become tickets, questions are answered.

Intake asks tickets (`TicketService`) and knowledge (`KnowledgeService`) through their faces;
the composition root gives it the one ticket service the tickets feature works with.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.feature import Feature
from bot.core.services import Services
from handlers.intake.chat import IntakeChat
from handlers.intake.service import TEXTS_HANS, IntakeService
from handlers.knowledge import KnowledgeBase, KnowledgeService
from handlers.tickets import TicketService

__all__ = ["IntakeService", "feature"]


def feature(services: Services, *, tickets: TicketService, knowledge: Mapping[str, KnowledgeBase]) -> Feature:
    service = IntakeService(
        services.classifier, services.texts, tickets, KnowledgeService(knowledge, services.texts)
    )
    return Feature("intake", IntakeChat(service).router(), TEXTS_HANS)
