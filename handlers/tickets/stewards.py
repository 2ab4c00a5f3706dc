"""The use cases of stewards' own work orders and the rectification ledger, as `TicketService`
offers them (`patrol.py` opens, `hazards.py` keeps the ledger): open a work order, list the
open hazards, close one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.actor import Actor
from bot.core.errors import DomainError
from handlers.shared.privacy import owner_text
from handlers.tickets import hazards, patrol, tell
from handlers.tickets.cards import Wording
from handlers.tickets.hazards import HazardBook
from handlers.tickets.patrol import Patrolled
from handlers.tickets.report import clip
from handlers.tickets.sla import SlaBook
from nlp.classifier import Classifier
from storage.directory.models import Community, Steward
from storage.hazards.models import OPEN
from storage.hazards.repository import Entry
from storage.tickets.models import Ticket
from storage.tickets.status import ACTIVE
from storage.uow import UnitOfWork

NOTE_LIMIT = 500


@dataclass(frozen=True)
class Ledger:
    """A community's open hazards, as /hazards shows them."""

    community: Community
    entries: list[Entry]
    names: dict[int, str]


class StewardOrders:
    """Mixed into `TicketService`, whose wording, classifier, SLA book, hazard book and
    resolution these use."""

    classifier: Classifier
    sla: SlaBook
    hazard_book: HazardBook

    if TYPE_CHECKING:  # `OwnerReports` and `TicketService` define them

        def wording(self, lang: str) -> Wording: ...

        async def resolve(
            self,
            uow: UnitOfWork,
            actor: Actor,
            ticket: Ticket,
            note: str,
            now: datetime,
            *,
            photo_after: str | None = None,
        ) -> None: ...

    @staticmethod
    def on_staff(actor: Actor, community_id: int | None) -> Steward:
        """The actor's roster entry, if they are staff of the community (of the chat, or
        their own where the chat has none)."""
        steward = actor.steward
        if steward is None or (community_id is not None and steward.community_id != community_id):
            raise DomainError("err.forbidden")
        return steward

    async def open_patrol(
        self,
        uow: UnitOfWork,
        actor: Actor,
        community_id: int | None,
        text: str,
        now: datetime,
        *,
        photo: str | None = None,
    ) -> tuple[Patrolled, str]:
        """A steward's work order (/open, 开单：…, 巡查发现…): opened, assigned and carded like
        an owner's report, with no owner; a hazard goes into the ledger. Returns it and the
        line to answer the steward with."""
        steward = self.on_staff(actor, community_id)
        text = clip(text.strip())
        if not text:
            raise DomainError("err.usage", usage="/open …")
        community = await uow.directory.community(steward.community_id)
        assert community is not None
        w = self.wording(community.language)
        done = await patrol.open_patrol(
            uow,
            self.sla,
            self.hazard_book,
            w,
            community,
            steward,
            text,
            self.classifier.classify(text),
            now,
            photo=photo,
        )
        return done, patrol.answer(w, community, done)

    async def ledger(self, uow: UnitOfWork, actor: Actor, community_id: int | None) -> Ledger:
        """The open hazards of the actor's community (staff only)."""
        steward = self.on_staff(actor, community_id)
        community = await uow.directory.community(steward.community_id)
        assert community is not None
        entries = list(await uow.hazards.open_in(community.id))
        return Ledger(community, entries, await hazards.responsible_names(uow, entries))

    async def hazard_done(
        self,
        uow: UnitOfWork,
        actor: Actor,
        ticket: Ticket,
        note: str,
        now: datetime,
        *,
        photo_after: str | None = None,
    ) -> None:
        """`/hazard BX-… done`: the line is closed with the after-photo, if any; a ticket
        still open is resolved with it (as /resolve would: the worker or a supervisor)."""
        steward = self.on_staff(actor, ticket.community_id)
        hazard = await uow.hazards.for_ticket(ticket.id)
        if hazard is None:
            raise DomainError("t.hazards.not_listed", number=ticket.number)
        if hazard.status != OPEN:
            raise DomainError("t.hazards.closed_already", number=ticket.number)
        note = clip(note.strip(), NOTE_LIMIT)
        if ticket.status in ACTIVE:
            await self.resolve(uow, actor, ticket, note, now, photo_after=photo_after)
            return
        await self.close_hazard(uow, ticket, steward.name, actor.label, note, now, photo_after=photo_after)

    async def close_hazard(
        self,
        uow: UnitOfWork,
        ticket: Ticket,
        name: str,
        by: str,
        note: str,
        now: datetime,
        *,
        photo_after: str | None = None,
        status: str = "done",
    ) -> None:
        """Close the ticket's open line (if any) and tell the stewards' group."""
        if (
            await hazards.settle(uow, ticket, status, by=by, now=now, photo_after=photo_after, note=note)
            is None
        ):
            return
        if status != "done":
            return
        community = await uow.directory.community(ticket.community_id)
        assert community is not None
        w = self.wording(community.language)
        said = w.t("t.said", note=owner_text(note)) if note else ""
        await tell.staff(
            uow,
            ticket.community_id,
            w.t("t.staff.hazard_done", number=ticket.number, name=name, note=said),
            now,
        )
