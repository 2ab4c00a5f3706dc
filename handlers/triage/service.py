"""The stewards' triage of uncertain owner messages, for every entry point (intake, the digest
job, the digest's buttons):

- **keep** (intake): an owner's message the classifier could act on but was not sure of
  (`Classification.uncertain`) opens no ticket and gets no answer; intake logs it and keeps it
  here, one INSERT.
- **the digest** (a job, per community, at the policy's local times): the messages kept since
  the last digest, one short message in the stewards' groups, a line each (owner's name and
  building masked, the time, a masked excerpt, the classifier's guess) with 开单 / 忽略. Nothing
  is posted when there is nothing. Each slot is claimed once (a unique row), so a second run,
  a second process or a restart posts nothing twice.
- **a decision** (a steward's press, once per line: the item leaves "pending" by a conditional
  UPDATE, and a second press is answered 已处理): 开单 does what intake would have done had the
  classifier been sure (a repair or complaint joins the same problem's open ticket, else a
  ticket opens: assignment, card, the owner's acknowledgement under their message, the SLA
  from when the owner wrote); 忽略 does nothing more. Either way the message is kept as a
  labelled example (source "digest": the kind guessed, or `other`), and the digest shows the
  outcome (rewritten in place where the platform edits in place; elsewhere a line under it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Outgoing
from bot.core.outbox import send_to_chat
from bot.core.services import Services
from handlers.tickets import Report, TicketService, building_of
from handlers.triage.buttons import Decision
from handlers.triage.digest import Wording, outcome, render
from handlers.triage.policy import TriagePolicy
from nlp.classification import Classification, Intent
from storage.directory.models import Community
from storage.feedback.models import LabelledExample
from storage.messages.models import MessageLog
from storage.tickets.models import Ticket
from storage.triage.models import TriageDigest
from storage.uow import UnitOfWork

SOURCE = "digest"
STEWARDS = "stewards"


@dataclass(frozen=True)
class Outcome:
    """What a press did: the text key to answer the presser with, and the ticket's number."""

    key: str
    number: str = ""


def actionable(classification: Classification) -> bool:
    """An intent intake acts on (a ticket or an answer)."""
    return classification.intent is not Intent.OTHER


def keeps(classification: Classification) -> bool:
    """Whether intake keeps the message for the digest instead of acting on it: an actionable
    intent the classifier is not sure of. An urgent one is acted on all the same: the doubt is
    about the kind (repair or complaint, little evidence of the property), not the danger, and
    the danger words' own doubts (a figure of speech, a hedge, the past) are the classifier's,
    which then leaves `urgent` off. A wrong kind is corrected on the card (改为…)."""
    return classification.uncertain and actionable(classification) and not classification.urgent


def labels(entry: MessageLog) -> dict[str, Any]:
    """The classifier's labels as logged, in the corpus's terms."""
    return {
        "intent": entry.intent,
        "category": entry.category,
        "urgent": bool(entry.urgent),
        "negative": bool(entry.negative),
        "risk": int(entry.risk or 0),
    }


