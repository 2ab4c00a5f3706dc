"""The emergency clock: arrival on site and the progress prompts of an urgent ticket.

- 「已到场」 (the card's button, /arrive, 「@物业管家 已到场 BX-…」) records when the steward got
  there (`Ticket.arrived_at`); the on-site window (the policy's `onsite`, 1 h when urgent) is a
  phase of the SLA watch (`jobs.py`), reminded at 80 % and escalated at 100 % and 200 % as
  the response and resolution windows are, until someone arrives.
- While an urgent ticket is open its steward is asked for a progress note every `progress`
  minutes (30): one prompt per interval and chat, settled by the outbox's dedupe key, so two
  watches ask once (the first records the audit event); nothing once it is resolved.
- Every owner merged into an urgent incident hears each step (accepted, arrived, a progress
  note, resolved), not only the resolution (`tell_followers`).
"""

from __future__ import annotations

from datetime import datetime

from bot.core.events import Outgoing
from bot.core.outbox import priority_for, send_to_chat
from handlers.shared.privacy import mask_unit
from handlers.tickets import cards, tell
from handlers.tickets.cards import Wording
from handlers.tickets.sla import SlaBook, progress_interval
from storage.directory.models import Community
from storage.tickets.models import PROMPT_ACTION, Ticket
from storage.tickets.status import ACTIVE
from storage.uow import UnitOfWork

URGENT = "urgent"


async def tell_followers(uow: UnitOfWork, w: Wording, ticket: Ticket, step: str, now: datetime) -> None:
    """An urgent incident's merged reporters hear `step` (already worded), each under their own
    report; a ticket that is not urgent tells them only of its resolution (as before)."""
    if ticket.priority != URGENT:
        return
    text = w.t(
        "t.owner.merged_step",
        number=ticket.number,
        category=w.category(ticket.category, ticket.kind),
        place=w.place(ticket.building),
        step=step,
    )
    await tell.followers(uow, ticket, text, now)


def due_prompts(book: SlaBook, ticket: Ticket, now: datetime) -> int:
    """Which progress prompt an open ticket is due (1 at the first interval after it was opened
    or last reopened, 2 at the second, …); 0: none (not urgent, not open, too early)."""
    interval = progress_interval(book, ticket)
    if interval is None or ticket.status not in ACTIVE:
        return 0
    start = ticket.sla_started_at or ticket.created_at
    return int((now - start) / interval)


async def prompt_progress(
    store: UnitOfWork, w: Wording, community: Community, ticket: Ticket, n: int, now: datetime
) -> bool:
    """Ask the ticket's steward (the supervisors while nobody has it) for progress note `n`,
    in the stewards' groups under the card: once, whoever else watches. True if asked now."""
    cycle = int((ticket.sla_started_at or ticket.created_at).timestamp())
    if await store.tickets.has_event(ticket.id, PROMPT_ACTION, f"{n}@{cycle}"):
        return False  # asked already (the common case: the watch runs every minute)
    assignee = await store.directory.steward(ticket.assignee_id) if ticket.assignee_id else None
    people = [assignee] if assignee else list(await store.directory.roster(community.id, "supervisor"))
    minutes = int((now - (ticket.sla_started_at or ticket.created_at)).total_seconds() // 60)
    text = w.t(
        "t.staff.progress_prompt",
        number=ticket.number,
        category=w.category(ticket.category, ticket.kind),
        place=mask_unit(ticket.building, community.language) if ticket.building else w.t("place.unknown"),
        minutes=minutes,
        arrived=w.t("t.prompt.arrived") if ticket.arrived_at else w.t("t.prompt.not_arrived"),
    )
    sent = {
        row.chat_id: row.platform_message_id
        for row in await store.tickets.cards(ticket)
        if row.platform_message_id is not None
    }
    asked = False
    for chat in await store.directory.chats_with_role(community.id, "stewards"):
        asked |= await send_to_chat(
            store,
            chat,
            Outgoing(
                text=text, mentions=cards.mentions_of(people, chat.platform), reply_to=sent.get(chat.id)
            ),
            now,
            ref_type="progress_prompt",
            ref_id=ticket.id,
            dedupe_key=f"prompt:{ticket.id}:{n}@{cycle}:{chat.id}",
            priority=priority_for(True),
        )
    if asked:
        await store.tickets.record(ticket, at=now, actor="system", action=PROMPT_ACTION, note=f"{n}@{cycle}")
    return asked


def minutes_to_arrival(ticket: Ticket) -> float | None:
    """Minutes from the report to 「已到场」 (None: nobody said they arrived)."""
    if ticket.arrived_at is None:
        return None
    return (ticket.arrived_at - ticket.created_at).total_seconds() / 60
