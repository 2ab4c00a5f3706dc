"""Follow-ups belong to the owner's open ticket, never to a new one:

- a reply to one of the bot's lines about a ticket under the owner's report (the
  acknowledgement, a progress line, the rating request), whatever its words, from the ticket's
  owner or an owner following it;
- a message starting with 「补充」「还有」「另外」「仲有」 from an owner who said something on one of
  their open tickets within the follow-up window (`data/conversation.toml`);
- a chase (「點解仲未有人嚟」「还没人来」, or the classifier's repair_delay) from an owner with an
  open ticket: a 催办 on the ticket it is about (the newest open one, unless the words name
  another problem).

A note reaches the stewards under the ticket's card and the owner gets no second
acknowledgement; a chase is answered once and told to the stewards once per window (a repeat
is recorded only). An urgent follow-up on a normal ticket makes it urgent (`escalation.py`).
The lookups happen only for a message that looks like a follow-up: a reply, a marker, a chase.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from handlers.shared.privacy import owner_name, owner_text
from handlers.tickets import tell
from handlers.tickets.cards import Wording
from handlers.tickets.conversation import ConversationRules, Plain, newest_about
from handlers.tickets.escalation import URGENT, escalate
from handlers.tickets.report import Report, building_of, clip
from handlers.tickets.sla import SlaBook
from nlp.classification import Classification
from storage.tickets.models import Ticket
from storage.tickets.repository import Reporter
from storage.tickets.status import ACTIVE, TicketStatus
from storage.uow import UnitOfWork

# The bot's lines under an owner's report that a reply may answer (outbox ref types).
OWNER_REFS = frozenset({"ticket_ack", "ticket_update", "rating_request"})
# A reply adds to a ticket still being worked, or done and waiting for the owner's rating.
FOLLOWED = ACTIVE | {TicketStatus.RESOLVED}


async def follow_up(
    uow: UnitOfWork,
    sla: SlaBook,
    w: Wording,
    rules: ConversationRules,
    report: Report,
    classification: Classification,
    plain: Plain,
    now: datetime,
) -> Ticket | None:
    """The owner's ticket `report` follows up on (and the follow-up recorded), or None."""
    chased = rules.chase(classification, plain)
    said = report.said(building_of(report, classification))
    if report.reply_to:
        ticket = await replied_ticket(uow, report)
        if ticket is not None:
            if chased and ticket.status in ACTIVE:
                await chase(uow, sla, w, rules, ticket, report, said, classification, now)
            else:
                await owner_note(uow, sla, w, ticket, report, said, classification, now)
            return ticket
    supplement = rules.supplement(plain)
    if not (chased or supplement):
        return None
    mine = await uow.tickets.open_for_member(report.community.id, report.member.id)
    if chased:
        target = newest_about(mine, rules.named(classification))
        if target is not None:
            await chase(uow, sla, w, rules, target.ticket, report, said, classification, now)
            return target.ticket
    if supplement:
        recent = [m for m in mine if m.last_said is not None and now - m.last_said <= rules.window]
        if recent:
            await owner_note(uow, sla, w, recent[0].ticket, report, said, classification, now)
            return recent[0].ticket
    return None


async def replied_ticket(uow: UnitOfWork, report: Report) -> Ticket | None:
    """The ticket the bot's message `report` replies to is about, if the writer is its owner or
    follows it (another owner's reply is a message of their own)."""
    assert report.reply_to is not None
    chat, member = report.chat, report.member
    row = await uow.outbox.find_ref(chat.platform, chat.platform_chat_id, report.reply_to)
    if row is None or row.ref_type not in OWNER_REFS or row.ref_id is None:
        return None
    ticket = await uow.tickets.get(row.ref_id)
    if ticket is None or ticket.community_id != report.community.id or ticket.status not in FOLLOWED:
        return None
    if ticket.owner_member_id == member.id or await uow.tickets.is_follower(ticket.id, member.id):
        return ticket
    return None


async def owner_note(
    uow: UnitOfWork,
    sla: SlaBook,
    w: Wording,
    ticket: Ticket,
    report: Report,
    said: Reporter,
    classification: Classification,
    now: datetime,
    *,
    edits_in_place: Callable[[str], bool] | None = None,
) -> None:
    """The owner adds to their ticket: recorded, and the stewards read it under the card; the
    owner already has their acknowledgement. Urgent news on a normal ticket makes it urgent."""
    member = report.member
    await uow.tickets.record(
        ticket, at=now, actor=f"member:{member.id}", action="owner_note", note=clip(report.text)
    )
    ticket.updated_at = now
    if classification.urgent and ticket.priority != URGENT and ticket.status in ACTIVE:
        await escalate(uow, sla, w, ticket, report.community, member, said, now)
        await tell.answer(
            uow,
            report.chat,
            report.answer(w.t("t.owner.escalated", number=ticket.number)),
            ticket,
            now,
            lane=report.lane,
        )
        return
    text = w.t(
        "t.staff.owner_note",
        number=ticket.number,
        name=owner_name(said.name) if said.name else "-",
        text=owner_text(said.text),
    )
    await tell.under_card(
        uow,
        w,
        ticket,
        report.community,
        text,
        now,
        urgent=ticket.priority == URGENT,
        edits_in_place=edits_in_place,
    )


async def chase(
    uow: UnitOfWork,
    sla: SlaBook,
    w: Wording,
    rules: ConversationRules,
    ticket: Ticket,
    report: Report,
    said: Reporter,
    classification: Classification,
    now: datetime,
) -> None:
    """The owner chases (催办) their ticket: recorded; the owner is answered and the stewards
    told under the card, once per follow-up window (a repeat is recorded only)."""
    actor = f"member:{report.member.id}"
    last = await uow.tickets.last_event_at(ticket.id, "chased", actor)
    await uow.tickets.record(ticket, at=now, actor=actor, action="chased", note=clip(report.text))
    ticket.updated_at = now
    if classification.urgent and ticket.priority != URGENT:
        await escalate(uow, sla, w, ticket, report.community, report.member, said, now)
        await tell.answer(
            uow,
            report.chat,
            report.answer(w.t("t.owner.escalated", number=ticket.number)),
            ticket,
            now,
            lane=report.lane,
        )
        return
    if last is not None and now - last < rules.window:
        return
    await tell.answer(
        uow,
        report.chat,
        report.answer(w.t("t.owner.again", number=ticket.number)),
        ticket,
        now,
        lane=report.lane,
    )
    text = w.t(
        "t.staff.chased",
        number=ticket.number,
        name=owner_name(said.name) if said.name else "-",
        text=owner_text(said.text),
    )
    await tell.under_card(uow, w, ticket, report.community, text, now, urgent=ticket.priority == URGENT)
