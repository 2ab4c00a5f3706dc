"""General: /start and /help for each kind of chat, unknown commands, the bot joining,
leaving or following a migrated group."""

from __future__ import annotations

from bot.core.feature import Feature
from handlers.general import chat


def feature() -> Feature:
    return Feature("general", chat.router())
