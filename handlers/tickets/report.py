"""An owner's message in their group as tickets see it (`Report`), and the building it is about."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.events import Outgoing
from handlers.tickets.assignment import report_building
from nlp.classification import Classification
from storage.directory.models import Chat, Community, Member
from storage.tickets.repository import Reporter

SUMMARY_LIMIT = 500


@dataclass(frozen=True)
class Report:
    """An owner's message in their group, as a ticket is opened from it (or it joins one)."""

    community: Community
    chat: Chat
    member: Member
    text: str
    message_id: str
    thread_id: str | None = None
    reply_hint: str | None = None  # the platform's reply hook, passed on untouched
    reply_to: str | None = None  # the platform message id it replies to (the bot's ack, …)

    @property
    def lane(self) -> str:
        """Replies to this owner queue in their lane (`bot.core.outbox`, fairness)."""
        return f"member:{self.member.id}"

    def answer(self, text: str) -> Outgoing:
        """A reply under the report, in its thread."""
        return Outgoing(
            text=text, reply_to=self.message_id, thread_id=self.thread_id, reply_hint=self.reply_hint
        )

    def said(self, building: str | None) -> Reporter:
        """The report as the stewards read it (masked where it is shown)."""
        return Reporter(self.member.display_name or "", building, self.text[:SUMMARY_LIMIT])


def building_of(report: Report, classification: Classification) -> str | None:
    unit = classification.unit
    return report_building(
        report.text,
        unit.building if unit and unit.building else None,
        report.member.unit,
        report.chat.buildings,
        report.community.buildings,
    )
