"""Chat entry points of tickets: stewards work tickets, owners follow them.

Staff: the buttons on a ticket card (接单 / 已解决, and the corrections of the classifier:
改为报修 / 改为投诉 / 改为咨询 / 不是工单), a reply to a card (a progress note), and
/accept /progress /resolve /transfer /assign /cancel. Owners: /my and /ticket, and the rating
buttons after a resolution (回访). Each entry parses what was sent, calls `TicketService` and
answers whoever asked; the service tells everyone else.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.roles import Role
from bot.core.router import Router
from handlers.tickets import cards
from handlers.tickets.buttons import CardAction, Correction, RatingPress
from handlers.tickets.service import TicketService
from storage.tickets.models import Ticket

STAFF = tuple(role for role in Role if role.is_staff)


class TicketChat:
    def __init__(self, service: TicketService) -> None:
        self.service = service

    def router(self) -> Router:
        router = Router(name="tickets")
        router.command("accept", require=Role.STEWARD)(self.accept)
        router.command("progress", "note", require=Role.STEWARD)(self.progress)
        router.command("resolve", "done", require=Role.STEWARD)(self.resolve)
        router.command("transfer", require=Role.STEWARD)(self.transfer)
        router.command("assign", require=Role.SUPERVISOR)(self.assign)
        router.command("cancel", require=Role.SUPERVISOR)(self.cancel)
        router.command("my", "我的工单", "我嘅工單", "我的工單")(self.my)
        router.command("ticket", "工单", "工單")(self.ticket)
        router.callback(CardAction, require=Role.STEWARD)(self.card_pressed)
        router.callback(Correction, require=Role.STEWARD)(self.corrected)
        router.callback(RatingPress)(self.rated)
        router.message(chats=("stewards",), senders=STAFF)(self.reply_to_card)
        return router

    # -- commands --------------------------------------------------------------------------------
    async def numbered(self, ctx: Context, usage: str, min_args: int = 1) -> tuple[Ticket, list[str]]:
        """The ticket a staff command names (of the chat's community) and the rest of its words;
        `usage`: the text key of the command's usage line, shown in the chat's language."""
        parsed = ctx.incoming.command
        args = parsed[1] if parsed else []
        if len(args) < min_args:
            raise DomainError("err.usage", usage=ctx.t(usage))
        community_id = ctx.community.id if ctx.community is not None else None
        return await self.service.find(ctx.uow, args[0], community_id), args[1:]

    async def accept(self, ctx: Context) -> None:
        ticket, _ = await self.numbered(ctx, "t.usage.accept")
        await self.service.accept(ctx.uow, ctx.actor, ticket, ctx.now)

    async def progress(self, ctx: Context) -> None:
        ticket, rest = await self.numbered(ctx, "t.usage.progress", 2)
        await self.service.add_note(ctx.uow, ctx.actor, ticket, " ".join(rest), ctx.now)

    async def resolve(self, ctx: Context) -> None:
        ticket, rest = await self.numbered(ctx, "t.usage.resolve")
        await self.service.resolve(ctx.uow, ctx.actor, ticket, " ".join(rest), ctx.now)

    async def transfer(self, ctx: Context) -> None:
        ticket, rest = await self.numbered(ctx, "t.usage.transfer", 2)
        await self.service.transfer(ctx.uow, ctx.actor, ticket, rest[0], ctx.now)

    async def assign(self, ctx: Context) -> None:
        """A supervisor gives a ticket to a steward; the supervisor is told it was done where
        the stewards' line about it (in their group) does not reach them."""
        ticket, rest = await self.numbered(ctx, "t.usage.assign", 2)
        target = await self.service.assign(ctx.uow, ctx.actor, ticket, rest[0], ctx.now)
        if ctx.chat_role != "stewards":
            await ctx.reply(ctx.t("t.answer.assigned", number=ticket.number, name=target.name))

    async def cancel(self, ctx: Context) -> None:
        """A supervisor cancels a ticket, with the reason the owner is told (required)."""
        ticket, rest = await self.numbered(ctx, "t.usage.cancel", 2)
        await self.service.cancel(ctx.uow, ctx.actor, ticket, " ".join(rest), ctx.now)
        if ctx.chat_role != "stewards":
            await ctx.reply(ctx.t("t.answer.cancelled", number=ticket.number))

    async def my(self, ctx: Context) -> None:
        mine = await self.service.mine(ctx.uow, ctx.actor)
        w = self.service.wording(ctx.lang)
        title = w.t("t.my.staff_title" if mine.staff else "t.my.title")
        await ctx.reply(cards.ticket_list(w, title, mine.tickets))

    async def ticket(self, ctx: Context) -> None:
        parsed = ctx.incoming.command
        args = parsed[1] if parsed else []
        if not args:
            raise DomainError("err.usage", usage=ctx.t("t.usage.ticket"))
        view = await self.service.view(ctx.uow, ctx.actor, args[0])
        w = self.service.wording(ctx.lang)
        await ctx.reply(
            cards.timeline(w, view.ticket, view.community, view.assignee, view.events, internal=view.internal)
        )

    # -- buttons ---------------------------------------------------------------------------------
    async def card_pressed(self, ctx: Context, press: CardAction) -> None:
        ticket = await self.service.get(ctx.uow, press.ticket_id)
        if press.action == "claim":
            claim = await self.service.claim(ctx.uow, ctx.actor, ticket, ctx.now)
            if not claim.won:
                await ctx.answer(ctx.t("t.staff.claim_lost", number=ticket.number, name=claim.holder))
                return
        elif press.action == "accept":
            await self.service.accept(ctx.uow, ctx.actor, ticket, ctx.now)
        else:
            await self.service.resolve(ctx.uow, ctx.actor, ticket, "", ctx.now)
        await ctx.answer(ctx.t("t.answer.ok"))

    async def corrected(self, ctx: Context, press: Correction) -> None:
        ticket = await self.service.get(ctx.uow, press.ticket_id)
        key = await self.service.correct(ctx.uow, ctx.actor, ticket, press.kind, ctx.now)
        kind = ticket.kind if press.kind == "none" else press.kind
        await ctx.answer(ctx.t(key, kind=ctx.t(f"t.kind.{kind}")))

    async def rated(self, ctx: Context, press: RatingPress) -> None:
        ticket = await self.service.get(ctx.uow, press.ticket_id)
        key = await self.service.rate(ctx.uow, ctx.actor, ticket, press.choice, ctx.now)
        await ctx.answer(ctx.t(key))

    # -- a reply to a ticket card is a progress note -----------------------------------------------
    async def reply_to_card(self, ctx: Context) -> None:
        incoming = ctx.incoming
        if not incoming.reply_to:
            return
        row = await ctx.uow.outbox.find_ref(incoming.platform, incoming.chat_id, incoming.reply_to)
        # A card rewritten in place has the same platform message id as the card.
        if row is None or row.ref_type not in ("ticket_card", "ticket_card_edit") or row.ref_id is None:
            return
        ticket = await ctx.uow.tickets.get(row.ref_id)
        if ticket is None or not incoming.text.strip():
            return
        ctx.stop = True  # consumed: not an owner message for intake
        await self.service.add_note(ctx.uow, ctx.actor, ticket, incoming.text, ctx.now)
