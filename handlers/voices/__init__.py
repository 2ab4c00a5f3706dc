"""Suggestions and praise (建议与表扬): owners' messages that are not repairs.

Intake uses the service (`VoiceService.hear`) on each owner message the classifier called
`other`; staff list and answer suggestions from chat.
"""

from __future__ import annotations

from bot.core.feature import Feature
from handlers.voices.chat import VoiceChat
from handlers.voices.service import Heard, VoiceService
from handlers.voices.texts import TEXTS_HANS, TEXTS_HANT

__all__ = ["Heard", "VoiceService", "feature"]


def feature(service: VoiceService) -> Feature:
    return Feature("voices", VoiceChat(service).router(), TEXTS_HANS, TEXTS_HANT)
