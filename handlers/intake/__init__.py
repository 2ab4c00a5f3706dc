"""Intake: every message is logged; owners' reports become tickets, questions are answered,
and negative messages are watched for public-opinion risk.

Intake uses other features only through their faces: tickets (`TicketService`), knowledge
(`KnowledgeService`), broadcasts (`BroadcastService`, for questions about an announced outage),
opinion (`OpinionService`), triage (`TriageService`, which keeps the messages the classifier
was not sure of for the stewards' digest) and voices (`VoiceService`: suggestions and praise). The composition root gives it the same service objects those
features work with.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.feature import Feature
from bot.core.services import Services
from handlers.broadcasts import BroadcastService
from handlers.intake.chat import IntakeChat
from handlers.intake.service import TEXTS_HANS, IntakeService
from handlers.knowledge import KnowledgeBase, KnowledgeService
from handlers.opinion import OpinionService
from handlers.tickets import TicketService
from handlers.triage import TriageService
from handlers.voices import VoiceService

__all__ = ["IntakeService", "feature"]


def feature(
    services: Services,
    *,
    tickets: TicketService,
    knowledge: Mapping[str, KnowledgeBase],
    opinion: OpinionService,
    outages: BroadcastService,
    triage: TriageService,
    voices: VoiceService | None = None,
) -> Feature:
    service = IntakeService(
        services.classifier,
        services.texts,
        tickets,
        KnowledgeService(knowledge, services.texts),
        outages=outages,
        opinion=opinion,
        triage=triage,
        voices=voices,
    )
    return Feature("intake", IntakeChat(service).router(), TEXTS_HANS)
