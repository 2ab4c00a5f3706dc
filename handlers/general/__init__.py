"""General: /start and /help for each kind of chat, unknown commands, the bot joining,
leaving or migrating a group, (`last`, routed after every other feature) the answer to staff
who addressed Steward with words nobody read, and (`PushNotices`) who hears that Steward can
no longer post to a chat."""

from __future__ import annotations

from bot.core.feature import Feature
from handlers.general import chat
from handlers.general.service import PushNotices
from handlers.general.texts import TEXTS_HANS

__all__ = ["PushNotices", "feature", "last"]


def feature() -> Feature:
    return Feature("general", chat.router(), TEXTS_HANS)


def last() -> Feature:
    """Routed after every other feature (intake's handler for any text included)."""
    return Feature("general.last", chat.last_router())
