"""From an owner's report to a ticket: a new one (number, SLA deadlines, assignee, the audit
events, the card in the stewards' group, the owner's acknowledgement), or the one the report
belongs to (the owner chasing their own, or an incident other owners reported). All in the
caller's transaction; `TicketService` offers these to intake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.events import Outgoing
from bot.core.outbox import priority_for, send_to_chat
from handlers.tickets import cards, lifecycle, tell
from handlers.tickets.assignment import choose_assignee, report_building
from handlers.tickets.cards import Wording
from handlers.tickets.sla import Deadlines, SlaBook
from nlp.classification import Classification
from storage.directory.models import Chat, Community, Member, Steward
from storage.tickets.models import Ticket
from storage.tickets.status import ACTIVE
from storage.uow import UnitOfWork

PREFIX = {"repair": "BX", "complaint": "TS", "inquiry": "ZX"}
SUMMARY_LIMIT = 500
INCIDENT_WINDOW = timedelta(minutes=120)  # reports of the same thing this close together are one incident
STAFF_MILESTONES = (2, 3, 5, 10, 20)  # merged reporters the stewards' group is told of ...
STAFF_EVERY = 50  # ... and every this many after


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

    @property
    def lane(self) -> str:
        """Replies to this owner queue in their lane (`bot.core.outbox`, fairness)."""
        return f"member:{self.member.id}"

    def answer(self, text: str) -> Outgoing:
        """A reply under the report, in its thread."""
        return Outgoing(
            text=text, reply_to=self.message_id, thread_id=self.thread_id, reply_hint=self.reply_hint
        )


@dataclass(frozen=True)
class Opened:
    ticket: Ticket
    assignee: Steward | None
    deadlines: Deadlines


def building_of(report: Report, classification: Classification) -> str | None:
    unit = classification.unit
    return report_building(
        report.text,
        unit.building if unit and unit.building else None,
        report.member.unit,
        report.chat.buildings,
        report.community.buildings,
    )


def tells_staff(reporters: int) -> bool:
    """Whether the stewards' group hears of this many reporters: at the first few and then
    at round numbers. Each owner is answered in their group; a line in the stewards' group
    for every one of a hundred owners reporting a burst water main would bury the rest of the
    group's work (and exceed what a platform lets a bot post in a group)."""
    return reporters in STAFF_MILESTONES or reporters % STAFF_EVERY == 0


async def open_ticket(
    uow: UnitOfWork,
    sla: SlaBook,
    w: Wording,
    report: Report,
    classification: Classification,
    now: datetime,
    kind: str,
) -> Opened:
    community, member = report.community, report.member
    tz = ZoneInfo(community.timezone)
    priority = "urgent" if classification.urgent else "normal"
    unit = classification.unit
    building = building_of(report, classification)
    deadlines = sla.deadlines(kind, classification.category, priority, now, tz)
    roster = await uow.directory.roster(community.id)
    counts = await uow.directory.open_ticket_counts(community.id)
    # Nobody on duty who covers it: the ticket stays unassigned, its card offers 「接单」 to
    # any steward, and the supervisors are asked to dispatch it (see tell.card).
    assignee = choose_assignee(roster, building, classification.category, now.astimezone(tz), counts)
    day = now.astimezone(tz).strftime("%Y%m%d")
    serial = await uow.tickets.next_counter(f"ticket:{PREFIX[kind]}:{day}")
    ticket = Ticket(
        number=f"{PREFIX[kind]}-{day}-{serial:04d}",
        community_id=community.id,
        kind=kind,
        category=classification.category,
        priority=priority,
        building=building,
        unit=(unit.canonical() if unit else member.unit),
        summary=report.text[:SUMMARY_LIMIT],
        owner_member_id=member.id,
        source_chat_id=report.chat.id,
        source_message_id=report.message_id,
        created_at=now,
        updated_at=now,
        respond_due_at=deadlines.respond_due,
        resolve_due_at=deadlines.resolve_due,
        sla_started_at=now,
    )
    await lifecycle.start(
        uow.tickets,
        ticket,
        assignee,
        actor=f"member:{member.id}",
        at=now,
        note=f"sla={deadlines.policy} rules={','.join(classification.rules[:8])}",
    )
    await tell.card(uow, w, ticket, community, assignee, member.display_name or "", now)
    await send_to_chat(
        uow,
        report.chat,
        report.answer(cards.acknowledgement(w, ticket, deadlines)),
        now,
        ref_type="ticket_ack",
        ref_id=ticket.id,
        priority=priority_for(ticket.priority == "urgent"),
        lane=report.lane,
    )
    return Opened(ticket, assignee, deadlines)


async def join_incident(
    uow: UnitOfWork, w: Wording, report: Report, classification: Classification, now: datetime
) -> Ticket | None:
    community, member = report.community, report.member
    if classification.category is None:
        return None
    incident = await uow.tickets.find_incident(
        community.id,
        classification.category,
        building_of(report, classification),
        report.chat.id,
        now - INCIDENT_WINDOW,
        member.id,
    )
    if incident is None:
        return None
    ticket = incident.ticket
    if ticket.owner_member_id == member.id or incident.following:
        await send_to_chat(
            uow, report.chat, report.answer(w.t("t.owner.again", number=ticket.number)), now, lane=report.lane
        )
        return ticket
    await uow.tickets.add_follower(ticket, member.id, report.chat.id, report.message_id, now)
    reporters = 2 + incident.followers  # the first reporter, those before, and this one
    await uow.tickets.record(
        ticket, at=now, actor=f"member:{member.id}", action="merged", note=f"reporters={reporters}"
    )
    await send_to_chat(
        uow,
        report.chat,
        report.answer(w.t("t.owner.merged", n=reporters, number=ticket.number)),
        now,
        lane=report.lane,
    )
    if tells_staff(reporters):
        text = w.t("t.staff.merged", number=ticket.number, n=reporters)
        await tell.staff(uow, ticket.community_id, text, now)
    return ticket


async def chase(uow: UnitOfWork, w: Wording, report: Report, now: datetime) -> Ticket | None:
    community, member = report.community, report.member
    mine = [
        t
        for t in await uow.tickets.visible_to_owner(member.id)
        if t.community_id == community.id and t.status in ACTIVE
    ]
    if not mine:
        return None
    ticket = mine[0]
    await uow.tickets.record(ticket, at=now, actor=f"member:{member.id}", action="chased")
    await send_to_chat(
        uow, report.chat, report.answer(w.t("t.owner.again", number=ticket.number)), now, lane=report.lane
    )
    await tell.staff(uow, ticket.community_id, w.t("t.staff.chased", number=ticket.number), now)
    return ticket
