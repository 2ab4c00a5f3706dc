"""Tickets' use cases, for every entry point: the chat (`chat.py`), intake, the SLA watch, the
command line and (later) the web console call these with plain arguments, a unit of work, the
`Actor` who acts and the time; none of them sees a chat update.

Owners and staff are told of each step through the outbox in the caller's transaction
(`tell.py`), in the ticket's community's language; the caller answers whoever asked. A step
someone may not take raises `DomainError`. The minimum role of a step (a steward to accept, a
supervisor to assign or cancel) is the entry point's to declare (the chat declares it when
registering the command); what depends on the ticket is checked here: staff act on their own
community's tickets only, and only the assignee or a supervisor works an assigned ticket.

Over 400 lines on purpose: this is the one list of a ticket's use cases, each a few lines
that call the rules kept elsewhere (`lifecycle`, `assignment`, `corrections`, `tell`); split,
a reader would look in two places for what a step does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Photo
from bot.core.roles import Role
from handlers.shared.privacy import owner_text
from handlers.tickets import (
    callbacks,
    cards,
    choosing,
    corrections,
    escalation,
    lifecycle,
    media,
    onsite,
    patrol,
    tell,
)
from handlers.tickets.buttons import CallPress
from handlers.tickets.cards import Wording
from handlers.tickets.owners import OwnerReports
from handlers.tickets.report import clip
from handlers.tickets.stewards import StewardOrders
from handlers.tickets.words import Act
from storage.directory.models import Chat, Community, Steward
from storage.hazards.models import CANCELLED
from storage.tickets.models import Ticket, TicketEvent
from storage.tickets.status import ACTIVE, TicketStatus
from storage.uow import UnitOfWork

NUMBER = re.compile(r"^(BX|TS|ZX)-\d{8}-\d{4}$", re.IGNORECASE)
NOTE_LIMIT = 500


@dataclass(frozen=True)
class Claim:
    won: bool
    holder: str  # who has the ticket when the claim was lost ("-": nobody)


@dataclass(frozen=True)
class Mine:
    """The tickets a person follows (/my): an owner's own and followed ones, or the active
    ones assigned to a steward."""

    tickets: list[Ticket]
    staff: bool


@dataclass(frozen=True)
class View:
    """One ticket as /ticket shows it; `internal` when the viewer is staff of its community."""

    ticket: Ticket
    community: Community
    assignee: Steward | None
    events: list[TicketEvent]
    internal: bool
    photos: dict[str, int]  # how many photos per stage (cards.STAGES)


def audit_label(actor: Actor) -> str:
    """Who the audit trail names: the roster entry, else the member, else the actor's label."""
    if actor.steward is not None:
        return f"steward:{actor.steward.id}"
    if actor.member is not None:
        return f"member:{actor.member.id}"
    return actor.label


