"""Membership: who belongs where (`/unit`, `/bind CODE`, admins' bind codes)."""

from __future__ import annotations

from bot.core.feature import Feature
from handlers.membership.chat import TEXTS_HANS, TEXTS_HANT, MembershipChat
from handlers.membership.service import MembershipService


def feature(service: MembershipService) -> Feature:
    return Feature("membership", MembershipChat(service).router(), TEXTS_HANS, TEXTS_HANT)
