"""Chat entry points of intake: every message in a chat is logged; an owner's text in their
group is acted on (`IntakeService.act_on`; one it was not sure of is kept for the stewards'
digest once logged) and watched (`IntakeService.observe`). Non-text
messages (stickers, voice, photos without caption) are logged, not classified. Intake's text
handlers come last in the routing order: they take whatever no other feature consumed.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.events import MessageKind
from bot.core.roles import Role
from bot.core.router import Router
from handlers.intake.service import IntakeService
from handlers.tickets import Report
from nlp.classification import Classification
from storage.messages.models import MessageLog

MEDIA = (MessageKind.STICKER, MessageKind.PHOTO, MessageKind.VOICE, MessageKind.OTHER_MEDIA)


class IntakeChat:
    def __init__(self, service: IntakeService) -> None:
        self.service = service

    def router(self) -> Router:
        router = Router(name="intake")
        router.on(*MEDIA)(self.media)
        router.message(chats=("owners",), senders=(Role.OWNER,))(self.owner_message)
        router.message()(self.message)
        return router

    def entry(self, ctx: Context, classification: Classification | None) -> MessageLog:
        assert ctx.chat is not None
        return self.service.entry(ctx.incoming, ctx.chat, ctx.community, ctx.member, classification)

    async def media(self, ctx: Context) -> None:
        """Logged for the record; nothing to classify."""
        await ctx.uow.messages.log(self.entry(ctx, None))

    async def owner_message(self, ctx: Context) -> None:
        """An owner writing in their group."""
        ctx.stop = True  # taken: the handler for any other text does not run
        community, chat, member = ctx.community, ctx.chat, ctx.member
        if community is None or chat is None or member is None:
            await self.message(ctx)
            return
        if not ctx.incoming.text.strip():
            await ctx.uow.messages.log(self.entry(ctx, None))
            return
        classification = self.service.classify(ctx.incoming)
        entry = self.entry(ctx, classification)
        incoming = ctx.incoming
        report = Report(
            community,
            chat,
            member,
            incoming.text,
            incoming.message_id,
            incoming.thread_id,
            incoming.reply_hint,
            incoming.reply_to,
            mention_owner=not ctx.capabilities.replies,
        )
        kept = await self.service.act_on(ctx.uow, report, classification, entry, ctx.now)
        await ctx.uow.messages.log(entry)
        if kept:
            await self.service.keep(ctx.uow, report, classification, entry)
        await self.service.observe(ctx.uow, report, classification, entry)

    async def message(self, ctx: Context) -> None:
        """Any other text (staff, other groups, private chats): logged only."""
        if not ctx.incoming.text.strip():
            await ctx.uow.messages.log(self.entry(ctx, None))
            return
        await ctx.uow.messages.log(self.entry(ctx, self.service.classify(ctx.incoming)))
