"""From an owner's report to a ticket: a new one (number, SLA deadlines, assignee, the audit
events, the card in the stewards' group, the owner's acknowledgement), or the incident it
belongs to: the same problem, reported recently in the same building (or chat), either shared
by nature (the lift, a water main, a public area) or about the same flat. All in the caller's
transaction; `TicketService` offers these to intake.

Merging is never silent about urgency: an urgent report joining a normal ticket makes it urgent
(`escalation.py`), and every reporter of an urgent ticket reaches the stewards with what they
wrote; for a normal incident the stewards hear of reporters at milestones (2, 3, 5, 10, 20,
every 50), each time with the reporters since the last one, under the card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.tickets import cards, lifecycle, tell
from handlers.tickets.assignment import back_on_duty, choose_assignee
from handlers.tickets.cards import Wording
from handlers.tickets.conversation import flat_of
from handlers.tickets.escalation import URGENT, escalate
from handlers.tickets.followups import owner_note
from handlers.tickets.report import Report, building_of, clip
from handlers.tickets.sla import Deadlines, SlaBook
from nlp.classification import Classification
from storage.directory.models import Steward
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork

PREFIX = {"repair": "BX", "complaint": "TS", "inquiry": "ZX"}
INCIDENT_WINDOW = timedelta(minutes=120)  # reports of the same thing this close together are one incident
STAFF_MILESTONES = (2, 3, 5, 10, 20)  # merged reporters the stewards' group is told of ...
STAFF_EVERY = 50  # ... and every this many after


@dataclass(frozen=True)
class Opened:
    ticket: Ticket
    assignee: Steward | None
    deadlines: Deadlines


def tells_staff(reporters: int) -> bool:
    """Whether the stewards' group hears of this many reporters: at the first few and then
    at round numbers. Each owner is answered in their group; a line in the stewards' group
    for every one of a hundred owners reporting a burst water main would bury the rest of the
    group's work (and exceed what a platform lets a bot post in a group)."""
    return reporters in STAFF_MILESTONES or reporters % STAFF_EVERY == 0


def told_before(reporters: int) -> int:
    """The reporter count the stewards' group last heard of before `reporters` (1: the card)."""
    return max((n for n in range(2, reporters) if tells_staff(n)), default=1)


def incident_key(community_id: int, building: str | None, chat_id: int, category: str) -> str:
    """What a merge decides about: the problem (category) in one building, or in one chat
    when the report names no building (where `find_incident` looks)."""
    where = f"b:{building}" if building is not None else f"c:{chat_id}"
    return f"incident:{community_id}:{where}:{category}"