class TicketService(OwnerReports, StewardOrders):
    """Owners' messages (`OwnerReports`: quiet, follow-ups, incidents, opening), stewards'
    own work orders and the rectification ledger (`StewardOrders`) and the staff's use cases
    below; built once by the composition root."""

    async def _wording_of(self, uow: UnitOfWork, ticket: Ticket) -> tuple[Community, Wording]:
        community = await uow.directory.community(ticket.community_id)
        assert community is not None
        return community, self.wording(community.language)

    async def _cards_now(self, uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
        """The ticket's cards rewritten as it now stands, with only the buttons that still
        apply, where the platform edits in place (`tell.cards_now`)."""
        community, w = await self._wording_of(uow, ticket)
        await tell.cards_now(uow, w, ticket, community, now, edits_in_place=self.edits_in_place)

    # -- finding a ticket ------------------------------------------------------------------------
    async def find(self, uow: UnitOfWork, number: str, community_id: int | None) -> Ticket:
        """The ticket numbered `number` (BX-20261123-0001) of the community, if given."""
        if not NUMBER.match(number):
            raise DomainError("err.no_ticket", number=number[:32])
        ticket = await uow.tickets.by_number(number)
        if ticket is None or (community_id is not None and ticket.community_id != community_id):
            raise DomainError("err.no_ticket", number=number.upper())
        return ticket

    async def quoted(self, uow: UnitOfWork, platform: str, chat_id: str, message_id: str) -> Ticket | None:
        """The ticket a quoted message of Steward's is about (its card, a line to its owner)."""
        return await choosing.quoted(uow, platform, chat_id, message_id)

    async def candidates(self, uow: UnitOfWork, actor: Actor, act: Act) -> Sequence[Ticket]:
        """The tickets a 「接单」 (…) that names none could be about (`choosing.candidates`)."""
        return await choosing.candidates(uow, actor, act)

    async def get(self, uow: UnitOfWork, ticket_id: int, actor: Actor | None = None) -> Ticket:
        """The ticket a button was made for. Staff of another community pressing one (forged,
        or copied across) hear what a missing ticket gets: nothing tells them it exists."""
        ticket = await uow.tickets.get(ticket_id)
        if ticket is None:
            raise DomainError("err.stale_button")
        if (
            actor is not None
            and actor.role is not Role.ADMIN
            and actor.steward is not None
            and actor.steward.community_id != ticket.community_id
        ):
            raise DomainError("err.stale_button")
        return ticket

    # -- correcting the classifier -----------------------------------------------------------------
    async def correct(self, uow: UnitOfWork, actor: Actor, ticket: Ticket, kind: str, now: datetime) -> str:
        """A steward's 改为报修 / 改为投诉 / 改为咨询 / 不是工单 (`kind` "none") on the ticket's
        card: the ticket changes (or is cancelled quietly) and the correction is kept as a
        labelled example. Returns the text key to answer the presser with."""
        steward = self.staff_on(actor, ticket)
        community, w = await self._wording_of(uow, ticket)
        key = await corrections.correct(
            uow, self.sla, w, self.classifier, community, steward, audit_label(actor), ticket, kind, now
        )
        if ticket.status == TicketStatus.CANCELLED:  # 不是工单: its ledger line goes with it
            await self.close_hazard(uow, ticket, steward.name, audit_label(actor), "", now, status=CANCELLED)
        await self._cards_now(uow, ticket, now)
        return key

    # -- staff working a ticket ------------------------------------------------------------------
    def staff_on(self, actor: Actor, ticket: Ticket) -> Steward:
        """The actor's roster entry, if they are staff of the ticket's community (an admin
        who is on no roster cannot own tickets)."""
        if actor.steward is None or actor.steward.community_id != ticket.community_id:
            raise DomainError("err.forbidden")
        return actor.steward

    async def worker(self, uow: UnitOfWork, actor: Actor, ticket: Ticket) -> Steward:
        """The actor, if they may work `ticket`: staff of its community, and its assignee (or
        anyone while it has none) or a supervisor; the refusal names the assignee."""
        steward = self.staff_on(actor, ticket)
        if ticket.assignee_id in (None, steward.id) or actor.at_least(Role.SUPERVISOR):
            return steward
        assignee = await uow.directory.steward(ticket.assignee_id)
        _, w = await self._wording_of(uow, ticket)
        raise DomainError(
            "err.not_assignee", name=assignee.name if assignee is not None else w.t("place.unknown")
        )

    async def accept(self, uow: UnitOfWork, actor: Actor, ticket: Ticket, now: datetime) -> None:
        """The worker takes the ticket on (接单): in progress, and the first response is met.

        A ticket handed on while in progress (/transfer, /assign) stays in progress (the
        machine has no way back to assigned) and its new assignee is asked to take it on: their
        接单 is recorded without a change of status. Anyone else is told who has it."""
        steward = await self.worker(uow, actor, ticket)
        if ticket.assignee_id is None:
            ticket.assignee_id = steward.id
        if ticket.status == TicketStatus.IN_PROGRESS:
            if ticket.assignee_id != steward.id or not await self._handed_to(uow, ticket, steward):
                holder = await uow.directory.steward(ticket.assignee_id) if ticket.assignee_id else None
                raise DomainError(
                    "t.err.in_progress", number=ticket.number, name=holder.name if holder else "-"
                )
            await uow.tickets.record(
                ticket,
                at=now,
                actor=audit_label(actor),
                action="accepted",
                note=f"{steward.role}:{steward.id}",
            )
            ticket.updated_at = now
        else:
            await lifecycle.transition(
                uow.tickets,
                ticket,
                TicketStatus.IN_PROGRESS,
                actor=audit_label(actor),
                at=now,
                action="accepted",
            )
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        _, w = await self._wording_of(uow, ticket)
        await tell.staff(
            uow, ticket.community_id, w.t("t.staff.accepted", name=steward.name, number=ticket.number), now
        )
        await tell.owner(uow, ticket, w.t("t.owner.accepted", number=ticket.number, name=steward.name), now)
        await onsite.tell_followers(uow, w, ticket, w.t("t.step.accepted", name=steward.name), now)
        await self._cards_now(uow, ticket, now)

    @staticmethod
    async def _handed_to(uow: UnitOfWork, ticket: Ticket, steward: Steward) -> bool:
        """Whether `ticket` was handed to `steward` (transferred or assigned) since anyone last
        took it on: they still owe their 接单."""
        for event in reversed(await uow.tickets.events(ticket.id)):
            if event.action in ("transferred", "assigned"):
                return event.note == f"{steward.role}:{steward.id}"
            if event.action in ("accepted", "claimed"):
                return False
        return False

    async def add_note(self, uow: UnitOfWork, actor: Actor, ticket: Ticket, note: str, now: datetime) -> None:
        """A progress note, told to the owner (masked); a ticket not yet accepted is accepted
        first."""
        steward = await self.worker(uow, actor, ticket)
        if ticket.status not in ACTIVE:
            raise lifecycle.refusal(ticket, TicketStatus.IN_PROGRESS)
        if ticket.status in (TicketStatus.ASSIGNED, TicketStatus.REOPENED):
            await self.accept(uow, actor, ticket, now)
        note = clip(note.strip(), NOTE_LIMIT)
        await uow.tickets.record(ticket, at=now, actor=audit_label(actor), action="note", note=note)
        ticket.updated_at = now
        _, w = await self._wording_of(uow, ticket)
        await tell.staff(
            uow,
            ticket.community_id,
            w.t("t.staff.note", number=ticket.number, name=steward.name, note=owner_text(note)),
            now,
        )
        await tell.owner(
            uow, ticket, w.t("t.owner.progress", number=ticket.number, note=owner_text(note)), now
        )
        await onsite.tell_followers(uow, w, ticket, w.t("t.step.note", note=owner_text(note)), now)

    async def resolve(
        self,
        uow: UnitOfWork,
        actor: Actor,
        ticket: Ticket,
        note: str,
        now: datetime,
        *,
        photo_after: str | None = None,
    ) -> None:
        """Done: the owner is asked for a rating (回访) and every owner who reported the same
        thing hears of it. A steward's work order has no owner to ask: it is closed at once.
        Its line in the rectification ledger, if any, is closed (with `photo_after`)."""
        steward = await self.worker(uow, actor, ticket)
        _, w = await self._wording_of(uow, ticket)
        note = clip(note.strip(), NOTE_LIMIT)  # a button press says nothing: no note
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        await lifecycle.transition(
            uow.tickets,
            ticket,
            TicketStatus.RESOLVED,
            actor=audit_label(actor),
            at=now,
            action="resolved",
            note=note or None,
        )
        patrolled = ticket.source == patrol.SOURCE
        if not patrolled:
            ticket.rating_requested_at = now
        said = "" if not note else w.t("t.said", note=owner_text(note))
        await tell.staff(
            uow,
            ticket.community_id,
            w.t("t.staff.resolved", number=ticket.number, name=steward.name, note=said),
            now,
        )
        await self.close_hazard(
            uow, ticket, steward.name, audit_label(actor), note, now, photo_after=photo_after
        )
        if patrolled:
            await lifecycle.transition(
                uow.tickets,
                ticket,
                TicketStatus.CLOSED,
                actor=audit_label(actor),
                at=now,
                action="closed",
                note=patrol.SOURCE,
            )
        masked = "" if not note else w.t("t.said", note=owner_text(note))
        await tell.owner(
            uow,
            ticket,
            w.t("t.owner.resolved", number=ticket.number, note=masked),
            now,
            buttons=cards.rating_buttons(w, ticket),
            ref_type="rating_request",
        )
        await self._cards_now(uow, ticket, now)
        # Followers reported this very problem (the same flat's, or a shared one): each hears
        # what was fixed, named by its category and place.
        merged = w.t(
            "t.owner.merged_resolved",
            number=ticket.number,
            category=w.category(ticket.category, ticket.kind),
            place=w.place(ticket.building),
            note=masked,
        )
        # ... and is asked for a rating too (回访 of every reporter: `callbacks.follower_rating`).
        await tell.followers(
            uow,
            ticket,
            merged + "\n" + w.t("t.rating.ask"),
            now,
            buttons=cards.rating_buttons(w, ticket),
            ref_type="follower_rating_request",
        )

    async def assign(
        self, uow: UnitOfWork, actor: Actor, ticket: Ticket, name: str, now: datetime
    ) -> Steward:
        """A supervisor gives the ticket to the steward called `name`; returns them."""
        steward = self.staff_on(actor, ticket)
        return await self._reassign(uow, actor, steward, ticket, name, now, transfer=False)

    async def transfer(
        self, uow: UnitOfWork, actor: Actor, ticket: Ticket, name: str, now: datetime
    ) -> Steward:
        """The worker hands the ticket on to the steward called `name`; returns them."""
        steward = await self.worker(uow, actor, ticket)
        return await self._reassign(uow, actor, steward, ticket, name, now, transfer=True)

    async def _reassign(
        self,
        uow: UnitOfWork,
        actor: Actor,
        steward: Steward,
        ticket: Ticket,
        name: str,
        now: datetime,
        *,
        transfer: bool,
    ) -> Steward:
        target = await uow.directory.steward_by_name(ticket.community_id, name.lstrip("@"))
        if target is None or not target.active:
            raise DomainError("err.no_person", name=name[:32])
        previous = await uow.directory.steward(ticket.assignee_id) if ticket.assignee_id else None
        ticket.assignee_id = target.id
        who, note = audit_label(actor), f"{target.role}:{target.id}"
        if ticket.status in (TicketStatus.OPEN, TicketStatus.REOPENED):
            await lifecycle.transition(
                uow.tickets, ticket, TicketStatus.ASSIGNED, actor=who, at=now, action="assigned", note=note
            )
        elif ticket.status in (TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS):
            # In progress: the new assignee has not accepted yet, but back to assigned is not a
            # legal move, so the ticket stays in progress and the transfer is recorded as such.
            await uow.tickets.record(ticket, at=now, actor=who, action="transferred", note=note)
        else:
            raise lifecycle.refusal(ticket, TicketStatus.ASSIGNED)
        ticket.updated_at = now
        _, w = await self._wording_of(uow, ticket)
        key = "t.staff.transferred" if transfer and previous else "t.staff.assigned"
        from_name = previous.name if previous else steward.name
        text = w.t(key, number=ticket.number, from_name=from_name, to_name=target.name)
        await tell.staff(uow, ticket.community_id, text, now, mention=target)
        await self._cards_now(uow, ticket, now)
        return target

    async def cancel(self, uow: UnitOfWork, actor: Actor, ticket: Ticket, note: str, now: datetime) -> None:
        """A supervisor calls the ticket off; `note` is the reason, which the owner is told,
        so it is required."""
        steward = self.staff_on(actor, ticket)
        note = clip(note.strip(), NOTE_LIMIT)
        if not note:
            raise DomainError("t.err.no_reason", number=ticket.number)
        await lifecycle.transition(
            uow.tickets,
            ticket,
            TicketStatus.CANCELLED,
            actor=audit_label(actor),
            at=now,
            action="cancelled",
            note=note,
        )
        _, w = await self._wording_of(uow, ticket)
        await tell.staff(
            uow,
            ticket.community_id,
            w.t("t.staff.cancelled", number=ticket.number, name=steward.name, note=owner_text(note)),
            now,
        )
        await self.close_hazard(uow, ticket, steward.name, audit_label(actor), note, now, status=CANCELLED)
        await tell.owner(
            uow, ticket, w.t("t.owner.cancelled", number=ticket.number, note=owner_text(note)), now
        )
        await self._cards_now(uow, ticket, now)

    async def claim(self, uow: UnitOfWork, actor: Actor, ticket: Ticket, now: datetime) -> Claim:
        """The first steward to press 「接单」 on an unassigned card gets it (the database
        decides) and accepts it at once."""
        steward = self.staff_on(actor, ticket)
        note = f"{steward.role}:{steward.id}"
        if not await lifecycle.claim(
            uow.tickets, ticket, steward.id, actor=audit_label(actor), at=now, note=note
        ):
            holder = await uow.directory.steward(ticket.assignee_id) if ticket.assignee_id else None
            return Claim(False, holder.name if holder else "-")
        _, w = await self._wording_of(uow, ticket)
        await tell.staff(
            uow, ticket.community_id, w.t("t.staff.claimed", name=steward.name, number=ticket.number), now
        )
        await self.accept(uow, actor, ticket, now)
        return Claim(True, steward.name)

    # -- the owner's rating (回访) -----------------------------------------------------------------
    async def rate(self, uow: UnitOfWork, actor: Actor, ticket: Ticket, choice: int, now: datetime) -> str:
        """The owner rates a resolved ticket with `lifecycle.RATINGS[choice]`: closed, or
        reopened when unhappy. Returns the text key to answer the presser with."""
        if not 0 <= choice < len(lifecycle.RATINGS):
            raise DomainError("err.stale_button")
        if actor.member is None or ticket.owner_member_id != actor.member.id:
            _, w = await self._wording_of(uow, ticket)
            followed = await callbacks.follower_rating(uow, w, actor, ticket, choice, now)
            return followed or "t.rating.not_yours"
        if ticket.status != TicketStatus.RESOLVED:
            return "t.rating.closed"
        rating = lifecycle.RATINGS[choice]
        ticket.rating = rating
        who = audit_label(actor)
        await uow.tickets.record(ticket, at=now, actor=who, action="rated", note=rating)
        _, w = await self._wording_of(uow, ticket)
        # The request under the report keeps the rating given instead of its buttons.
        await tell.rating_settled(
            uow,
            ticket,
            w.t("t.rating.done", rating=w.rating(rating)),
            now,
            edits_in_place=self.edits_in_place,
        )
        if rating == lifecycle.UNHAPPY:
            await self.reopen_unhappy(uow, actor, ticket, now)
            await self._cards_now(uow, ticket, now)
            return "t.answer.ok"
        await lifecycle.transition(
            uow.tickets, ticket, TicketStatus.CLOSED, actor=who, at=now, action="closed"
        )
        await tell.owner(
            uow, ticket, w.t("t.rating.thanks", rating=w.rating(rating), number=ticket.number), now
        )
        await self._cards_now(uow, ticket, now)
        return "t.answer.ok"

    async def reopen_unhappy(self, uow: UnitOfWork, actor: Actor, ticket: Ticket, now: datetime) -> None:
        """「不满意」: reopened with a two-hour deadline and the supervisors alerted."""
        community, w = await self._wording_of(uow, ticket)
        await lifecycle.transition(
            uow.tickets,
            ticket,
            TicketStatus.REOPENED,
            actor=audit_label(actor),
            at=now,
            action="reopened",
            note=lifecycle.UNHAPPY,
        )
        ticket.sla_started_at = now
        ticket.respond_due_at = ticket.resolve_due_at = now + lifecycle.UNHAPPY_DEADLINE
        ticket.resolved_at = None
        ticket.rating_requested_at = None
        await tell.owner(uow, ticket, w.t("t.rating.unhappy", number=ticket.number), now)
        supervisors = await uow.directory.roster(ticket.community_id, "supervisor")
        deadline = cards.local_time(community, ticket.resolve_due_at)
        text = w.t("t.rating.alert", number=ticket.number, deadline=deadline)
        await tell.supervisors(uow, ticket.community_id, text, now, supervisors)

    # -- opinion alerts (issue 21, item 4) -----------------------------------------------------------
    async def raise_for_alert(
        self, uow: UnitOfWork, ticket_id: int, alert_id: int, tier: int, now: datetime
    ) -> bool:
        """A tier-2/3 alert about the ticket: urgent, on the urgent SLA (`escalation`)."""
        ticket = await uow.tickets.get(ticket_id)
        if ticket is None or tier < 2:
            return False
        community, w = await self._wording_of(uow, ticket)
        return await escalation.raise_for_alert(
            uow, self.sla, w, ticket, community, alert_id, tier, now, self.edits_in_place
        )

    # -- 回访 calls (`callbacks`) -------------------------------------------------------------------
    async def due_calls(self, uow: UnitOfWork, actor: Actor) -> callbacks.DueCalls:
        return await callbacks.due_calls(uow, actor)

    async def record_call(
        self, uow: UnitOfWork, actor: Actor, press: CallPress, lang: str, now: datetime
    ) -> callbacks.Called:
        return await callbacks.record_call(uow, self.wording(lang), actor, press, now)

    # -- what people may see -----------------------------------------------------------------------
    async def mine(self, uow: UnitOfWork, actor: Actor) -> Mine:
        if actor.role.is_staff and actor.steward is not None:
            assigned = await uow.tickets.by_community(
                actor.steward.community_id, assignee_id=actor.steward.id
            )
            return Mine([t for t in assigned if t.status in ACTIVE], staff=True)
        if actor.member is None:
            return Mine([], staff=False)
        return Mine(list(await uow.tickets.visible_to_owner(actor.member.id)), staff=False)

    async def view(self, uow: UnitOfWork, actor: Actor, number: str) -> View:
        """One ticket with its audit trail, for its owner, an owner who reported the same
        thing, staff of its community or an admin. Anyone else hears what a number that does not
        exist gets: /ticket does not tell which numbers are in use."""
        ticket = await uow.tickets.by_number(number) if NUMBER.match(number) else None
        if ticket is None:
            raise DomainError("err.no_ticket", number=number[:32].upper())
        internal = actor.steward is not None and actor.steward.community_id == ticket.community_id
        follows = actor.member is not None and (
            ticket.owner_member_id == actor.member.id
            or await uow.tickets.is_follower(ticket.id, actor.member.id)
        )
        if not (internal or follows or actor.role is Role.ADMIN):
            raise DomainError("err.no_ticket", number=number[:32].upper())
        community = await uow.directory.community(ticket.community_id)
        assert community is not None
        assignee = await uow.directory.steward(ticket.assignee_id) if ticket.assignee_id else None
        events = list(await uow.tickets.events(ticket.id))
        return View(ticket, community, assignee, events, internal, await uow.tickets.media_counts(ticket.id))

    # -- on site (已到场) and photos (`onsite.py`, `media.py`) -----------------------------------------
    async def arrive(self, uow: UnitOfWork, actor: Actor, ticket: Ticket, now: datetime) -> None:
        """The worker is on site (「已到场」): the on-site clock stops, the time to arrival is
        recorded, the owner (and an urgent incident's every reporter) is told. A ticket nobody
        took is taken first; one assigned and not yet accepted is accepted first."""
        steward = await self.worker(uow, actor, ticket)
        if ticket.status not in ACTIVE:
            raise lifecycle.refusal(ticket, TicketStatus.IN_PROGRESS)
        community, w = await self._wording_of(uow, ticket)
        if ticket.arrived_at is not None:
            raise DomainError(
                "t.err.arrived", number=ticket.number, at=cards.local_time(community, ticket.arrived_at)
            )
        if ticket.assignee_id is None:
            claim = await self.claim(uow, actor, ticket, now)
            if not claim.won:
                raise DomainError("t.staff.claim_lost", number=ticket.number, name=claim.holder)
        elif ticket.status in (TicketStatus.ASSIGNED, TicketStatus.REOPENED):
            await self.accept(uow, actor, ticket, now)
        ticket.arrived_at = ticket.updated_at = now
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        minutes = max(0, round((now - ticket.created_at).total_seconds() / 60))
        await uow.tickets.record(
            ticket, at=now, actor=audit_label(actor), action="arrived", note=f"{minutes}"
        )
        await tell.staff(
            uow,
            ticket.community_id,
            w.t("t.staff.arrived", number=ticket.number, name=steward.name, minutes=minutes),
            now,
        )
        await tell.owner(uow, ticket, w.t("t.owner.arrived", number=ticket.number, name=steward.name), now)
        await onsite.tell_followers(uow, w, ticket, w.t("t.step.arrived", name=steward.name), now)
        await self._cards_now(uow, ticket, now)

    async def staff_photos(
        self,
        uow: UnitOfWork,
        actor: Actor,
        ticket: Ticket,
        photos: Sequence[Photo],
        *,
        chat: Chat | None,
        message_id: str | None,
        caption: str,
        now: datetime,
        stage: str | None = None,
    ) -> int:
        """A steward's photos of `ticket` (before the work, or after it when it is resolved or
        `stage` says so), kept and told to the stewards' groups; how many were new."""
        steward = self.staff_on(actor, ticket)
        if stage is None:
            stage = "before" if ticket.status in ACTIVE else "after"
        added = await media.attach(
            uow,
            ticket,
            photos,
            platform=chat.platform if chat is not None else "",
            chat_id=chat.id if chat is not None else None,
            message_id=message_id,
            actor=audit_label(actor),
            stage=stage,
            caption=caption,
            now=now,
        )
        if added:
            _, w = await self._wording_of(uow, ticket)
            stage_name = w.t(f"t.photo.stage_name.{stage}")
            text = w.t("t.staff.photo", number=ticket.number, name=steward.name, n=added, stage=stage_name)
            await tell.staff(uow, ticket.community_id, text, now)
            await self._cards_now(uow, ticket, now)
        return added

    async def owner_photos(
        self,
        uow: UnitOfWork,
        ticket: Ticket,
        photos: Sequence[Photo],
        *,
        member_id: int,
        chat: Chat,
        message_id: str,
        caption: str,
        now: datetime,
    ) -> int:
        """An owner's photos of `ticket` (with or right after their report), kept and told to
        the stewards under the card; how many were new."""
        added = await media.attach(
            uow,
            ticket,
            photos,
            platform=chat.platform,
            chat_id=chat.id,
            message_id=message_id,
            actor=f"member:{member_id}",
            stage="report",
            caption=caption,
            now=now,
        )
        if added:
            community, w = await self._wording_of(uow, ticket)
            text = w.t("t.staff.owner_photo", number=ticket.number, n=added)
            await tell.under_card(uow, w, ticket, community, text, now, edits_in_place=self.edits_in_place)
        return added

    async def photo_target(
        self,
        uow: UnitOfWork,
        *,
        community_id: int,
        member_id: int,
        chat: Chat,
        reply_to: str | None,
        now: datetime,
    ) -> Ticket | None:
        """The ticket an owner's photo belongs to: the one of Steward's line it replies to (the
        acknowledgement, an update) if the owner reported it, else the owner's report in the same
        chat within the window (`ConversationRules.photo_window`); None: nobody's (left alone)."""
        ticket = None
        if reply_to:
            ticket = await choosing.quoted(uow, chat.platform, chat.platform_chat_id, reply_to)
            if (
                ticket is not None
                and ticket.owner_member_id != member_id
                and not await uow.tickets.is_follower(ticket.id, member_id)
            ):
                ticket = None  # someone else's ticket
        if ticket is None:
            since = now - self.rules.photo_window
            ticket = await uow.tickets.latest_of_member(community_id, member_id, chat.id, since)
        if ticket is None or ticket.community_id != community_id:
            return None
        if ticket.status not in ACTIVE and ticket.status != TicketStatus.RESOLVED:
            return None
        return ticket

    async def forward_photos(
        self,
        uow: UnitOfWork,
        actor: Actor,
        ticket: Ticket,
        chat: Chat,
        now: datetime,
        *,
        reply_to: str | None,
    ) -> int:
        """The ticket's photos sent to `chat` for its staff (/photos); how many."""
        self.staff_on(actor, ticket)
        _, w = await self._wording_of(uow, ticket)
        return await media.forward(uow, w, ticket, chat, self.capabilities, now, reply_to=reply_to)
