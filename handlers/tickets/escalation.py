"""An urgent message is never merged silently: when it joins a ticket that is not urgent (an
incident other owners reported, or the owner's own ticket), the ticket becomes urgent. The
urgent SLA applies from that moment (a new SLA cycle, so the watch's reminders and
escalations fire for the urgent window), the card goes out again titled as an escalation with
the urgent report on it, to the stewards and (urgent) to the supervisors, and the audit trail
records who made it urgent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.tickets import tell
from handlers.tickets.cards import Wording
from handlers.tickets.sla import Deadlines, SlaBook
from storage.directory.models import Community, Member
from storage.tickets.models import Ticket
from storage.tickets.repository import Reporter
from storage.tickets.status import ACTIVE
from storage.uow import UnitOfWork

URGENT = "urgent"


async def escalate(
    uow: UnitOfWork,
    sla: SlaBook,
    w: Wording,
    ticket: Ticket,
    community: Community,
    member: Member,
    report: Reporter,
    now: datetime,
) -> Deadlines:
    """Make `ticket` urgent because of `report` (by `member`); returns the new deadlines."""
    deadlines = sla.deadlines(ticket.kind, ticket.category, URGENT, now, ZoneInfo(community.timezone))
    ticket.priority = URGENT
    ticket.sla_started_at = now
    ticket.respond_due_at = deadlines.respond_due
    ticket.resolve_due_at = deadlines.resolve_due
    if ticket.arrived_at is None:
        ticket.onsite_due_at = deadlines.onsite_due
    ticket.updated_at = now
    await uow.tickets.record(
        ticket, at=now, actor=f"member:{member.id}", action="escalated", note=f"sla={deadlines.policy}"
    )
    assignee = await uow.directory.steward(ticket.assignee_id) if ticket.assignee_id else None
    owner = await uow.directory.member(ticket.owner_member_id) if ticket.owner_member_id else None
    name = owner.display_name if owner is not None else ""
    await tell.card(uow, w, ticket, community, assignee, name, now, escalated=report)
    return deadlines


async def raise_for_alert(
    uow: UnitOfWork,
    sla: SlaBook,
    w: Wording,
    ticket: Ticket,
    community: Community,
    alert_id: int,
    tier: int,
    now: datetime,
    edits_in_place: Callable[[str], bool] | None = None,
) -> bool:
    """A tier-2/3 opinion alert about an open ticket makes it urgent (issue 21, item 4): the
    urgent SLA from now (a new cycle), the audit trail naming the alert, a line under its
    card. False when the ticket is closed or urgent already."""
    if ticket.status not in ACTIVE or ticket.priority == URGENT:
        return False
    deadlines = sla.deadlines(ticket.kind, ticket.category, URGENT, now, ZoneInfo(community.timezone))
    ticket.priority = URGENT
    ticket.sla_started_at = now
    ticket.respond_due_at = deadlines.respond_due
    ticket.resolve_due_at = deadlines.resolve_due
    ticket.updated_at = now
    await uow.tickets.record(
        ticket,
        at=now,
        actor="system",
        action="opinion_raised",
        note=f"alert={alert_id} tier={tier} sla={deadlines.policy}",
    )
    tz = ZoneInfo(community.timezone)
    text = w.t(
        "t.staff.opinion_raised",
        number=ticket.number,
        id=alert_id,
        tier=tier,
        respond=deadlines.respond_due.astimezone(tz).strftime("%m-%d %H:%M"),
        resolve=deadlines.resolve_due.astimezone(tz).strftime("%m-%d %H:%M"),
    )
    await tell.under_card(uow, w, ticket, community, text, now, urgent=True, edits_in_place=edits_in_place)
    return True
