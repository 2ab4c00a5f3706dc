"""An owner's message in their group as tickets see it (`Report`), and the building it is about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.events import Mention, Outgoing
from handlers.tickets.assignment import report_building
from nlp.classification import Classification
from storage.directory.models import Chat, Community, Member
from storage.tickets.repository import Reporter

SUMMARY_LIMIT = 500
# A message whose own time is this much before it reached us arrived late (an archive import,
# a backlog after downtime); live messages' platform times differ from ours by clock skew.
LATE = timedelta(minutes=1)


def clip(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """`text` in at most `limit` characters, ending in 「…」 where it was cut. A cut never
    splits a run of digits or Latin letters (a phone number, a unit): the run goes whole, so
    masking downstream still sees every number it has to hide, or none of it."""
    if len(text) <= limit:
        return text
    end = limit - 1
    while end > 0 and _in_run(text[end - 1]) and _in_run(text[end]):
        end -= 1
    return text[:end].rstrip() + "…"


def _in_run(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "-")


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
    # The platform cannot show which message an answer replies to (WeCom): answers @-mention
    # the owner instead, so a busy group sees whom each acknowledgement is for.
    mention_owner: bool = False
    sent_at: datetime | None = None  # when the owner wrote it (None: now)

    @property
    def lane(self) -> str:
        """Replies to this owner queue in their lane (`bot.core.outbox`, fairness)."""
        return f"member:{self.member.id}"

    def answer(self, text: str) -> Outgoing:
        """A reply under the report, in its thread (@-mentioning the owner where a reply does
        not show what it answers)."""
        member = self.member
        mentions = (Mention(member.platform_user_id, member.display_name),) if self.mention_owner else ()
        return Outgoing(
            text=text,
            reply_to=self.message_id,
            thread_id=self.thread_id,
            reply_hint=self.reply_hint,
            mentions=mentions,
        )

    def clock_from(self, now: datetime) -> datetime | None:
        """When the owner's SLA clock starts if not `now`: the message's own time, if it
        reached us late (`LATE`). The owner has waited since they wrote, not since the
        import that brought their message in."""
        if self.sent_at is not None and self.sent_at < now - LATE:
            return self.sent_at
        return None

    def said(self, building: str | None) -> Reporter:
        """The report as the stewards read it (masked where it is shown)."""
        return Reporter(self.member.display_name or "", building, clip(self.text))


def building_of(report: Report, classification: Classification) -> str | None:
    unit = classification.unit
    return report_building(
        report.text,
        unit.building if unit and unit.building else None,
        report.member.unit,
        report.chat.buildings,
        report.community.buildings,
    )