class TriageService:
    def __init__(self, services: Services, tickets: TicketService, policy: TriagePolicy) -> None:
        self.services = services
        self.classifier = services.classifier
        self.tickets = tickets
        self.policy = policy

    def wording(self, community: Community) -> Wording:
        return Wording(self.services.texts, self.classifier, community)

    # -- intake ------------------------------------------------------------------------------------
    async def keep(
        self, uow: UnitOfWork, report: Report, classification: Classification, entry: MessageLog
    ) -> None:
        """Keep a logged owner's message for the next digest (one INSERT)."""
        await uow.triage.keep(
            community_id=report.community.id,
            chat_id=report.chat.id,
            message_id=entry.id,
            member_id=report.member.id,
            building=building_of(report, classification),
            thread_id=report.thread_id,
            sent_at=entry.sent_at,
        )

    # -- the digest --------------------------------------------------------------------------------
    def slot(self, community: Community, now: datetime) -> datetime | None:
        """The latest of the policy's local times at or before `now` (today's, else yesterday's
        last): the digest due now. None when the policy has no times."""
        if not self.policy.times:
            return None
        tz = ZoneInfo(community.timezone)
        local = now.astimezone(tz)
        times = sorted(self.policy.times)
        today = [datetime.combine(local.date(), t, tz) for t in times]
        past = [s for s in today if s <= local]
        if past:
            return past[-1]
        return datetime.combine(local.date() - timedelta(days=1), times[-1], tz)

    async def due(self, uow: UnitOfWork, now: datetime) -> list[tuple[int, datetime]]:
        """Each community whose digest due now has not been made: (community id, slot)."""
        slots: list[tuple[int, datetime]] = []
        for community in await uow.directory.communities():
            slot = self.slot(community, now)
            if slot is not None:
                slots.append((community.id, slot))
        done = await uow.triage.claimed_slots(slots)
        return [pair for pair in slots if pair not in done]

    async def send_digest(self, uow: UnitOfWork, community_id: int, slot: datetime, now: datetime) -> bool:
        """Make the slot's digest: the messages kept since the last one (at most the policy's
        lines; the rest wait for the next), posted in every stewards' group. False if the slot
        was made before or there was nothing to post (then nothing is posted)."""
        chats = await uow.directory.chats_with_role(community_id, STEWARDS)
        community = await uow.directory.community(community_id)
        if community is None:
            return False
        digest = await uow.triage.claim_slot(community_id, slot, now)
        if digest is None or not chats:
            return False  # no stewards' group: the messages wait, unlisted
        since = now - self.policy.horizon
        lines = await uow.triage.unlisted(community_id, since, self.policy.lines)
        if not lines:
            return False
        more = 0
        if len(lines) == self.policy.lines:
            more = await uow.triage.count_unlisted(community_id, since) - len(lines)
        await uow.triage.list_in(digest, [line.item for line in lines])
        digest.more = more
        text, buttons = render(self.wording(community), lines, more, self.policy.excerpt, {})
        rows: list[int] = []
        for chat in chats:
            row = await uow.outbox.enqueue(
                platform=chat.platform,
                platform_chat_id=chat.platform_chat_id,
                chat_id=chat.id,
                payload=Outgoing(text=text, buttons=buttons).to_json(),
                now=now,
                ref_type="triage_digest",
                ref_id=digest.id,
            )
            if row is not None:
                rows.append(row)
        digest.rows = rows
        return True

    # -- a steward's decision ------------------------------------------------------------------------
    async def decide(
        self, uow: UnitOfWork, actor: Actor, item_id: int, decision: Decision, now: datetime
    ) -> Outcome:
        """开单 or 忽略 on a line of the digest, by staff of its community; once."""
        item = await uow.triage.item(item_id)
        if item is None:
            raise DomainError("err.stale_button")
        steward = actor.steward
        if steward is None or steward.community_id != item.community_id:
            raise DomainError("err.stale_button")  # another community's: as if there were none
        entry = await uow.messages.get(item.message_id)
        community = await uow.directory.community(item.community_id)
        chat = await uow.directory.chat(item.chat_id)
        member = await uow.directory.member(item.member_id)
        assert entry is not None and community is not None and chat is not None and member is not None
        # The decision first: of two presses, one wins here; the loser changes nothing.
        state = "ignored" if decision == "ignore" else "opened"
        if not await uow.triage.decide(item, state, actor.label, now):
            return Outcome("tr.answer.done")
        predicted = labels(entry)
        if decision == "ignore":
            corrected = {**predicted, "intent": Intent.OTHER.value, "category": None, "urgent": False}
            result = Outcome("tr.answer.ignored")
        else:
            report = Report(community, chat, member, entry.text, entry.platform_message_id, item.thread_id)
            ticket, joined = await self._open(uow, report, entry, now)
            item.ticket_id = entry.ticket_id = ticket.id
            if joined:
                item.state = "joined"
            corrected = dict(predicted)
            result = Outcome("tr.answer.joined" if joined else "tr.answer.opened", ticket.number)
        await uow.feedback.add(
            LabelledExample(
                community_id=community.id,
                ticket_id=item.ticket_id,
                text=entry.text,
                predicted=predicted,
                corrected=corrected,
                actor=actor.label,
                source=SOURCE,
                created_at=now,
            )
        )
        if item.digest_id is not None:
            digest = await uow.triage.digest(item.digest_id)
            if digest is not None:
                await self._show(uow, community, digest, item.id, now)
        return result

    async def _open(
        self, uow: UnitOfWork, report: Report, entry: MessageLog, now: datetime
    ) -> tuple[Ticket, bool]:
        """What intake does with a message it is sure of: a repair or complaint joins the same
        problem's open ticket, or a ticket opens (for an inquiry too: the stewards asked for
        one). Its SLA starts now: the owner was promised nothing until this acknowledgement, and a
        clock started at the owner's message would escalate a digest's repairs to the manager at once. The classification is the logged one (the
        classifier may have changed since); the unit is read from the text again."""
        found = self.classifier.classify(entry.text)
        classification = dataclasses.replace(
            found,
            intent=Intent(entry.intent or Intent.OTHER.value),
            category=entry.category,
            urgent=bool(entry.urgent),
            rules=tuple(entry.rules or ()),
            uncertain=False,
            uncertain_reason=None,
        )
        if classification.intent in (Intent.REPAIR, Intent.COMPLAINT):
            joined = await self.tickets.join(uow, report, classification, now)
            if joined is not None:
                return joined, True
        opened = await self.tickets.open(uow, report, classification, now, kind=classification.intent.value)
        return opened.ticket, False

    async def _show(
        self, uow: UnitOfWork, community: Community, digest: TriageDigest, item_id: int, now: datetime
    ) -> None:
        """The decision where the digest was posted: the digest rewritten in place (the line
        shows the outcome and loses its buttons) where the platform edits in place, else a line
        under the digest."""
        lines = await uow.triage.lines(digest.id)
        deciders: dict[str, str] = {}
        for line in lines:
            label = line.item.decided_by or ""
            if label.startswith("steward:") and label not in deciders:
                steward = await uow.directory.steward(int(label.split(":", 1)[1]))
                deciders[label] = steward.name if steward is not None else "-"
        w = self.wording(community)
        decided = next(line for line in lines if line.item.id == item_id)
        rewritten: tuple[str, Any] | None = None
        for row in await uow.triage.posted(digest):
            chat = await uow.directory.chat(row.chat_id) if row.chat_id is not None else None
            if chat is None:
                continue
            if row.platform_message_id and self.services.capabilities(chat.platform).edit_in_place:
                if rewritten is None:
                    rewritten = render(w, lines, digest.more, self.policy.excerpt, deciders)
                text, buttons = rewritten
                message = Outgoing(text=text, buttons=buttons, edit_of=row.platform_message_id)
                await send_to_chat(uow, chat, message, now, ref_type="triage_digest_edit", ref_id=digest.id)
                continue
            told = outcome(w, decided, deciders.get(decided.item.decided_by or "", "-"), "tr.told")
            await send_to_chat(uow, chat, Outgoing(text=told, reply_to=row.platform_message_id), now)
