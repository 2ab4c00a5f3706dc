"""Steward on Telegram: the `Channel` adapter over python-telegram-bot v22.

`TelegramChannel` is the only thing the rest of Steward needs; `convert` and `render` hold the
translation between Telegram's objects and `bot.events`, `ratelimit` the flood control.
"""

from bot.adapters.telegram.channel import (
    ALLOWED_UPDATES,
    DEFAULT_API_URL,
    SECRET_HEADER,
    ChatMigratedError,
    TelegramChannel,
)
from bot.adapters.telegram.commands import DEFAULT_COMMAND_LANGUAGES, DEFAULT_COMMANDS, CommandSpec

__all__ = [
    "ALLOWED_UPDATES",
    "DEFAULT_API_URL",
    "DEFAULT_COMMANDS",
    "DEFAULT_COMMAND_LANGUAGES",
    "SECRET_HEADER",
    "ChatMigratedError",
    "CommandSpec",
    "TelegramChannel",
]