async def open_ticket(
    uow: UnitOfWork,
    sla: SlaBook,
    w: Wording,
    report: Report,
    classification: Classification,
    now: datetime,
    kind: str,
    *,
    shared: bool = True,
    sla_from: datetime | None = None,
) -> Opened:
    """`sla_from`: when the SLA clock starts, if not now (a message that reached us late, from
    an archive import, keeps the owner's waiting time)."""
    community, member = report.community, report.member
    tz = ZoneInfo(community.timezone)
    priority = URGENT if classification.urgent else "normal"
    unit = classification.unit
    building = building_of(report, classification)
    started = sla_from or now
    deadlines = sla.deadlines(kind, classification.category, priority, started, tz)
    roster = await uow.directory.roster(community.id)
    counts = await uow.directory.open_ticket_counts(community.id)
    # Nobody on duty who covers it: the ticket stays unassigned, its card offers 「接单」 to
    # any steward, and the supervisors are asked to dispatch it (see tell.card).
    local = now.astimezone(tz)
    assignee = choose_assignee(roster, building, classification.category, local, counts)
    off_duty = (
        None
        if assignee is not None
        else cards.OffDuty(local, back_on_duty(roster, building, classification.category, local))
    )
    day = now.astimezone(tz).strftime("%Y%m%d")
    serial = await uow.tickets.next_counter(f"ticket:{PREFIX[kind]}:{day}")
    ticket = Ticket(
        number=f"{PREFIX[kind]}-{day}-{serial:04d}",
        community_id=community.id,
        kind=kind,
        category=classification.category,
        priority=priority,
        building=building,
        unit=flat_of(classification, member) or (unit.canonical() if unit else None),
        summary=clip(report.text),
        owner_member_id=member.id,
        source_chat_id=report.chat.id,
        source_message_id=report.message_id,
        created_at=now,
        updated_at=now,
        respond_due_at=deadlines.respond_due,
        resolve_due_at=deadlines.resolve_due,
        onsite_due_at=deadlines.onsite_due,
        sla_started_at=started,
        shared=shared,
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
    await acknowledge(uow, report, ticket, cards.acknowledgement(w, ticket, deadlines, off_duty, now), now)
    return Opened(ticket, assignee, deadlines)


async def acknowledge(uow: UnitOfWork, report: Report, ticket: Ticket, text: str, now: datetime) -> None:
    """The owner's one line under their report about `ticket`; a reply to it is a follow-up
    on the ticket (its outbox row remembers the platform message id)."""
    await tell.answer(uow, report.chat, report.answer(text), ticket, now, lane=report.lane)


async def join_incident(
    uow: UnitOfWork,
    sla: SlaBook,
    w: Wording,
    report: Report,
    classification: Classification,
    now: datetime,
    *,
    shared: bool,
    edits_in_place: Callable[[str], bool] | None = None,
) -> Ticket | None:
    """The ticket `report` is another report of, if any, with the report joined to it: a new
    reporter follows it (「已有 N 位业主反映」), the same owner (or one already following it)
    adds a note; an urgent report makes a normal ticket urgent."""
    community, member = report.community, report.member
    category = classification.category
    if category is None:
        return None
    building = building_of(report, classification)
    # Reports of one problem arriving at once (a webhook or WeCom's callbacks run them side by
    # side, and so do several processes) take turns from here to their commit: each then finds
    # the ticket the one before opened, and reads its followers as that one left them, so there
    # is one ticket per problem and each reporter count (and its note) comes once.
    await uow.lock(incident_key(community.id, building, report.chat.id, category))
    incident = await uow.tickets.find_incident(
        community.id,
        category,
        building,
        report.chat.id,
        now - INCIDENT_WINDOW,
        member.id,
        shared=shared,
        flat=None if shared else flat_of(classification, member),
    )
    if incident is None:
        return None
    ticket = incident.ticket
    said = report.said(building)
    if ticket.owner_member_id == member.id or incident.following:
        await owner_note(
            uow, sla, w, ticket, report, said, classification, now, edits_in_place=edits_in_place
        )
        return ticket
    await uow.tickets.add_follower(
        ticket, member.id, report.chat.id, report.message_id, now, text=said.text, building=building
    )
    reporters = 2 + incident.followers  # the first reporter, those before, and this one
    await uow.tickets.record(
        ticket, at=now, actor=f"member:{member.id}", action="merged", note=f"reporters={reporters}"
    )
    if classification.urgent and ticket.priority != URGENT:
        await escalate(uow, sla, w, ticket, community, member, said, now)
        await acknowledge(uow, report, ticket, w.t("t.owner.escalated", number=ticket.number), now)
        return ticket
    if ticket.priority == URGENT:
        # Every reporter of an urgent ticket reaches the stewards, with what they wrote.
        await acknowledge(
            uow, report, ticket, w.t("t.owner.urgent_merged", number=ticket.number, n=reporters), now
        )
        text = "\n".join(
            [w.t("t.staff.urgent_merged", number=ticket.number, n=reporters), cards.said(w, said)]
        )
        await tell.under_card(
            uow, w, ticket, community, text, now, urgent=True, edits_in_place=edits_in_place
        )
        return ticket
    await acknowledge(uow, report, ticket, w.t("t.owner.merged", n=reporters, number=ticket.number), now)
    if tells_staff(reporters):
        everyone = await uow.tickets.reporters(ticket.id)
        since = everyone[told_before(reporters) - 1 :]
        lines = [w.t("t.staff.merged", number=ticket.number, n=reporters)]
        lines.extend(cards.reporter_lines(w, since, cards.TOLD_REPORTERS))
        await tell.under_card(
            uow,
            w,
            ticket,
            community,
            "\n".join(lines),
            now,
            edits_in_place=edits_in_place,
            reporters=everyone,
        )
    return ticket
