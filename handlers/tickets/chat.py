"""Chat entry points of tickets: stewards work tickets, owners follow them.

Staff: the buttons on a ticket card (接单 / 已解决, and the corrections of the classifier:
改为报修 / 改为投诉 / 改为咨询 / 不是工单), a reply to a card (a progress note), and
/accept /progress /resolve /transfer /assign /cancel. Owners: /my and /ticket, and the rating
buttons after a resolution (回访). The same in words, for a platform without buttons where
Steward hears only what is addressed to it (「@物业管家 接单 BX-…」, 「@物业管家 满意」;
`words.py` reads them, `choosing.py` finds the ticket a message names none of): a message
addressed to Steward, or replying to one of its lines about a ticket, that starts with one
of the verbs. Each entry parses what was sent, calls `TicketService` and answers whoever
asked; the service tells everyone else.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.roles import Role
from bot.core.router import Router
from handlers.tickets import cards, choosing, words
from handlers.tickets.buttons import CardAction, Correction, RatingPress
from handlers.tickets.service import TicketService
from handlers.tickets.words import Said
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
        router.message(senders=STAFF)(self.staff_words)
        router.message(senders=(Role.OWNER,))(self.owner_words)
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
        ticket = await self.service.get(ctx.uow, press.ticket_id, ctx.actor)
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
        ticket = await self.service.get(ctx.uow, press.ticket_id, ctx.actor)
        key = await self.service.correct(ctx.uow, ctx.actor, ticket, press.kind, ctx.now)
        kind = ticket.kind if press.kind == "none" else press.kind
        await ctx.answer(ctx.t(key, kind=ctx.t(f"t.kind.{kind}")))

    async def rated(self, ctx: Context, press: RatingPress) -> None:
        ticket = await self.service.get(ctx.uow, press.ticket_id)
        key = await self.service.rate(ctx.uow, ctx.actor, ticket, press.choice, ctx.now)
        await ctx.answer(ctx.t(key))

    # -- tickets in words ----------------------------------------------------------------------------
    async def staff_words(self, ctx: Context) -> None:
        """「接单 BX-…」, 「已解决 BX-… 换了阀门」, 「改为投诉 BX-…」 (…) addressed to Steward, or
        any of them in reply to one of its lines about a ticket (that ticket, if none is named)."""
        said = words.read(ctx.incoming.text, self.service.rules)
        if said is None or said.act == "rate":
            return
        quoted = await self.quoted(ctx)
        if quoted is None and not ctx.incoming.addressed:
            return  # words in passing, not said to Steward
        ticket = await self.named(ctx, said) or quoted
        if ticket is None and said.act == "cancel":
            return  # 「取消 N12」: a notice's preview, not a ticket
        ctx.stop = True
        if said.act in ("assign", "cancel"):
            ctx.require(Role.SUPERVISOR)
        if ticket is None:
            ticket = await self.chosen(ctx, said)
            if ticket is None:
                return
        await self.act(ctx, said, ticket)

    async def owner_words(self, ctx: Context) -> None:
        """「满意」 (any of the ratings) addressed to Steward or in reply to the rating request:
        the rating of the owner's ticket waiting for one (named, quoted, or their only one)."""
        said = words.read(ctx.incoming.text, self.service.rules)
        if said is None or said.act != "rate" or said.rating is None:
            return
        quoted = await self.quoted(ctx)
        if quoted is None and not ctx.incoming.addressed:
            return
        ticket = await self.named(ctx, said) or quoted
        if ticket is None:
            waiting = await self.service.candidates(ctx.uow, ctx.actor, "rate")
            if not waiting:
                return  # nothing to rate: 「满意」 is an owner's message like any other
            ctx.stop = True
            if len(waiting) > 1:
                await self.offer(ctx, said, waiting)
                return
            ticket = waiting[0]
        ctx.stop = True
        key = await self.service.rate(ctx.uow, ctx.actor, ticket, said.rating, ctx.now)
        if key != "t.answer.ok":
            await ctx.reply(ctx.t(key))

    async def quoted(self, ctx: Context) -> Ticket | None:
        """The ticket of the line of Steward's the message replies to, if any."""
        incoming = ctx.incoming
        if not incoming.reply_to:
            return None
        return await self.service.quoted(ctx.uow, incoming.platform, incoming.chat_id, incoming.reply_to)

    async def named(self, ctx: Context, said: Said) -> Ticket | None:
        """The ticket the words name by its number (staff: of the chat's community)."""
        if said.number is None:
            return None
        staff = ctx.actor.role.is_staff
        community_id = ctx.community.id if staff and ctx.community is not None else None
        return await self.service.find(ctx.uow, said.number, community_id)

    async def chosen(self, ctx: Context, said: Said) -> Ticket | None:
        """The one ticket words that name none can be about; else the choices are answered."""
        if said.act not in words.GUESSED:
            raise DomainError("t.words.which", address=ctx.address, verb=ctx.t(f"t.verb.{said.act}"))
        found = await self.service.candidates(ctx.uow, ctx.actor, said.act)
        if len(found) == 1:
            return found[0]
        if not found:
            await ctx.reply(ctx.t("t.words.none", verb=ctx.t(f"t.verb.{said.act}")))
        else:
            await self.offer(ctx, said, found)
        return None

    async def offer(self, ctx: Context, said: Said, tickets: Sequence[Ticket]) -> None:
        """The tickets the words may be about, each as the line to write for it."""
        w = self.service.wording(ctx.lang)
        verb = words.spoken(said) or ctx.t(f"t.verb.{said.act}")
        lines = [ctx.t("t.words.choose", n=len(tickets), verb=verb)]
        for ticket in tickets[: choosing.CHOICES]:
            lines.append(
                ctx.t(
                    "t.words.choice",
                    address=ctx.address,
                    verb=verb,
                    number=ticket.number,
                    category=w.category(ticket.category, ticket.kind),
                    place=w.place(ticket.building),
                )
            )
        if len(tickets) > choosing.CHOICES:
            lines.append(ctx.t("t.words.more", n=len(tickets) - choosing.CHOICES, address=ctx.address))
        await ctx.reply("\n".join(lines))

    async def act(self, ctx: Context, said: Said, ticket: Ticket) -> None:
        """What the words ask, as the button or the command would do it."""
        service, uow, actor, now, act = self.service, ctx.uow, ctx.actor, ctx.now, said.act
        verb = ctx.t(f"t.verb.{act}")
        if act == "accept" and ticket.assignee_id is None:
            claim = await service.claim(uow, actor, ticket, now)
            if not claim.won:
                await ctx.reply(ctx.t("t.staff.claim_lost", number=ticket.number, name=claim.holder))
                return
        elif act == "accept":
            await service.accept(uow, actor, ticket, now)
        elif act == "resolve":
            await service.resolve(uow, actor, ticket, said.rest, now)
        elif act in words.CORRECTIONS:
            key = await service.correct(uow, actor, ticket, act, now)
            kind = ticket.kind if act == "none" else act
            await ctx.reply(ctx.t(key, kind=ctx.t(f"t.kind.{kind}")))
            return
        elif not said.rest:
            needs = {"progress": "进度说明", "transfer": "管家", "assign": "管家", "cancel": "原因"}[act]
            raise DomainError("err.usage", usage=f"{ctx.address}{verb} {ticket.number} {needs}")
        elif act == "progress":
            await service.add_note(uow, actor, ticket, said.rest, now)
        elif act == "transfer":
            await service.transfer(uow, actor, ticket, said.rest.split()[0], now)
        elif act == "assign":
            await service.assign(uow, actor, ticket, said.rest.split()[0], now)
        else:
            await service.cancel(uow, actor, ticket, said.rest, now)
        if ctx.chat_role != "stewards":  # the stewards' groups were told; here nobody was
            await ctx.reply(ctx.t("t.words.done", verb=verb, number=ticket.number))

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
