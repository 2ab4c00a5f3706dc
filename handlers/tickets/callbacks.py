"""100 % 回访 (issue 21, item 5): every resolved ticket ends with its owner's rating, given in
chat or by phone.

- The SLA watch (`jobs.check_sla`) calls `rating_clock` for each resolved ticket: once, a day
  before an unrated ticket closes (`SlaBook.rating`, sla.toml's `[rating]`), the owner is
  reminded with the rating buttons again; at the close the ticket is closed unrated and put
  on its community's 回访 list (`ticket_callbacks`).
- `/callbacks` lists the calls owed in the steward's community; a button under each records
  the outcome of the call (reached with the rating given by phone, not reached, refused).
  A call not reached stays on the list; reached or refused takes it off. A rating given by
  phone is the ticket's rating; 「不满意」 by phone alerts the supervisors (a closed ticket is
  not reopened: the supervisors decide what to do).
- Owners merged into a ticket (followers) get the rating buttons with the resolution and
  their rating is recorded on the ticket's audit trail (`follower_rated`, once each).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Button
from bot.core.roles import Role
from handlers.shared.privacy import mask_name
from handlers.tickets import cards, lifecycle, tell
from handlers.tickets.buttons import CallPress
from handlers.tickets.cards import Wording
from handlers.tickets.sla import RatingTimes
from storage.tickets.models import Ticket, TicketCallback
from storage.tickets.status import TicketStatus
from storage.uow import UnitOfWork

LIST_LIMIT = 10  # calls shown (each with its buttons) in one /callbacks answer
OUTCOMES = ("reached", "not_reached", "refused")


async def rating_clock(
    uow: UnitOfWork, w: Wording, times: RatingTimes, ticket: Ticket, now: datetime
) -> None:
    """A resolved ticket waiting for its rating: the one reminder, then the close and the call."""
    requested = ticket.rating_requested_at
    if requested is None:
        return
    waited = now - requested
    if waited >= times.wait:
        with contextlib.suppress(DomainError):  # the owner rated it meanwhile: their rating stands
            await lifecycle.transition(
                uow.tickets, ticket, TicketStatus.CLOSED, actor="system", at=now, action="auto_closed"
            )
            if ticket.owner_member_id is not None and await uow.tickets.add_callback(ticket, now):
                await uow.tickets.record(ticket, at=now, actor="system", action="callback_due")
        return
    if ticket.owner_member_id is not None and ticket.rating_reminded_at is None and waited >= times.remind_at:
        ticket.rating_reminded_at = now
        await uow.tickets.record(ticket, at=now, actor="system", action="rating_reminded")
        await tell.owner(
            uow,
            ticket,
            w.t("t.rating.remind", number=ticket.number),
            now,
            buttons=cards.rating_buttons(w, ticket),
            ref_type="rating_request",
        )


@dataclass(frozen=True)
class DueCall:
    callback: TicketCallback
    ticket: Ticket
    owner: str  # the owner's name, masked


@dataclass(frozen=True)
class DueCalls:
    calls: list[DueCall]
    total: int


async def due_calls(uow: UnitOfWork, actor: Actor) -> DueCalls:
    """The calls owed in the actor's community (an admin: every community's)."""
    community_id = actor.community_id
    if community_id is None and actor.role is not Role.ADMIN:
        raise DomainError("err.forbidden", role=Role.STEWARD.value)
    rows = await uow.tickets.due_callbacks(community_id, limit=LIST_LIMIT)
    calls = []
    for callback, ticket in rows:
        owner = await uow.directory.member(ticket.owner_member_id) if ticket.owner_member_id else None
        calls.append(DueCall(callback, ticket, mask_name(owner.display_name if owner else "")))
    return DueCalls(calls, await uow.tickets.count_due_callbacks(community_id))


def call_list(w: Wording, due: DueCalls) -> str:
    if not due.calls:
        return w.t("t.cb.none")
    lines = [w.t("t.cb.title", n=due.total)]
    for n, call in enumerate(due.calls, 1):
        ticket = call.ticket
        lines.append(
            w.t(
                "t.cb.line",
                n=n,
                number=ticket.number,
                category=w.category(ticket.category, ticket.kind),
                place=w.place(ticket.building),
                owner=call.owner,
                attempts=w.t("t.cb.attempts", n=call.callback.attempts) if call.callback.attempts else "",
            )
        )
    if due.total > len(due.calls):
        lines.append(w.t("t.cb.more", n=due.total - len(due.calls)))
    return "\n".join(lines)


def call_buttons(w: Wording, due: DueCalls) -> tuple[tuple[Button, ...], ...]:
    """Under each call: reached with each rating, not reached, refused."""
    rows = []
    for n, call in enumerate(due.calls, 1):
        cid = call.callback.id
        reached = tuple(
            Button(w.t("t.cb.btn.reached", n=n, rating=w.rating(label)), CallPress("reached", cid, i).pack())
            for i, label in enumerate(lifecycle.RATINGS)
        )
        rows.append(reached)
        rows.append(
            (
                Button(w.t("t.cb.btn.not_reached", n=n), CallPress("not_reached", cid, 0).pack()),
                Button(w.t("t.cb.btn.refused", n=n), CallPress("refused", cid, 0).pack()),
            )
        )
    return tuple(rows)


@dataclass(frozen=True)
class Called:
    ticket: Ticket
    outcome: str
    rating: str | None
    done: bool  # off the list


async def record_call(uow: UnitOfWork, w: Wording, actor: Actor, press: CallPress, now: datetime) -> Called:
    """A steward's call on a 回访: recorded on the call and the ticket's audit trail; a rating
    given by phone becomes the ticket's (an unhappy one alerts the supervisors)."""
    callback = await uow.tickets.callback(press.callback_id)
    if callback is None:
        raise DomainError("err.stale_button")
    if actor.role is not Role.ADMIN and actor.community_id != callback.community_id:
        raise DomainError("err.forbidden", role=Role.STEWARD.value)
    ticket = await uow.tickets.get(callback.ticket_id)
    assert ticket is not None
    if callback.done_at is not None:
        raise DomainError("t.cb.err.done", number=ticket.number)
    if not 0 <= press.choice < len(lifecycle.RATINGS):
        raise DomainError("err.stale_button")
    rating = lifecycle.RATINGS[press.choice] if press.outcome == "reached" else None
    done = press.outcome != "not_reached"
    who = f"steward:{actor.steward.id}" if actor.steward is not None else actor.label
    values = {
        "attempts": callback.attempts + 1,
        "outcome": press.outcome,
        "rating": rating,
        "called_by": who,
        "called_at": now,
        "done_at": now if done else None,
    }
    if not await uow.tickets.settle_callback(callback.id, values):
        raise DomainError("t.cb.err.done", number=ticket.number)
    note = press.outcome if rating is None else f"{press.outcome}:{rating}"
    await uow.tickets.record(ticket, at=now, actor=who, action="callback", note=note)
    if rating is not None and ticket.rating is None:
        ticket.rating = rating
    if rating == lifecycle.UNHAPPY:
        supervisors = await uow.directory.roster(ticket.community_id, "supervisor")
        await tell.supervisors(
            uow, ticket.community_id, w.t("t.cb.unhappy", number=ticket.number), now, supervisors
        )
    return Called(ticket, press.outcome, rating, done)


async def follower_rating(
    uow: UnitOfWork, w: Wording, actor: Actor, ticket: Ticket, choice: int, now: datetime
) -> str | None:
    """A merged reporter's rating (they reported the same problem): recorded once on the
    ticket's audit trail. Returns the answer's text key, or None when `actor` is no follower."""
    if actor.member is None or not await uow.tickets.is_follower(ticket.id, actor.member.id):
        return None
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        return "t.rating.closed"
    who = f"member:{actor.member.id}"
    if await uow.tickets.last_event_at(ticket.id, "follower_rated", who) is not None:
        return "t.rating.closed"
    rating = lifecycle.RATINGS[choice]
    await uow.tickets.record(ticket, at=now, actor=who, action="follower_rated", note=rating)
    if rating == lifecycle.UNHAPPY:
        supervisors = await uow.directory.roster(ticket.community_id, "supervisor")
        await tell.supervisors(
            uow, ticket.community_id, w.t("t.cb.follower_unhappy", number=ticket.number), now, supervisors
        )
    return "t.rating.follower_thanks"
