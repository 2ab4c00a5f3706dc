"""The rectification ledger (隐患整改台账): a hazard a steward finds on patrol, kept until it
is rectified.

- **Which**: a patrol ticket (`patrol.py`) whose category is one of the configured hazard
  classes (`[[hazard]]` in `data/sla.toml`: fire safety, blocked exits and falling objects,
  gas, electrical, structural), each with its deadline in hours.
- **A line**: the ticket, the class, the deadline, who answers for it (the ticket's assignee
  when it opened), the photo references before and after (None until a photo reaches the
  ticket; never a blob), the status.
- **Closing**: `/hazard BX-… done` or the ticket's resolution closes it (done), with the
  after-photo if one was given; a cancelled ticket closes it as cancelled. Once: a
  conditional UPDATE.
- **Overdue**: a scheduled job (`check_hazards`, through the scheduler's office like the SLA
  watch) tells the supervisors' chat of open lines past their deadline, once per line
  (`escalated_at` is claimed by a conditional UPDATE, and the message carries a dedupe key),
  what fell due together in one message.

Staff only: owners never see the ledger (/hazards requires a steward; nothing of it reaches
an owners' group).
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.core.events import Outgoing
from bot.core.outbox import priority_for, send_to_chat
from bot.core.runtime import Runtime
from handlers.tickets import cards
from handlers.tickets.cards import Wording
from handlers.tickets.sla import DEFAULT_FILE, PolicyError
from storage.directory.models import Community, Steward
from storage.hazards.models import OPEN, Hazard
from storage.hazards.repository import Entry
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# Lines of one overdue message; the rest are counted.
BATCH_LINES = 30


@dataclass(frozen=True)
class HazardBook:
    """The hazard classes (ticket categories) and their deadlines."""

    deadlines: Mapping[str, timedelta]

    @classmethod
    def load(cls, path: Path | None = None) -> HazardBook:
        path = path or DEFAULT_FILE
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise PolicyError(f"{path}: {exc}") from exc
        return cls.from_mapping(data, str(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], source: str = "sla") -> HazardBook:
        deadlines: dict[str, timedelta] = {}
        raw = data.get("hazard", [])
        if not isinstance(raw, list):
            raise PolicyError(f"{source}: hazard: must be a list of [[hazard]] tables")
        for index, entry in enumerate(raw):
            where = f"{source}: hazard[{index}]"
            if not isinstance(entry, dict):
                raise PolicyError(f"{where}: must be a table")
            category, hours = entry.get("category"), entry.get("deadline")
            if not isinstance(category, str) or not category:
                raise PolicyError(f"{where}: category must be a ticket category")
            if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
                raise PolicyError(f"{where} ({category}): deadline must be a positive number of hours")
            if category in deadlines:
                raise PolicyError(f"{where}: {category} listed twice")
            deadlines[category] = timedelta(hours=hours)
        return cls(deadlines)

    def deadline(self, category: str | None) -> timedelta | None:
        """How long a hazard of this class has to be rectified; None: not a hazard class."""
        return self.deadlines.get(category) if category else None


async def enter(
    uow: UnitOfWork,
    book: HazardBook,
    ticket: Ticket,
    *,
    found_by: Steward,
    responsible: Steward | None,
    now: datetime,
    photo: str | None = None,
) -> Hazard | None:
    """A line for a patrol ticket of a hazard class (None: not one)."""
    deadline = book.deadline(ticket.category)
    if deadline is None:
        return None
    hazard = await uow.hazards.add(
        Hazard(
            community_id=ticket.community_id,
            ticket_id=ticket.id,
            category=ticket.category,
            status=OPEN,
            created_at=now,
            due_at=now + deadline,
            responsible_id=responsible.id if responsible is not None else None,
            found_by_id=found_by.id,
            photo_before=photo,
        )
    )
    await uow.tickets.record(
        ticket,
        at=now,
        actor=f"steward:{found_by.id}",
        action="hazard_listed",
        note=f"due={hazard.due_at:%Y-%m-%dT%H:%MZ}",
    )
    return hazard


async def settle(
    uow: UnitOfWork,
    ticket: Ticket,
    status: str,
    *,
    by: str,
    now: datetime,
    photo_after: str | None = None,
    note: str | None = None,
) -> Hazard | None:
    """Close the ticket's open line, if it has one (done, or cancelled with the ticket);
    returns it when this call closed it."""
    hazard = await uow.hazards.for_ticket(ticket.id)
    if hazard is None or hazard.status != OPEN:
        return None
    if not await uow.hazards.close(hazard, status, now, by, photo_after=photo_after, note=note):
        return None
    await uow.tickets.record(ticket, at=now, actor=by, action=f"hazard_{status}", note=note or None)
    return hazard


def line(w: Wording, community: Community, entry: Entry, names: Mapping[int, str], now: datetime) -> str:
    """One open hazard as /hazards lists it."""
    hazard, ticket = entry.hazard, entry.ticket
    return w.t(
        "t.hazards.line",
        overdue=w.t("t.hazards.overdue") if hazard.due_at <= now else "",
        number=ticket.number,
        category=w.category(ticket.category, ticket.kind),
        place=w.place(ticket.building),
        due=cards.local_time(community, hazard.due_at),
        name=names.get(hazard.responsible_id or 0, "-"),
        photo=w.t("t.hazards.photo" if hazard.photo_before else "t.hazards.no_photo"),
    )


def listing(
    w: Wording, community: Community, entries: Sequence[Entry], names: Mapping[int, str], now: datetime
) -> str:
    if not entries:
        return w.t("t.hazards.none")
    lines = [w.t("t.hazards.title", n=len(entries))]
    lines.extend(line(w, community, entry, names, now) for entry in entries[:BATCH_LINES])
    if len(entries) > BATCH_LINES:
        lines.append(w.t("t.staff.more", n=len(entries) - BATCH_LINES))
    return "\n".join(lines)


async def responsible_names(uow: UnitOfWork, entries: Sequence[Entry]) -> dict[int, str]:
    names: dict[int, str] = {}
    for entry in entries:
        person = entry.hazard.responsible_id
        if person is not None and person not in names:
            steward = await uow.directory.steward(person)
            names[person] = steward.name if steward is not None else "-"
    return names


# -- the overdue watch --------------------------------------------------------------------------
async def check_hazards(runtime: Runtime) -> int:
    """One pass: every open line past its deadline not yet escalated is claimed and told to
    its community's supervisors (one message per community and pass, mentioning them); returns
    how many messages were queued."""
    now = runtime.now
    queued = 0
    async with runtime.transaction() as store:
        due: dict[int, list[Entry]] = {}
        for entry in await store.hazards.overdue(now):
            if await store.hazards.claim_escalation(entry.hazard, now):
                await store.tickets.record(entry.ticket, at=now, actor="system", action="hazard_overdue")
                due.setdefault(entry.hazard.community_id, []).append(entry)
        for community_id, entries in due.items():
            community = await store.directory.community(community_id)
            if community is None:
                continue
            w = Wording(runtime.services.texts, runtime.services.classifier, community.language)
            queued += await escalate(store, w, community, entries, now)
    if queued:
        log.info("hazards: %d overdue message(s)", queued)
    return queued


async def escalate(
    store: UnitOfWork, w: Wording, community: Community, entries: Sequence[Entry], now: datetime
) -> int:
    names = await responsible_names(store, entries)
    lines = [
        w.t(
            "hazard.overdue.line",
            number=e.ticket.number,
            category=w.category(e.ticket.category, e.ticket.kind),
            place=w.place(e.ticket.building),
            due=cards.local_time(community, e.hazard.due_at),
            name=names.get(e.hazard.responsible_id or 0, "-"),
        )
        for e in entries[:BATCH_LINES]
    ]
    if len(entries) > BATCH_LINES:
        lines.append(w.t("t.staff.more", n=len(entries) - BATCH_LINES))
    text = "\n".join([w.t("hazard.overdue", n=len(entries)), *lines])
    supervisors = await store.directory.roster(community.id, "supervisor")
    chats = list(await store.directory.chats_with_role(community.id, "supervisors"))
    if not chats:  # no supervisors' chat: the stewards' group hears it rather than nobody
        chats = list(await store.directory.chats_with_role(community.id, "stewards"))
    first = entries[0].hazard
    new = 0
    for chat in chats:
        if await send_to_chat(
            store,
            chat,
            Outgoing(text=text, mentions=cards.mentions_of(supervisors, chat.platform), urgent=True),
            now,
            ref_type="hazard_overdue",
            ref_id=first.ticket_id,
            dedupe_key=f"hazard:{first.id}:overdue:{chat.id}",
            priority=priority_for(True),
        ):
            new += 1
    return new
