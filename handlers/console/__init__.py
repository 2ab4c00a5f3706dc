"""The web console's sign-in, as a feature: `/console` hands a staff member a signed
single-use link; the service (links, sessions, CSRF tokens, who a person is there) is what
the web console (`bot/console/`) and `steward admin console-link` use."""

from __future__ import annotations

from bot.core.feature import Feature
from handlers.console.chat import TEXTS_HANS, TEXTS_HANT, ConsoleChat
from handlers.console.service import LINK_TTL, ConsolePolicy, ConsoleService, Opened, Person

__all__ = ["LINK_TTL", "ConsolePolicy", "ConsoleService", "Opened", "Person", "feature"]


def feature(service: ConsoleService) -> Feature:
    return Feature("console", ConsoleChat(service).router(), TEXTS_HANS, TEXTS_HANT)
