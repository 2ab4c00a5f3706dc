"""Work orders stewards open (巡查开单): what they found on patrol, classified and assigned
like an owner's report, with no owner to tell.

Three ways in, from a steward in the stewards' group or privately: `/open 3栋 消防通道堆满杂物`,
a message starting 「开单：」 / 「開單：」 (a photo's caption too: it arrives as text), and, in
the stewards' group only, a patrol phrase followed by a problem (「巡查发现2栋消防通道堆满杂物」:
the phrase, and the classifier reading a repair or a complaint in the rest), so ordinary staff
chatter opens nothing.

The ticket is marked `source = "patrol"` with the steward who opened it (`opened_by_id`); it
has no owner, so nobody is acknowledged and nobody is asked for a rating (its resolution
closes it: `TicketService.resolve`). Its card says who found it. A hazard class (`hazards.py`)
also goes into the rectification ledger. The steward is answered with the ticket's number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.tickets import cards, hazards, lifecycle, tell
from handlers.tickets.assignment import choose_assignee, report_building
from handlers.tickets.cards import Wording
from handlers.tickets.escalation import URGENT
from handlers.tickets.hazards import HazardBook
from handlers.tickets.opening import PREFIX
from handlers.tickets.report import clip
from handlers.tickets.sla import Deadlines, SlaBook
from nlp.classification import Classification, Intent
from storage.directory.models import Community, Steward
from storage.hazards.models import Hazard
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork

SOURCE = "patrol"
# 「开单：…」, 「開單 …」: an explicit work order (the colon or a space after the word).
EXPLICIT = re.compile(r"^\s*(?:开单|開單|开工单|開工單)\s*[:：\s]\s*(?P<rest>\S.*)$", re.DOTALL)
# 「巡查发现…」, 「巡楼時發現…」, 「今日巡检发现…」: a patrol phrase at the start.
PATROL = re.compile(
    r"^\s*(?:今天|今日|刚才|啱啱|早上|下午|晚上)?\s*"
    r"(?:巡查|巡檢|巡检|巡楼|巡樓|巡逻|巡邏|巡视|巡視|巡场|巡場)(?:时|時|中|期间|期間)?"
    r"(?:发现|發現|見到|见到|看到|睇到)\s*[:：,，]?\s*(?P<rest>\S.*)$",
    re.DOTALL,
)
ACTIONABLE = (Intent.REPAIR, Intent.COMPLAINT)


def explicit(text: str) -> str | None:
    """What a 「开单：…」 message asks to open (None: it is not one)."""
    found = EXPLICIT.match(text)
    return found.group("rest").strip() if found else None


def patrol_phrase(text: str) -> str | None:
    """What a 「巡查发现…」 message found (None: no patrol phrase at its start)."""
    found = PATROL.match(text)
    return found.group("rest").strip() if found else None


def found_a_problem(classification: Classification) -> bool:
    """Whether the words after a patrol phrase name a problem (a repair or a complaint)."""
    return classification.intent in ACTIONABLE


@dataclass(frozen=True)
class Patrolled:
    ticket: Ticket
    assignee: Steward | None
    deadlines: Deadlines
    hazard: Hazard | None


def kind_and_category(classification: Classification) -> tuple[str, str]:
    """As the classifier read it; a steward's order it cannot read is a repair to look at."""
    if classification.intent in ACTIONABLE:
        kind = classification.intent.value
        fallback = "other_repair" if kind == "repair" else "other_complaint"
        return kind, classification.category or fallback
    return "repair", "other_repair"


async def open_patrol(
    uow: UnitOfWork,
    sla: SlaBook,
    book: HazardBook,
    w: Wording,
    community: Community,
    steward: Steward,
    text: str,
    classification: Classification,
    now: datetime,
    *,
    photo: str | None = None,
) -> Patrolled:
    """Open, assign and announce the steward's work order; a hazard goes into the ledger."""
    tz = ZoneInfo(community.timezone)
    kind, category = kind_and_category(classification)
    priority = URGENT if classification.urgent else "normal"
    unit = classification.unit
    building = report_building(
        text, unit.building if unit and unit.building else None, None, (), community.buildings
    )
    deadlines = sla.deadlines(kind, category, priority, now, tz)
    roster = await uow.directory.roster(community.id)
    counts = await uow.directory.open_ticket_counts(community.id)
    local = now.astimezone(tz)
    assignee = choose_assignee(roster, building, category, local, counts)
    day = local.strftime("%Y%m%d")
    serial = await uow.tickets.next_counter(f"ticket:{PREFIX[kind]}:{day}")
    ticket = Ticket(
        number=f"{PREFIX[kind]}-{day}-{serial:04d}",
        community_id=community.id,
        kind=kind,
        category=category,
        priority=priority,
        building=building,
        unit=None,
        summary=clip(text),
        owner_member_id=None,
        source_chat_id=None,
        source_message_id=None,
        created_at=now,
        updated_at=now,
        respond_due_at=deadlines.respond_due,
        resolve_due_at=deadlines.resolve_due,
        sla_started_at=now,
        shared=True,
        source=SOURCE,
        opened_by_id=steward.id,
    )
    await lifecycle.start(
        uow.tickets,
        ticket,
        assignee,
        actor=f"steward:{steward.id}",
        at=now,
        note=f"sla={deadlines.policy} source={SOURCE} rules={','.join(classification.rules[:8])}",
    )
    hazard = await hazards.enter(
        uow, book, ticket, found_by=steward, responsible=assignee, now=now, photo=photo
    )
    # Nobody on duty covers it: the card goes to the supervisors too (tell.card).
    await tell.card(uow, w, ticket, community, assignee, "", now, found_by=steward, hazard=hazard)
    return Patrolled(ticket, assignee, deadlines, hazard)


def answer(w: Wording, community: Community, done: Patrolled) -> str:
    """The steward's one line: the number, what and where, who has it, the ledger's deadline."""
    ticket = done.ticket
    who = (
        w.t("t.patrol.assigned", name=done.assignee.name)
        if done.assignee is not None
        else w.t("t.patrol.unassigned")
    )
    lines = [
        w.t(
            "t.patrol.opened",
            number=ticket.number,
            category=w.category(ticket.category, ticket.kind),
            place=w.place(ticket.building),
            who=who,
        )
    ]
    if done.hazard is not None:
        lines.append(w.t("t.patrol.hazard", due=cards.local_time(community, done.hazard.due_at)))
    return "\n".join(lines)
