"""Owners' questions about an announced outage (「几点来水？」「聽日幾點停水？」) answered from the
announcement itself, in the group's language, while the outage is on or just over. Intake
asks first and answers as usual when there is nothing to say."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from bot.core.texts import Texts
from handlers.broadcasts.policy import BroadcastPolicy
from handlers.broadcasts.rendering import Speaker, outage_values
from nlp.classification import Classification
from storage.broadcasts.models import Outage
from storage.directory.models import Chat, Community
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# Utility words in owners' questions (Simplified, Traditional and Cantonese).
_ASKS = {
    "water": re.compile(r"[来來停供断斷冇没沒通复復]水|水[停来來]|水压|水壓|水箱"),
    "power": re.compile(r"[来來停供断斷冇没沒通复復][电電]|[电電][停来來]"),
    "gas": re.compile(r"[来來停供断斷冇没沒通复復][气氣]|燃[气氣]|煤[气氣]"),
}


@dataclass(frozen=True)
class OutageAnswer:
    """What to reply to the owner, and the outage (T{outage_id}) it was answered from."""

    text: str
    outage_id: int


def asked_utility(text: str) -> str | None:
    for utility, pattern in _ASKS.items():
        if pattern.search(text):
            return utility
    return None


def covers(outage: Outage, chat_buildings: list[str], building: str | None) -> bool:
    if not outage.buildings:
        return True
    if building is not None:
        return building in outage.buildings
    return not chat_buildings or "*" in chat_buildings or bool(set(chat_buildings) & set(outage.buildings))


def answer_key(outage: Outage, now: datetime) -> str:
    if outage.status == "restored":
        return "bc.outage.answer.restored"
    if now < outage.starts_at:
        return "bc.outage.answer.before"
    if now < outage.ends_at:
        return "bc.outage.answer.during"
    return "bc.outage.answer.overdue"


def in_window(outage: Outage, now: datetime, policy: BroadcastPolicy) -> bool:
    if outage.status == "restored" and outage.restored_at is not None:
        return now <= outage.restored_at + policy.answer_after_end
    return outage.status == "announced" and now <= outage.ends_at + policy.answer_after_end


class OutageQuestions:
    def __init__(self, texts: Texts, policy: BroadcastPolicy) -> None:
        self.texts = texts
        self.policy = policy

    async def answer(
        self,
        uow: UnitOfWork,
        text: str,
        classification: Classification,
        *,
        community: Community | None,
        chat: Chat | None,
        lang: str,
        now: datetime,
    ) -> OutageAnswer | None:
        """The answer to an owner's message in an owners' group, if it asks about an announced
        outage of their group, building and utility that is in its window; None otherwise."""
        if community is None or chat is None or chat.role != "owners":
            return None
        utility = asked_utility(text)
        if classification.category != "outage" and utility is None:
            return None
        building = classification.unit.building if classification.unit else None
        relevant = [
            outage
            for outage in await uow.broadcasts.outages(community.id, "announced", "restored")
            if in_window(outage, now, self.policy)
            and (utility is None or outage.utility == utility)
            and covers(outage, list(chat.buildings), building)
        ]
        if not relevant:
            return None
        speaker = Speaker(self.texts, lang)
        lines = [speaker.t(answer_key(o, now), **outage_values(o, community, speaker)) for o in relevant[:3]]
        log.info("outage question in chat %d answered from T%d", chat.id, relevant[0].id)
        return OutageAnswer("\n".join(lines), relevant[0].id)
