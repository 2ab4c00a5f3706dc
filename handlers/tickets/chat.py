"""Chat entry points of tickets: stewards work tickets, owners follow them.

Staff: the buttons on a ticket card (接单 / 已解决 / 已到场, and the corrections of the
classifier: 改为报修 / 改为投诉 / 改为咨询 / 不是工单), a reply to a card or to a progress
prompt (a progress note; a photo there is kept as the ticket's), and /accept /arrive /progress
/resolve (with a photo: the after photo) /transfer /assign /cancel /photos. Owners: /my and /ticket, and the rating
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
from bot.core.events import MessageKind
from bot.core.roles import Role
from bot.core.router import Router
from handlers.tickets import callbacks, cards, choosing, hazards, patrol, words
from handlers.tickets.buttons import CallPress, CardAction, Correction, RatingPress
from handlers.tickets.service import TicketService
from handlers.tickets.words import Said
from storage.tickets.models import Ticket

STAFF = tuple(role for role in Role if role.is_staff)
# Steward's lines about a ticket in the stewards' group that a reply adds a note to.
CARD_LINES = ("ticket_card", "ticket_card_edit", "progress_prompt")
# Where a steward opens a work order: their group, or privately.
PATROL_CHATS = ("stewards", "private")
# `/hazard BX-… done`: the word for rectified.
DONE_WORDS = ("done", "ok", "已整改", "整改完成", "完成", "销项", "銷項")


class TicketChat:
    def __init__(self, service: TicketService) -> None:
        self.service = service

    def router(self) -> Router:
        router = Router(name="tickets")
        router.command("accept", require=Role.STEWARD)(self.accept)
        router.command("arrive", "到场", "到場", require=Role.STEWARD)(self.arrive)
        router.command("photos", "照片", require=Role.STEWARD)(self.photos)
        router.command("progress", "note", require=Role.STEWARD)(self.progress)
        router.command("resolve", "done", require=Role.STEWARD)(self.resolve)
        router.command("transfer", require=Role.STEWARD)(self.transfer)
        router.command("assign", require=Role.SUPERVISOR)(self.assign)
        router.command("cancel", require=Role.SUPERVISOR)(self.cancel)
        router.command("my", "我的工单", "我嘅工單", "我的工單")(self.my)
        router.command("ticket", "工单", "工單")(self.ticket)
        router.command("callbacks", "回访", "回訪", require=Role.STEWARD)(self.callbacks)
        router.callback(CallPress, require=Role.STEWARD)(self.called)
        router.callback(CardAction, require=Role.STEWARD)(self.card_pressed)
        router.callback(Correction, require=Role.STEWARD)(self.corrected)
        router.callback(RatingPress)(self.rated)
        router.command("open", "开单", "開單", require=Role.STEWARD)(self.open)
        router.command("hazards", "隐患", "隱患", require=Role.STEWARD)(self.hazards)
        router.command("hazard", require=Role.STEWARD)(self.hazard)
        router.message(chats=PATROL_CHATS, senders=STAFF)(self.patrol_words)
        router.message(senders=STAFF)(self.staff_words)
        router.message(senders=(Role.OWNER,))(self.owner_words)
        router.message(chats=("stewards",), senders=STAFF)(self.reply_to_card)
        router.on(MessageKind.PHOTO, chats=("stewards",), senders=STAFF)(self.reply_to_card)
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

    async def arrive(self, ctx: Context) -> None:
        ticket, _ = await self.numbered(ctx, "t.usage.arrive")
        await self.service.arrive(ctx.uow, ctx.actor, ticket, ctx.now)
        await self.keep_photos(ctx, ticket, "before")

    async def photos(self, ctx: Context) -> None:
        """The ticket's photos, forwarded here (a line saying so when it has none)."""
        ticket, _ = await self.numbered(ctx, "t.usage.photos")
        assert ctx.chat is not None
        reply_to = ctx.incoming.message_id if ctx.capabilities.replies else None
        if not await self.service.forward_photos(
            ctx.uow, ctx.actor, ticket, ctx.chat, ctx.now, reply_to=reply_to
        ):
            await ctx.reply(ctx.t("t.photo.none", number=ticket.number))

    async def keep_photos(self, ctx: Context, ticket: Ticket, stage: str | None = None) -> None:
        """The photos sent with a staff command or a reply (before / after the work)."""
        incoming = ctx.incoming
        if not incoming.photos:
            return
        await self.service.staff_photos(
            ctx.uow,
            ctx.actor,
            ticket,
            incoming.photos,
            chat=ctx.chat,
            message_id=incoming.message_id,
            caption=incoming.text,
            now=ctx.now,
            stage=stage,
        )

    async def progress(self, ctx: Context) -> None:
        ticket, rest = await self.numbered(ctx, "t.usage.progress", 2)
        await self.service.add_note(ctx.uow, ctx.actor, ticket, " ".join(rest), ctx.now)
        await self.keep_photos(ctx, ticket)

    async def resolve(self, ctx: Context) -> None:
        ticket, rest = await self.numbered(ctx, "t.usage.resolve")
        await self.service.resolve(
            ctx.uow, ctx.actor, ticket, " ".join(rest), ctx.now, photo_after=self.last_photo(ctx)
        )
        await self.keep_photos(ctx, ticket, "after")

    @staticmethod
    def last_photo(ctx: Context) -> str | None:
        """The file id of the photo sent with this message (a hazard's after-photo), if any."""
        photos = ctx.incoming.photos
        return photos[-1].file_id if photos else None

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
        photos = cards.photo_summary(w, view.photos)
        await ctx.reply(
            cards.timeline(
                w,
                view.ticket,
                view.community,
                view.assignee,
                view.events,
                internal=view.internal,
                photos=photos,
            )
        )

    # -- stewards' work orders and the rectification ledger -----------------------------------------
    async def open(self, ctx: Context) -> None:
        """`/open 3栋 消防通道堆满杂物`: a work order, in the stewards' group or privately."""
        parsed = ctx.incoming.command
        args = parsed[1] if parsed else []
        if not args:
            raise DomainError("err.usage", usage=ctx.t("t.usage.open"))
        if ctx.chat_role not in PATROL_CHATS:
            raise DomainError("t.patrol.where")
        await self.opened(ctx, " ".join(args))

    async def opened(self, ctx: Context, text: str) -> None:
        community_id = ctx.community.id if ctx.community is not None else None
        photos = ctx.incoming.photos
        done, answer = await self.service.open_patrol(
            ctx.uow, ctx.actor, community_id, text, ctx.now, photo=photos[0].file_id if photos else None
        )
        await ctx.reply(answer)
        await self.keep_photos(ctx, done.ticket, "before")  # the find, as the steward saw it

    async def patrol_words(self, ctx: Context) -> None:
        """「开单：…」 (or a photo captioned so), in the stewards' group or privately; 「巡查发现…」
        naming a problem, in the stewards' group, not in reply to anything."""
        text = ctx.incoming.text
        order = patrol.explicit(text)
        # A reply (to a card: a progress note) is about what it replies to, not a new find.
        if order is None and ctx.chat_role == "stewards" and not ctx.incoming.reply_to:
            found = patrol.patrol_phrase(text)
            if found is not None and patrol.found_a_problem(self.service.classifier.classify(found)):
                order = found
        if order is None:
            return
        ctx.stop = True
        ctx.require(Role.STEWARD)
        await self.opened(ctx, order)

    async def hazards(self, ctx: Context) -> None:
        """/hazards: the community's open hazards (staff only; owners never see the ledger)."""
        community_id = ctx.community.id if ctx.community is not None else None
        ledger = await self.service.ledger(ctx.uow, ctx.actor, community_id)
        w = self.service.wording(ledger.community.language)
        await ctx.reply(hazards.listing(w, ledger.community, ledger.entries, ledger.names, ctx.now))

    async def hazard(self, ctx: Context) -> None:
        """`/hazard BX-… done [整改说明]`: the hazard is rectified (its ticket resolved)."""
        ticket, rest = await self.numbered(ctx, "t.usage.hazard", 2)
        if rest[0].lower() not in DONE_WORDS:
            raise DomainError("err.usage", usage=ctx.t("t.usage.hazard"))
        await self.service.hazard_done(
            ctx.uow, ctx.actor, ticket, " ".join(rest[1:]), ctx.now, photo_after=self.last_photo(ctx)
        )
        await self.keep_photos(ctx, ticket, "after")
        await ctx.reply(ctx.t("t.hazards.done", number=ticket.number))

    async def callbacks(self, ctx: Context) -> None:
        """/callbacks: the 回访 calls owed in the steward's community, a row of buttons each."""
        due = await self.service.due_calls(ctx.uow, ctx.actor)
        w = self.service.wording(ctx.lang)
        await ctx.reply(callbacks.call_list(w, due), buttons=callbacks.call_buttons(w, due))

    async def called(self, ctx: Context, press: CallPress) -> None:
        called = await self.service.record_call(ctx.uow, ctx.actor, press, ctx.lang, ctx.now)
        w = self.service.wording(ctx.lang)
        outcome = w.t(f"t.cb.outcome.{called.outcome}")
        rating = w.t("t.cb.rated", rating=w.rating(called.rating)) if called.rating else ""
        text = w.t("t.cb.recorded", number=called.ticket.number, outcome=outcome, rating=rating)
        await ctx.reply(text, quote=False, answer=text)

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
        elif press.action == "arrive":
            await self.service.arrive(ctx.uow, ctx.actor, ticket, ctx.now)
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
            await self.keep_photos(ctx, ticket, "after")
        elif act == "arrive":
            await service.arrive(uow, actor, ticket, now)
            await self.keep_photos(ctx, ticket, "before")
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

    # -- a reply to a ticket card (or a progress prompt) is a progress note, a photo its photo ------
    async def reply_to_card(self, ctx: Context) -> None:
        incoming = ctx.incoming
        if not incoming.reply_to:
            return
        row = await ctx.uow.outbox.find_ref(incoming.platform, incoming.chat_id, incoming.reply_to)
        # A card rewritten in place has the same platform message id as the card.
        if row is None or row.ref_type not in CARD_LINES or row.ref_id is None:
            return
        ticket = await ctx.uow.tickets.get(row.ref_id)
        if ticket is None or not (incoming.text.strip() or incoming.photos):
            return
        ctx.stop = True  # consumed: not an owner message for intake
        if incoming.text.strip():
            await self.service.add_note(ctx.uow, ctx.actor, ticket, incoming.text, ctx.now)
        await self.keep_photos(ctx, ticket)
